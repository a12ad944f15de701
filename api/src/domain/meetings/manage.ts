import { DomainError } from '../errors';
import { GraphCallError, type EventAttendeeInput } from '../ports/graph';
import type { TenantContext } from '../tenants/context';
import { abandonCreation } from './creation';
import type { CallOptions, MeetingDeps } from './deps';
import { graphRefused, retryable } from './failures';
import { endInteraction, enqueueCardRefresh, LeaseLostError, MeetingLease } from './lease';
import type { OnlineMeeting } from './types';
import { isValidEmail, LIMITS, validateTimes, type MeetingTimes } from './validation';
import { ATTENDEE_TYPES } from './types';

async function load(
  deps: MeetingDeps,
  ctx: TenantContext,
  meetingId: string,
): Promise<OnlineMeeting> {
  const m = await deps.repos.onlineMeetings.get(ctx.tenantId, { meetingId });
  // Another tenant's meeting and a missing one are the same answer.
  if (!m) throw new DomainError('not_found', 'There is no such meeting.');
  // Moving or cancelling sends invitations in the organizer's name: only whoever scheduled it.
  if (m.createdBy !== ctx.userOid) {
    throw new DomainError('forbidden', 'Only the person who scheduled this meeting can change it.');
  }
  return m;
}

const BUSY = 'The meeting is being changed right now; try again in a moment.';

/** Takes the meeting's lease for a change a person asked for, or says it is busy. */
async function leaseFor(deps: MeetingDeps, m: OnlineMeeting): Promise<MeetingLease> {
  const lease = await MeetingLease.acquire(deps, m);
  if (!(lease instanceof MeetingLease)) throw new DomainError('conflict', BUSY);
  return lease;
}

/**
 * Graph did not confirm the change (timeout, abort, throttling after the request went out): the
 * lease lapses so recovery makes the calendar match the row, and the person is told to retry.
 */
async function unconfirmed(lease: MeetingLease, err: unknown, what: string): Promise<never> {
  await lease.lapse({ enqueue: true }).catch(() => undefined);
  if (err instanceof GraphCallError) graphRefused(err, what);
  throw err;
}

export interface RescheduleRequest extends MeetingTimes {
  /** Replaces the attendee list when given. */
  attendees?: EventAttendeeInput[];
}

function normalizeAttendees(list: EventAttendeeInput[]): EventAttendeeInput[] {
  if (list.length === 0 || list.length > LIMITS.attendeesMax) {
    throw new DomainError(
      'invalid_input',
      `The meeting can't be moved: invite 1 to ${LIMITS.attendeesMax} people.`,
    );
  }
  const unique = new Map<string, EventAttendeeInput>();
  for (const a of list) {
    const email = a.email.trim().toLowerCase();
    if (!isValidEmail(email)) {
      throw new DomainError(
        'invalid_input',
        `The meeting can't be moved: "${a.email}" is not a valid email address.`,
      );
    }
    const type = a.type ?? 'required';
    if (!ATTENDEE_TYPES.includes(type)) {
      throw new DomainError(
        'invalid_input',
        `The meeting can't be moved: "${type}" is not an attendee type.`,
      );
    }
    if (!unique.has(email)) unique.set(email, { email, name: a.name ?? null, type });
  }
  return [...unique.values()];
}

/**
 * Moves a scheduled meeting. One change at a time: the meeting's lease is taken first (a second
 * reschedule or a cancel meanwhile is refused, so the calendar can never end up with the loser's
 * times), then the event is PATCHed as the organizer stored on the row (never its body, which
 * holds the join link) with the full times and attendees, then the row is committed.
 */
