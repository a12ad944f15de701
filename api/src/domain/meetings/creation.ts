import { AbortedError } from '../errors';
import { GraphCallError, type CreatedEvent, type GraphFailure } from '../ports/graph';
import { isPermanentStorageError } from '../ports/storage';
import type { CallOptions, MeetingDeps } from './deps';
import { cleanupEvents } from './cleanup';
import { adminFix, creationFailureFor, retryable, type CreationFailure } from './failures';
import {
  endInteraction,
  enqueueCardRefresh,
  enqueueRecovery,
  LeaseLostError,
  MeetingLease,
  type AlongWith,
} from './lease';
import type { OnlineMeeting } from './types';

/** What a pass left: the meeting as stored, and the earliest the next pass should run (if any). */
export interface PassResult {
  meeting: OnlineMeeting;
  retryAt: Date | null;
}

function explain(code: CreationFailure, m: OnlineMeeting, f?: GraphFailure): string {
  const fix = f ? adminFix(f) : null;
  switch (code) {
    case 'organizer_not_teams_enabled':
      return `The organizer account ${m.organizerUpn} cannot create Teams meetings (no Teams licence, or Teams is not allowed for its calendar).`;
    case 'access_policy_missing':
      return `The Teams application access policy does not cover ${m.organizerUpn}; a Teams admin must grant it to this app (Grant-CsApplicationAccessPolicy).`;
    case 'permission_missing':
    case 'consent_missing':
    case 'credentials_invalid':
    case 'tenant_not_found':
      return (
        fix ??
        `Microsoft Graph refused (${f?.code ?? code}); an admin must check the app's consent.`
      );
    case 'organizer_not_found':
      return `The organizer account ${m.organizerUpn} has no mailbox or no longer exists.`;
    case 'creation_timed_out':
      return 'The meeting could not be created in time (Microsoft Teams kept failing until its start, or for a day); its calendar event was removed.';
    case 'storage_error':
      return 'Our database failed while saving the meeting; its calendar event was removed. Schedule it again.';
    case 'graph_error':
      return `Microsoft Graph failed (${f?.code ?? f?.status ?? 'unknown'}, request ${f?.requestId ?? 'n/a'}).`;
  }
}

