import { randomUUID } from 'node:crypto';
import { AbortedError, DomainError } from '../errors';
import { StorageError } from '../ports/storage';
import type { Interaction } from '../interactions/types';
import type { TenantContext } from '../tenants/context';
import type { CallOptions, MeetingDeps } from './deps';
import { continueCreation } from './creation';
import { enqueueRecovery, MeetingLease, type AlongWith } from './lease';
import type { MeetingAttendee, OnlineMeeting } from './types';
import { validateScheduleRequest, type ScheduleRequest } from './validation';
import { setOrganizer } from '../tenants/organizer';

/** Actor recorded when the service itself changes a setting. */
const SYSTEM_ACTOR = '00000000-0000-0000-0000-000000000000';

async function requireOrganizer(deps: MeetingDeps, tenantId: string) {
  const tenant = await deps.repos.tenants.get(tenantId);
  if (!tenant || tenant.status !== 'active') {
    throw new DomainError(
      'tenant_not_active',
      'This organization is not active in Interactions for Teams.',
    );
  }
  const settings = await deps.repos.tenantSettings.get(tenantId, {});
  // Also for a tenant without a settings row yet: setOrganizer creates it.
  if (!settings?.organizerOid && deps.defaultOrganizerUpn) {
    return setOrganizer(deps, { tenantId, userOid: SYSTEM_ACTOR }, deps.defaultOrganizerUpn);
  }
  if (!settings?.organizerOid || !settings.organizerUpn) {
    throw new DomainError(
      'organizer_not_configured',
      'No organizer account is set up for meetings yet; ask an admin to choose one in the settings.',
    );
  }
  return { upn: settings.organizerUpn, oid: settings.organizerOid };
}

