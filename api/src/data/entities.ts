import { EntitySchema } from 'typeorm';
import type { AuditEvent, Tenant, TenantSettings } from '../domain/tenants/types';
import { TENANT_STATUSES } from '../domain/tenants/types';
import type { Client, Contact, Interaction } from '../domain/interactions/types';
import { INTERACTION_STATUSES, INTERACTION_TYPES } from '../domain/interactions/types';
import type {
  ChatList,
  ConversationRef,
  MeetingAttendee,
  MeetingCard,
  MeetingDraft,
  OnlineMeeting,
} from '../domain/meetings/types';
import { ATTENDEE_TYPES, DRAFT_STATES, MEETING_STATES } from '../domain/meetings/types';
import type { GraphSubscription, InboxItem, MeetingArtifact } from '../domain/capture/types';
import {
  ARTIFACT_KINDS,
  ARTIFACT_STATES,
  INBOX_KINDS,
  SUBSCRIPTION_STATES,
} from '../domain/capture/types';
import type { TranscriptSegment } from '../domain/transcripts/types';
import type { Job } from '../domain/ports/job-queue';
import { JOB_STATES } from '../domain/ports/job-queue';
import { columnBuilders, nullable, oneOf, pk, type Dialect } from './columns';

type Entity<T> = EntitySchema<T>;
const fkTo = (table: string, target: string, columnNames: string[]) => ({
  name: `FK_${table}_${target}`,
  target,
  columnNames,
  referencedColumnNames: columnNames,
  onDelete: 'NO ACTION' as const,
});

