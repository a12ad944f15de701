import type { AuditEvent, Tenant, TenantSettings } from '../tenants/types';
import type { Client, Contact, Interaction } from '../interactions/types';
import type {
  ChatList,
  ConversationRef,
  MeetingAttendee,
  MeetingCard,
  MeetingDraft,
  OnlineMeeting,
} from '../meetings/types';
import type { GraphSubscription, InboxItem, MeetingArtifact } from '../capture/types';
import type { TranscriptSegment } from '../transcripts/types';

export interface ListOptions<T> {
  order?: Partial<Record<keyof T, 'ASC' | 'DESC'>>;
  limit?: number;
  offset?: number;
}

/** Equality filter on a row's own fields (tenant excluded: it is always the first argument). */
export type Filter<T> = Partial<Omit<T, 'tenantId'>>;

/**
 * Every method takes the tenant id first and filters on it; a row of another tenant is absent.
 * `K` names the key fields besides `tenantId`.
 */
export interface TenantScopedRepository<T extends { tenantId: string }, K extends keyof T> {
  get(tenantId: string, key: Pick<T, K>): Promise<T | null>;
  list(tenantId: string, filter?: Filter<T>, options?: ListOptions<T>): Promise<T[]>;
  count(tenantId: string, filter?: Filter<T>): Promise<number>;
  insert(tenantId: string, row: Omit<T, 'tenantId'>): Promise<T>;
  /** Returns false when no row of this tenant has that key. */
  update(
    tenantId: string,
    key: Pick<T, K>,
    patch: Partial<Omit<T, 'tenantId' | K>>,
  ): Promise<boolean>;
  delete(tenantId: string, key: Pick<T, K>): Promise<boolean>;
}

export interface TenantsRepository {
  get(tenantId: string): Promise<Tenant | null>;
  /** Creates or refreshes a tenant row (consent, bootstrap). */
  upsert(
    tenantId: string,
    row: Omit<Tenant, 'tenantId' | 'createdAt' | 'updatedAt'>,
  ): Promise<Tenant>;
  update(tenantId: string, patch: Partial<Omit<Tenant, 'tenantId'>>): Promise<boolean>;
  delete(tenantId: string): Promise<boolean>;
  /** Cross-tenant reads: which tenants background work should visit. */
  listActiveTenantIds(): Promise<string[]>;
  /** Every tenant, whatever its status (retention applies to all). */
  listTenantIds(): Promise<string[]>;
}

export interface ContactsRepository extends TenantScopedRepository<Contact, 'contactId'> {
  findByEmail(tenantId: string, email: string): Promise<Contact | null>;
}

export interface ClientsRepository extends TenantScopedRepository<Client, 'clientId'> {
  findByEmailDomain(tenantId: string, emailDomain: string): Promise<Client | null>;
}

export interface OnlineMeetingsRepository extends TenantScopedRepository<
  OnlineMeeting,
  'meetingId'
> {
  findByInteraction(tenantId: string, interactionId: string): Promise<OnlineMeeting | null>;
  findByProviderMeetingId(
    tenantId: string,
    providerMeetingId: string,
  ): Promise<OnlineMeeting | null>;
  /** Meetings whose id starts with `prefix` (a card's short code); at most a few. */
  findByIdPrefix(tenantId: string, prefix: string): Promise<OnlineMeeting[]>;
  /** Compare-and-set on `version`; false when the row changed since it was read. */
  updateIfVersion(
    tenantId: string,
    meetingId: string,
    expectedVersion: number,
    patch: Partial<Omit<OnlineMeeting, 'tenantId' | 'meetingId' | 'version'>>,
  ): Promise<boolean>;
}

export interface MeetingDraftsRepository extends TenantScopedRepository<MeetingDraft, 'draftId'> {
  /** Moves an open draft to `state`; false when it was not open (already created or discarded). */
  claim(
    tenantId: string,
    draftId: string,
    state: 'created' | 'discarded',
    at: Date,
  ): Promise<boolean>;
  /** Replaces an open draft's payload; false when it is no longer open. */
  updateOpen(tenantId: string, draftId: string, payload: string, at: Date): Promise<boolean>;
  /** Deletes drafts that expired before `before`; returns how many. */
  purgeExpired(tenantId: string, before: Date): Promise<number>;
}

export interface GraphSubscriptionsRepository extends TenantScopedRepository<
  GraphSubscription,
  'subscriptionId'
> {
  findByGraphId(tenantId: string, graphSubscriptionId: string): Promise<GraphSubscription | null>;
}

export interface InboxRepository extends TenantScopedRepository<InboxItem, 'dedupeKey'> {
  /** Deletes processed notifications received before `before`; returns how many. */
  purgeProcessed(tenantId: string, before: Date): Promise<number>;
}

export interface TranscriptSegmentsRepository extends TenantScopedRepository<
  TranscriptSegment,
  'artifactId' | 'seq'
> {
  /** Replaces every segment of one transcript; only inside a unit of work. */
  replaceForArtifact(
    tenantId: string,
    artifactId: string,
    segments: Omit<TranscriptSegment, 'tenantId' | 'artifactId'>[],
  ): Promise<void>;
}

/** All tenant data, as the domain sees it. */
export interface Repositories {
  tenants: TenantsRepository;
  tenantSettings: TenantScopedRepository<TenantSettings, never>;
  clients: ClientsRepository;
  contacts: ContactsRepository;
  interactions: TenantScopedRepository<Interaction, 'interactionId'>;
  onlineMeetings: OnlineMeetingsRepository;
  meetingAttendees: TenantScopedRepository<MeetingAttendee, 'meetingId' | 'email'>;
  meetingArtifacts: TenantScopedRepository<MeetingArtifact, 'artifactId'>;
  transcriptSegments: TranscriptSegmentsRepository;
  meetingCards: TenantScopedRepository<MeetingCard, 'meetingId' | 'conversationId'>;
  conversationRefs: TenantScopedRepository<ConversationRef, 'conversationId'>;
  meetingDrafts: MeetingDraftsRepository;
  chatLists: TenantScopedRepository<ChatList, 'conversationId' | 'userOid'>;
  graphSubscriptions: GraphSubscriptionsRepository;
  inbox: InboxRepository;
  auditEvents: TenantScopedRepository<AuditEvent, 'eventId'>;
}