export async function rescheduleMeeting(
  deps: MeetingDeps,
  ctx: TenantContext,
  meetingId: string,
  req: RescheduleRequest,
  opts: CallOptions = {},
): Promise<OnlineMeeting> {
  validateTimes(req, deps.clock.now());
  const attendees = req.attendees ? normalizeAttendees(req.attendees) : undefined;
  const found = await load(deps, ctx, meetingId);
  requireScheduled(found);
  const lease = await leaseFor(deps, found);
  const m = lease.meeting;
  const eventId = m.providerEventId;
  if (m.state !== 'scheduled' || !eventId) {
    await lease.finish();
    throw notScheduled(m);
  }
  const desired =
    attendees ??
    (await deps.repos.meetingAttendees.list(ctx.tenantId, { meetingId })).map((a) => ({
      email: a.email,
      name: a.name,
      type: a.type,
    }));
  try {
    await deps.graph.updateEvent(
      ctx.tenantId,
      m.organizerOid,
      eventId,
      { start: req.start, end: req.end, attendees: desired },
      { signal: lease.budget(opts.signal) },
    );
  } catch (err) {
    if (
      err instanceof GraphCallError &&
      !retryable(err.failure) &&
      err.failure.reason !== 'notFound'
    ) {
      await lease.finish();
      graphRefused(err, 'move the meeting');
    }
    return unconfirmed(lease, err, 'move the meeting');
  }
  const now = deps.clock.now();
  try {
    return await lease.finish(
      { startAt: req.start, endAt: req.end, timeZone: req.timeZone },
      async (tx, saved) => {
        await tx.repos.interactions.update(
          ctx.tenantId,
          { interactionId: saved.interactionId },
          { startAt: req.start, endAt: req.end, updatedAt: now },
        );
        if (attendees) await replaceAttendees(tx.repos, ctx.tenantId, meetingId, attendees);
        await enqueueCardRefresh(tx, saved);
      },
    );
  } catch (err) {
    if (err instanceof LeaseLostError)
      throw new DomainError('conflict', BUSY, undefined, { cause: err });
    // The calendar moved but the row did not: recovery puts the calendar back as stored.
    return unconfirmed(lease, err, 'move the meeting');
  }
}

function notScheduled(m: OnlineMeeting): DomainError {
  return new DomainError(
    'conflict',
    `Only a scheduled meeting can be moved; this one is ${m.state.replace('_', ' ')}.`,
  );
}

function requireScheduled(m: OnlineMeeting): void {
  if (m.state !== 'scheduled' || !m.providerEventId) throw notScheduled(m);
}

async function replaceAttendees(
  repos: MeetingDeps['repos'],
  tenantId: string,
  meetingId: string,
  attendees: EventAttendeeInput[],
) {
  for (const old of await repos.meetingAttendees.list(tenantId, { meetingId })) {
    await repos.meetingAttendees.delete(tenantId, { meetingId, email: old.email });
  }
  for (const a of attendees) {
    await repos.meetingAttendees.insert(tenantId, {
      meetingId,
      email: a.email,
      name: a.name,
      type: a.type,
      contactId: null,
    });
  }
}

/**
 * Cancels a meeting. A scheduled (or running) one: under its lease, the calendar event is deleted
 * as its stored organizer (already gone is fine), then the row says cancelled. One still being
 * created: the row is claimed as cancelled first, then its event is removed wherever it is.
 */
export async function cancelMeeting(
  deps: MeetingDeps,
  ctx: TenantContext,
  meetingId: string,
  opts: CallOptions = {},
): Promise<OnlineMeeting> {
  const found = await load(deps, ctx, meetingId);
  if (found.state === 'cancelled' || found.state === 'failed') return found;
  requireCancellable(found);
  const lease = await MeetingLease.acquire(deps, found);
  if (!(lease instanceof MeetingLease)) {
    throw new DomainError(
      'conflict',
      found.state === 'creating'
        ? 'The meeting is being created right now; cancel it again in a moment.'
        : BUSY,
    );
  }
  const m = lease.meeting;
  if (m.state === 'cancelled' || m.state === 'failed') return lease.finish();
  if (m.state === 'creating') {
    try {
      return (await abandonCreation(deps, lease, 'cancelled', lease.budget(opts.signal))).meeting;
    } catch (err) {
      if (err instanceof LeaseLostError)
        throw new DomainError('conflict', BUSY, undefined, { cause: err });
      await lease.lapse({ enqueue: true }).catch(() => undefined);
      throw err;
    }
  }
  try {
    requireCancellable(m);
  } catch (err) {
    await lease.finish();
    throw err;
  }
  if (m.providerEventId) {
    try {
      await deps.graph.deleteEvent(ctx.tenantId, m.organizerOid, m.providerEventId, {
        signal: lease.budget(opts.signal),
      });
    } catch (err) {
      if (err instanceof GraphCallError && !retryable(err.failure)) {
        await lease.finish();
        graphRefused(err, 'cancel the meeting');
      }
      return unconfirmed(lease, err, 'cancel the meeting');
    }
  }
  return lease.finish({ state: 'cancelled', nextCheckAt: null }, endInteraction(deps.clock.now()));
}

function requireCancellable(m: OnlineMeeting): void {
  if (m.state === 'creating' || m.state === 'scheduled' || m.state === 'in_progress') return;
  // Deleting the event now would send cancellations for a meeting that already took place.
  throw new DomainError(
    'conflict',
    `The meeting has already taken place (${m.state.replace('_', ' ')}); it cannot be cancelled.`,
  );
}