/** Contacts named by id must be this tenant's; the first one places the interaction on a client. */
async function resolveContacts(deps: MeetingDeps, tenantId: string, req: ScheduleRequest) {
  let clientId: string | null = null;
  let contactId: string | null = null;
  for (const [i, a] of req.attendees.entries()) {
    const contact = a.contactId
      ? await deps.repos.contacts.get(tenantId, { contactId: a.contactId })
      : await deps.repos.contacts.findByEmail(tenantId, a.email);
    if (a.contactId && !contact) {
      throw new DomainError(
        'invalid_input',
        `The meeting can't be scheduled: contact ${a.contactId} does not exist.`,
        {
          fields: { [`attendees[${i}].contactId`]: 'unknown contact' },
        },
      );
    }
    if (contact) {
      a.contactId = contact.contactId;
      a.name = a.name ?? contact.name;
      clientId ??= contact.clientId;
      contactId ??= contact.contactId;
    }
  }
  return { clientId, contactId };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface ScheduleOptions extends CallOptions {
  /**
   * The meeting's id, reserved by the caller (a previewed draft): asking again with the same id
   * returns the meeting the first request made instead of making a second one.
   */
  meetingId?: string;
  /** Rows that must exist exactly when the meeting does (where its card was posted). */
  alongWith?: AlongWith;
}

/** The meeting a reserved id already names, when the same person asked for it before. */
async function alreadyScheduled(
  deps: MeetingDeps,
  ctx: TenantContext,
  meetingId: string,
  err: unknown,
): Promise<OnlineMeeting> {
  if (!(err instanceof StorageError && err.conflict)) throw err;
  const existing = await deps.repos.onlineMeetings.get(ctx.tenantId, { meetingId });
  if (!existing) throw err;
  return sameRequester(ctx, existing);
}

function sameRequester(ctx: TenantContext, existing: OnlineMeeting): OnlineMeeting {
  if (existing.createdBy !== ctx.userOid) {
    throw new DomainError('conflict', 'Someone else already created this meeting.');
  }
  return existing;
}

/**
 * Schedules a calendar-backed Teams meeting and its interaction. Rows are written first (state
 * `creating`, holding the meeting's lease, with the recovery job in the same transaction), then
 * Graph is called outside any transaction; whatever fails afterwards, the recovery job finishes or
 * compensates: no orphaned or duplicated calendar event. A meeting Graph could not finish yet is
 * returned in `creating` (recovery completes it).
 */
export async function scheduleMeeting(
  deps: MeetingDeps,
  ctx: TenantContext,
  request: ScheduleRequest,
  opts: ScheduleOptions = {},
): Promise<OnlineMeeting> {
  const now = deps.clock.now();
  if (opts.meetingId !== undefined && !UUID.test(opts.meetingId)) {
    throw new DomainError('invalid_input', "The meeting can't be scheduled: its id is not valid.");
  }
  if (opts.meetingId) {
    const existing = await deps.repos.onlineMeetings.get(ctx.tenantId, {
      meetingId: opts.meetingId,
    });
    if (existing) return sameRequester(ctx, existing);
  }
  const req = validateScheduleRequest(request, now);
  const organizer = await requireOrganizer(deps, ctx.tenantId);
  const { clientId, contactId } = await resolveContacts(deps, ctx.tenantId, req);
  const interaction: Omit<Interaction, 'tenantId'> = {
    interactionId: randomUUID(),
    type: 'online_meeting',
    clientId,
    contactId,
    title: req.subject,
    notes: req.notes ?? null,
    startAt: req.start,
    endAt: req.end,
    status: 'planned',
    createdBy: ctx.userOid,
    createdAt: now,
    updatedAt: now,
  };
  const meeting: Omit<OnlineMeeting, 'tenantId'> = {
    meetingId: opts.meetingId ?? randomUUID(),
    interactionId: interaction.interactionId,
    provider: 'teams',
    providerEventId: null,
    providerMeetingId: null,
    joinUrl: null,
    chatThreadId: null,
    organizerUpn: organizer.upn,
    organizerOid: organizer.oid,
    subject: req.subject,
    startAt: req.start,
    endAt: req.end,
    timeZone: req.timeZone,
    state: 'creating',
    captureDeadlineAt: null,
    nextCheckAt: null,
    creationRetryAt: null,
    // The inline pass below holds the lease from the start: recovery waits for it.
    leaseId: randomUUID(),
    leaseUntil: new Date(now.getTime() + deps.timings.leaseMs),
    cleanupPendingAt: null,
    lastErrorCode: null,
    lastErrorMessage: null,
    transactionId: randomUUID(),
    createdBy: ctx.userOid,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  const attendees: Omit<MeetingAttendee, 'tenantId'>[] = req.attendees.map((a) => ({
    meetingId: meeting.meetingId,
    email: a.email,
    name: a.name ?? null,
    type: a.type ?? 'required',
    contactId: a.contactId ?? null,
  }));
  const stored: OnlineMeeting = { ...meeting, tenantId: ctx.tenantId };
  try {
    await deps.uow.run(async (tx) => {
      await tx.repos.interactions.insert(ctx.tenantId, interaction);
      await tx.repos.onlineMeetings.insert(ctx.tenantId, meeting);
      for (const a of attendees) await tx.repos.meetingAttendees.insert(ctx.tenantId, a);
      await enqueueRecovery(tx, stored, new Date(now.getTime() + deps.timings.recoveryDelayMs));
      await opts.alongWith?.(tx, stored);
    });
  } catch (err) {
    // A second request with the same reserved id lost the race to insert it: the first one's.
    if (opts.meetingId) return alreadyScheduled(deps, ctx, opts.meetingId, err);
    throw err;
  }
  try {
    const lease = MeetingLease.ofInserted(deps, stored);
    return (await continueCreation(deps, stored, { ...opts, recovering: false, lease })).meeting;
  } catch (err) {
    // Graph's outcome is unknown (aborted, or the database failed transiently): recovery takes over.
    const unknown = err instanceof AbortedError || (err instanceof StorageError && err.transient);
    if (!unknown) throw err;
    const current = await deps.repos.onlineMeetings
      .get(ctx.tenantId, { meetingId: meeting.meetingId })
      .catch(() => null);
    if (current) return current;
    throw new DomainError(
      'unavailable',
      'The meeting is being created; it will appear in a minute.',
      { meetingId: meeting.meetingId },
      { cause: err },
    );
  }
}