/** Creation stops trying at the meeting's start, or after the creation deadline if that is sooner. */
export function creationDeadline(deps: MeetingDeps, m: OnlineMeeting): Date {
  const byAge = m.createdAt.getTime() + deps.timings.creationDeadlineMs;
  return new Date(Math.min(byAge, m.startAt.getTime()));
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function createEvent(
  deps: MeetingDeps,
  m: OnlineMeeting,
  signal: AbortSignal,
): Promise<CreatedEvent> {
  const attendees = await deps.repos.meetingAttendees.list(m.tenantId, { meetingId: m.meetingId });
  const link = deps.interactionLink(m.tenantId, m.interactionId);
  return deps.graph.createEvent(
    m.tenantId,
    {
      organizerOid: m.organizerOid,
      subject: m.subject,
      bodyHtml: `<p>Interaction: <a href="${escapeHtml(link)}">${escapeHtml(m.subject)}</a></p>`,
      start: m.startAt,
      end: m.endAt,
      attendees: attendees.map((a) => ({ email: a.email, name: a.name, type: a.type })),
      transactionId: m.transactionId,
    },
    { signal },
  );
}

/** Looks the new meeting up by its join URL, briefly retrying while Graph catches up. */
async function resolve(deps: MeetingDeps, m: OnlineMeeting, joinUrl: string, signal: AbortSignal) {
  for (let attempt = 1; ; attempt++) {
    const ref = await deps.graph.findOnlineMeetingByJoinUrl(m.tenantId, m.organizerOid, joinUrl, {
      signal,
    });
    if (ref || attempt >= deps.timings.resolveAttempts) return ref;
    await deps.sleep(deps.timings.resolveDelayMs * attempt, signal);
  }
}

/** Stays in `creating`, noting why, and gives the lease up; the recovery job carries on later. */
async function pending(
  deps: MeetingDeps,
  lease: MeetingLease,
  failure: GraphFailure | null,
): Promise<PassResult> {
  const code = failure
    ? failure.reason === 'throttled'
      ? 'graph_throttled'
      : 'graph_unavailable'
    : 'meeting_not_resolved';
  const wait = failure?.retryAfterMs;
  const retryAt = wait ? new Date(deps.clock.now().getTime() + wait) : null;
  const meeting = await lease.finish({
    lastErrorCode: code,
    lastErrorMessage: failure ? failure.message.slice(0, 1000) : null,
    // When Graph said how long to wait, nobody calls it again sooner.
    creationRetryAt: retryAt,
  });
  return { meeting, retryAt };
}

/**
 * Gives creation up: first claims the row (failed, or cancelled when a person cancelled it, with
 * the event cleanup pending), so no other pass can still commit it; only then removes the
 * calendar event(s). A removal left half done is finished by the recovery job.
 */
export async function abandonCreation(
  deps: MeetingDeps,
  lease: MeetingLease,
  why: { code: CreationFailure; failure?: GraphFailure } | 'cancelled',
  signal: AbortSignal,
): Promise<PassResult> {
  const now = deps.clock.now();
  const m = lease.meeting;
  const outcome =
    why === 'cancelled'
      ? { state: 'cancelled' as const, lastErrorCode: null, lastErrorMessage: null }
      : {
          state: 'failed' as const,
          lastErrorCode: why.code,
          lastErrorMessage: explain(why.code, m, why.failure),
        };
  await lease.save(
    { ...outcome, cleanupPendingAt: now, creationRetryAt: null },
    endInteraction(now),
  );
  return cleanupEvents(deps, lease, signal);
}

/**
 * Graph failed during creation. Never give up on a transient failure (the event may exist, and
 * only an answer tells its id): stay in `creating`. A refusal for good abandons creation.
 */
function graphSetback(
  deps: MeetingDeps,
  lease: MeetingLease,
  err: unknown,
  signal: AbortSignal,
): Promise<PassResult> {
  if (!(err instanceof GraphCallError)) throw err;
  if (retryable(err.failure)) return pending(deps, lease, err.failure);
  const code = creationFailureFor(err.failure);
  return abandonCreation(deps, lease, { code, failure: err.failure }, signal);
}

interface PassState {
  /** The event Graph answered this pass with, once it did. */
  event: string | null;
}

async function createPass(
  deps: MeetingDeps,
  lease: MeetingLease,
  opts: CallOptions & { recovering: boolean },
  state: PassState,
): Promise<PassResult> {
  const m = lease.meeting;
  if (m.state !== 'creating') return { meeting: await lease.finish(), retryAt: null };
  const now = deps.clock.now();
  const signal = lease.budget(opts.signal);
  // The deadline first: a Retry-After reaching past the start must not keep the meeting waiting.
  if (now >= creationDeadline(deps, m)) {
    return abandonCreation(deps, lease, { code: 'creation_timed_out' }, signal);
  }
  if (m.creationRetryAt && m.creationRetryAt > now) {
    return { meeting: await lease.finish(), retryAt: m.creationRetryAt };
  }

  let event: CreatedEvent;
  try {
    event = await createEvent(deps, m, signal);
  } catch (err) {
    return graphSetback(deps, lease, err, signal);
  }
  state.event = event.eventId;
  // Remember the event at once, so whatever happens next it can be found and removed.
  const earlier = m.providerEventId;
  if (event.eventId !== earlier) {
    await lease.save({ providerEventId: event.eventId, joinUrl: event.joinUrl });
    // Graph made a second event for our transactionId: the row no longer points at the first.
    // A failure here is swept up with the other duplicates when this pass commits.
    if (earlier) {
      await deps.graph
        .deleteEvent(m.tenantId, m.organizerOid, earlier, { signal })
        .catch((err: unknown) => {
          if (!(err instanceof GraphCallError)) throw err;
        });
    }
  }
  if (!event.joinUrl) {
    return abandonCreation(deps, lease, { code: 'organizer_not_teams_enabled' }, signal);
  }

  let ref;
  try {
    ref = await resolve(deps, lease.meeting, event.joinUrl, signal);
  } catch (err) {
    return graphSetback(deps, lease, err, signal);
  }
  if (!ref) return pending(deps, lease, null);
  // A pass that took over (or saw Graph make a second event) may not know every event it left:
  // it commits with a cleanup pending and sweeps them away at once, still holding the lease.
  const sweep = opts.recovering || earlier !== null;
  const outcome = {
    state: 'scheduled' as const,
    providerMeetingId: ref.meetingId,
    chatThreadId: ref.chatThreadId,
    lastErrorCode: null,
    lastErrorMessage: null,
    creationRetryAt: null,
  };
  const refresh: AlongWith = (tx, saved) => enqueueCardRefresh(tx, saved).then(() => undefined);
  if (!sweep) return { meeting: await lease.finish(outcome, refresh), retryAt: null };
  await lease.save({ ...outcome, cleanupPendingAt: deps.clock.now() }, refresh);
  return cleanupEvents(deps, lease, signal);
}

/**
 * A pass that lost its lease may hold an event the row does not point at. Once the meeting is past
 * `creating` nobody can commit that event any more, so the pass removes it; while the meeting is
 * still being created the new holder may be handed the same event, so it is left to them.
 */
async function dropOrphan(
  deps: MeetingDeps,
  now: OnlineMeeting,
  eventId: string | null,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (!eventId || now.state === 'creating' || now.providerEventId === eventId) return;
  try {
    await deps.graph.deleteEvent(now.tenantId, now.organizerOid, eventId, { signal });
  } catch (err) {
    if (!(err instanceof GraphCallError) && !(err instanceof AbortedError)) throw err;
    // Not removed: ask recovery to sweep the meeting's events (found by its transactionId).
    await requestCleanup(deps, now);
  }
}

/** Marks a meeting's leftover events for removal by recovery; a write that needs no lease. */
async function requestCleanup(deps: MeetingDeps, meeting: OnlineMeeting): Promise<void> {
  let m = meeting;
  for (let i = 0; i < 5 && !m.cleanupPendingAt; i++) {
    const now = deps.clock.now();
    const done = await deps.uow.run(async (tx) => {
      const ok = await tx.repos.onlineMeetings.updateIfVersion(m.tenantId, m.meetingId, m.version, {
        cleanupPendingAt: now,
        updatedAt: now,
      });
      if (ok) await enqueueRecovery(tx, m, now);
      return ok;
    });
    if (done) return;
    const fresh = await deps.repos.onlineMeetings.get(m.tenantId, { meetingId: m.meetingId });
    if (!fresh) return;
    m = fresh;
  }
}

/**
 * Takes a meeting in `creating` as far as it can, holding its lease: event (idempotent by
 * transactionId), meeting lookup, commit. Permanent failures claim the row and then remove the
 * event; transient ones leave it in `creating` for the recovery job. Used inline and by recovery.
 * A pass that cannot know what Graph did (aborted, storage down) lets its lease lapse and rethrows;
 * recovery takes over from what is stored.
 */
export async function continueCreation(
  deps: MeetingDeps,
  meeting: OnlineMeeting,
  opts: CallOptions & { recovering: boolean; lease?: MeetingLease },
): Promise<PassResult> {
  // Recovery needs no extra job for a lapse: its own job runs again if this process dies.
  const taken =
    opts.lease ?? (await MeetingLease.acquire(deps, meeting, { takeover: !opts.recovering }));
  if (!(taken instanceof MeetingLease)) return { meeting, retryAt: taken.busyUntil };
  const lease = taken;
  const state: PassState = { event: null };
  try {
    return await createPass(deps, lease, opts, state);
  } catch (err) {
    if (err instanceof LeaseLostError) {
      await dropOrphan(deps, err.meeting, state.event, opts.signal);
      return { meeting: err.meeting, retryAt: null };
    }
    if (isPermanentStorageError(err) && lease.meeting.state === 'creating') {
      // The row cannot take the outcome: give up rather than leave an event nobody owns.
      await abandonCreation(
        deps,
        lease,
        { code: 'storage_error' },
        lease.budget(opts.signal),
      ).catch(() => lease.lapse({ enqueue: !opts.recovering }).catch(() => undefined));
      throw err;
    }
    await lease.lapse({ enqueue: !opts.recovering }).catch(() => undefined);
    throw err;
  }
}