/** Entity schemas for one dialect; `npm test` proves they equal what the migrations create. */
export function buildEntities(dialect: Dialect) {
  const c = columnBuilders(dialect);
  const stamps = { createdAt: c.time('created_at'), updatedAt: c.time('updated_at') };

  const tenants: Entity<Tenant> = new EntitySchema<Tenant>({
    name: 'tenants',
    columns: {
      tenantId: c.id('tenant_id', pk),
      displayName: c.text('display_name', 256),
      status: c.str('status', 16),
      consentedAt: c.time('consented_at', nullable),
      ...stamps,
    },
    checks: [oneOf('tenants', 'status', TENANT_STATUSES)],
  });

  const tenantSettings = new EntitySchema<TenantSettings>({
    name: 'tenant_settings',
    columns: {
      tenantId: c.id('tenant_id', pk),
      organizerUpn: c.text('organizer_upn', 320, nullable),
      organizerOid: c.id('organizer_oid', nullable),
      autoRecord: c.bool('auto_record'),
      autoTranscribe: c.bool('auto_transcribe'),
      retentionCopy: c.bool('retention_copy'),
      retentionDays: c.int('retention_days', nullable),
      defaultTimeZone: c.str('default_time_zone', 64),
      updatedBy: c.id('updated_by', nullable),
      updatedAt: c.time('updated_at'),
    },
    foreignKeys: [fkTo('tenant_settings', 'tenants', ['tenant_id'])],
  });

  const clients = new EntitySchema<Client>({
    name: 'clients',
    columns: {
      tenantId: c.id('tenant_id', pk),
      clientId: c.id('client_id', pk),
      companyName: c.text('company_name', 256),
      emailDomain: c.str('email_domain', 255, nullable),
      ...stamps,
    },
    foreignKeys: [fkTo('clients', 'tenants', ['tenant_id'])],
    indices: [
      {
        name: 'IX_clients_email_domain',
        columns: ['tenantId', 'emailDomain'],
        unique: true,
        where: '"email_domain" IS NOT NULL',
      },
    ],
  });

  const contacts = new EntitySchema<Contact>({
    name: 'contacts',
    columns: {
      tenantId: c.id('tenant_id', pk),
      contactId: c.id('contact_id', pk),
      clientId: c.id('client_id'),
      name: c.text('name', 256),
      email: c.text('email', 320),
      ...stamps,
    },
    foreignKeys: [fkTo('contacts', 'clients', ['tenant_id', 'client_id'])],
    indices: [
      { name: 'IX_contacts_email', columns: ['tenantId', 'email'], unique: true },
      { name: 'IX_contacts_client', columns: ['tenantId', 'clientId'] },
    ],
  });

  const interactions = new EntitySchema<Interaction>({
    name: 'interactions',
    columns: {
      tenantId: c.id('tenant_id', pk),
      interactionId: c.id('interaction_id', pk),
      type: c.str('type', 32),
      clientId: c.id('client_id', nullable),
      contactId: c.id('contact_id', nullable),
      title: c.text('title', 255),
      notes: c.text('notes', 4000, nullable),
      startAt: c.time('start_at', nullable),
      endAt: c.time('end_at', nullable),
      status: c.str('status', 16),
      createdBy: c.id('created_by'),
      ...stamps,
    },
    checks: [
      oneOf('interactions', 'type', INTERACTION_TYPES),
      oneOf('interactions', 'status', INTERACTION_STATUSES),
    ],
    foreignKeys: [
      fkTo('interactions', 'tenants', ['tenant_id']),
      fkTo('interactions', 'clients', ['tenant_id', 'client_id']),
      fkTo('interactions', 'contacts', ['tenant_id', 'contact_id']),
    ],
    indices: [
      { name: 'IX_interactions_client', columns: ['tenantId', 'clientId', 'startAt'] },
      { name: 'IX_interactions_start', columns: ['tenantId', 'startAt'] },
    ],
  });

  const onlineMeetings = new EntitySchema<OnlineMeeting>({
    name: 'online_meetings',
    columns: {
      tenantId: c.id('tenant_id', pk),
      meetingId: c.id('meeting_id', pk),
      interactionId: c.id('interaction_id'),
      provider: c.str('provider', 16),
      providerEventId: c.str('provider_event_id', 512, nullable),
      providerMeetingId: c.str('provider_meeting_id', 512, nullable),
      joinUrl: c.str('join_url', 2048, nullable),
      chatThreadId: c.str('chat_thread_id', 255, nullable),
      organizerUpn: c.text('organizer_upn', 320),
      organizerOid: c.id('organizer_oid'),
      subject: c.text('subject', 255),
      startAt: c.time('start_at'),
      endAt: c.time('end_at'),
      timeZone: c.str('time_zone', 64),
      state: c.str('state', 24),
      captureDeadlineAt: c.time('capture_deadline_at', nullable),
      nextCheckAt: c.time('next_check_at', nullable),
      creationRetryAt: c.time('creation_retry_at', nullable),
      leaseId: c.id('lease_id', nullable),
      leaseUntil: c.time('lease_until', nullable),
      cleanupPendingAt: c.time('cleanup_pending_at', nullable),
      lastErrorCode: c.str('last_error_code', 64, nullable),
      lastErrorMessage: c.text('last_error_message', 1000, nullable),
      transactionId: c.str('transaction_id', 64),
      createdBy: c.id('created_by'),
      version: c.int('version', { version: true }),
      ...stamps,
    },
    checks: [
      oneOf('online_meetings', 'provider', ['teams']),
      oneOf('online_meetings', 'state', MEETING_STATES),
    ],
    foreignKeys: [fkTo('online_meetings', 'interactions', ['tenant_id', 'interaction_id'])],
    indices: [
      {
        name: 'IX_online_meetings_interaction',
        columns: ['tenantId', 'interactionId'],
        unique: true,
      },
      {
        name: 'IX_online_meetings_transaction',
        columns: ['tenantId', 'transactionId'],
        unique: true,
      },
      {
        name: 'IX_online_meetings_provider_meeting',
        columns: ['tenantId', 'providerMeetingId'],
        unique: true,
        where: '"provider_meeting_id" IS NOT NULL',
      },
      { name: 'IX_online_meetings_chat', columns: ['tenantId', 'chatThreadId'] },
      { name: 'IX_online_meetings_state_start', columns: ['tenantId', 'state', 'startAt'] },
    ],
  });

  const meetingAttendees = new EntitySchema<MeetingAttendee>({
    name: 'meeting_attendees',
    columns: {
      tenantId: c.id('tenant_id', pk),
      meetingId: c.id('meeting_id', pk),
      email: c.text('email', 320, pk),
      name: c.text('name', 256, nullable),
      type: c.str('type', 16),
      contactId: c.id('contact_id', nullable),
    },
    checks: [oneOf('meeting_attendees', 'type', ATTENDEE_TYPES)],
    foreignKeys: [fkTo('meeting_attendees', 'online_meetings', ['tenant_id', 'meeting_id'])],
  });

  const meetingArtifacts = new EntitySchema<MeetingArtifact>({
    name: 'meeting_artifacts',
    columns: {
      tenantId: c.id('tenant_id', pk),
      artifactId: c.id('artifact_id', pk),
      meetingId: c.id('meeting_id'),
      kind: c.str('kind', 16),
      providerArtifactId: c.str('provider_artifact_id', 512),
      contentCorrelationId: c.str('content_correlation_id', 128, nullable),
      providerCreatedAt: c.time('provider_created_at', nullable),
      providerEndedAt: c.time('provider_ended_at', nullable),
      sizeBytes: c.bigint('size_bytes', nullable),
      contentType: c.str('content_type', 128, nullable),
      blobKey: c.str('blob_key', 512, nullable),
      state: c.str('state', 16),
      lastErrorCode: c.str('last_error_code', 64, nullable),
      ...stamps,
    },
    checks: [
      oneOf('meeting_artifacts', 'kind', ARTIFACT_KINDS),
      oneOf('meeting_artifacts', 'state', ARTIFACT_STATES),
    ],
    foreignKeys: [fkTo('meeting_artifacts', 'online_meetings', ['tenant_id', 'meeting_id'])],
    indices: [
      {
        name: 'IX_meeting_artifacts_provider',
        columns: ['tenantId', 'meetingId', 'kind', 'providerArtifactId'],
        unique: true,
      },
    ],
  });

  const transcriptSegments = new EntitySchema<TranscriptSegment>({
    name: 'transcript_segments',
    columns: {
      tenantId: c.id('tenant_id', pk),
      artifactId: c.id('artifact_id', pk),
      seq: c.int('seq', pk),
      startMs: c.int('start_ms'),
      endMs: c.int('end_ms'),
      speaker: c.text('speaker', 256, nullable),
      text: c.text('text', 4000),
    },
    foreignKeys: [fkTo('transcript_segments', 'meeting_artifacts', ['tenant_id', 'artifact_id'])],
  });

  const meetingCards = new EntitySchema<MeetingCard>({
    name: 'meeting_cards',
    columns: {
      tenantId: c.id('tenant_id', pk),
      meetingId: c.id('meeting_id', pk),
      conversationId: c.str('conversation_id', 400, pk),
      activityId: c.str('activity_id', 128),
      serviceUrl: c.str('service_url', 512),
      lastRenderedState: c.str('last_rendered_state', 24, nullable),
      postedAt: c.time('posted_at'),
      updatedAt: c.time('updated_at'),
    },
    foreignKeys: [fkTo('meeting_cards', 'online_meetings', ['tenant_id', 'meeting_id'])],
  });

  const conversationRefs = new EntitySchema<ConversationRef>({
    name: 'conversation_refs',
    columns: {
      tenantId: c.id('tenant_id', pk),
      conversationId: c.str('conversation_id', 400, pk),
      conversationType: c.str('conversation_type', 32),
      serviceUrl: c.str('service_url', 512),
      reference: c.text('reference', 4000),
      userOid: c.id('user_oid', nullable),
      updatedAt: c.time('updated_at'),
    },
    foreignKeys: [fkTo('conversation_refs', 'tenants', ['tenant_id'])],
  });

  const meetingDrafts = new EntitySchema<MeetingDraft>({
    name: 'meeting_drafts',
    columns: {
      tenantId: c.id('tenant_id', pk),
      draftId: c.id('draft_id', pk),
      conversationId: c.str('conversation_id', 400),
      userOid: c.id('user_oid'),
      meetingId: c.id('meeting_id'),
      state: c.str('state', 16),
      payload: c.text('payload', 4000),
      expiresAt: c.time('expires_at'),
      ...stamps,
    },
    checks: [oneOf('meeting_drafts', 'state', DRAFT_STATES)],
    foreignKeys: [fkTo('meeting_drafts', 'tenants', ['tenant_id'])],
    indices: [{ name: 'IX_meeting_drafts_expires', columns: ['tenantId', 'expiresAt'] }],
  });

  const chatLists = new EntitySchema<ChatList>({
    name: 'chat_lists',
    columns: {
      tenantId: c.id('tenant_id', pk),
      conversationId: c.str('conversation_id', 400, pk),
      userOid: c.id('user_oid', pk),
      meetingIds: c.str('meeting_ids', 800),
      updatedAt: c.time('updated_at'),
    },
    foreignKeys: [fkTo('chat_lists', 'tenants', ['tenant_id'])],
  });

  const graphSubscriptions = new EntitySchema<GraphSubscription>({
    name: 'graph_subscriptions',
    columns: {
      tenantId: c.id('tenant_id', pk),
      subscriptionId: c.id('subscription_id', pk),
      graphSubscriptionId: c.str('graph_subscription_id', 64, nullable),
      resource: c.text('resource', 512),
      changeType: c.str('change_type', 32),
      organizerOid: c.id('organizer_oid', nullable),
      includeResourceData: c.bool('include_resource_data'),
      encryptionCertId: c.str('encryption_cert_id', 128, nullable),
      clientStateId: c.id('client_state_id'),
      clientStateHash: c.str('client_state_hash', 128),
      expiresAt: c.time('expires_at', nullable),
      state: c.str('state', 16),
      lastRenewedAt: c.time('last_renewed_at', nullable),
      lastErrorCode: c.str('last_error_code', 64, nullable),
      ...stamps,
    },
    checks: [oneOf('graph_subscriptions', 'state', SUBSCRIPTION_STATES)],
    foreignKeys: [fkTo('graph_subscriptions', 'tenants', ['tenant_id'])],
    indices: [
      {
        name: 'IX_graph_subscriptions_graph_id',
        columns: ['tenantId', 'graphSubscriptionId'],
        unique: true,
        where: '"graph_subscription_id" IS NOT NULL',
      },
      { name: 'IX_graph_subscriptions_expiry', columns: ['tenantId', 'state', 'expiresAt'] },
    ],
  });

  const inbox = new EntitySchema<InboxItem>({
    name: 'inbox',
    columns: {
      tenantId: c.id('tenant_id', pk),
      dedupeKey: c.str('dedupe_key', 256, pk),
      subscriptionId: c.id('subscription_id'),
      kind: c.str('kind', 16),
      payload: c.text('payload', 4000),
      receivedAt: c.time('received_at'),
      processedAt: c.time('processed_at', nullable),
    },
    checks: [oneOf('inbox', 'kind', INBOX_KINDS)],
    indices: [
      { name: 'IX_inbox_received', columns: ['tenantId', 'receivedAt'] },
      { name: 'IX_inbox_processed', columns: ['tenantId', 'processedAt'] },
    ],
  });

  const jobs = new EntitySchema<Job>({
    name: 'jobs',
    columns: {
      jobId: c.id('job_id', pk),
      tenantId: c.id('tenant_id', nullable),
      kind: c.str('kind', 64),
      dedupeKey: c.str('dedupe_key', 400, nullable),
      payload: c.text('payload', 4000),
      state: c.str('state', 16),
      runAfter: c.time('run_after'),
      attempts: c.int('attempts'),
      maxAttempts: c.int('max_attempts'),
      leaseOwner: c.str('lease_owner', 128, nullable),
      leaseExpiresAt: c.time('lease_expires_at', nullable),
      lastError: c.text('last_error', 2000, nullable),
      ...stamps,
      finishedAt: c.time('finished_at', nullable),
    },
    checks: [oneOf('jobs', 'state', JOB_STATES)],
    indices: [
      {
        name: 'IX_jobs_pending_dedupe',
        columns: ['dedupeKey'],
        unique: true,
        where: `"state" = 'pending' AND "dedupe_key" IS NOT NULL`,
      },
      { name: 'IX_jobs_dedupe_state', columns: ['dedupeKey', 'state'] },
      { name: 'IX_jobs_claim', columns: ['state', 'runAfter'] },
      { name: 'IX_jobs_lease', columns: ['state', 'leaseExpiresAt'] },
      { name: 'IX_jobs_tenant', columns: ['tenantId', 'state'] },
      { name: 'IX_jobs_finished', columns: ['state', 'finishedAt'] },
      { name: 'IX_jobs_kind_claim', columns: ['state', 'kind', 'runAfter'] },
    ],
  });

  const auditEvents = new EntitySchema<AuditEvent>({
    name: 'audit_events',
    columns: {
      tenantId: c.id('tenant_id', pk),
      eventId: c.id('event_id', pk),
      actorOid: c.id('actor_oid'),
      action: c.str('action', 64),
      targetType: c.str('target_type', 32),
      targetId: c.str('target_id', 512),
      detail: c.text('detail', 2000, nullable),
      occurredAt: c.time('occurred_at'),
    },
    foreignKeys: [fkTo('audit_events', 'tenants', ['tenant_id'])],
    indices: [{ name: 'IX_audit_events_occurred', columns: ['tenantId', 'occurredAt'] }],
  });

  return {
    tenants,
    tenantSettings,
    clients,
    contacts,
    interactions,
    onlineMeetings,
    meetingAttendees,
    meetingArtifacts,
    transcriptSegments,
    meetingCards,
    conversationRefs,
    meetingDrafts,
    chatLists,
    graphSubscriptions,
    inbox,
    jobs,
    auditEvents,
  };
}

export type Entities = ReturnType<typeof buildEntities>;
