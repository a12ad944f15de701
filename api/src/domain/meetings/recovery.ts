import type { CallOptions, MeetingDeps } from './deps';
import { cleanupEvents } from './cleanup';
import { continueCreation, creationDeadline, type PassResult } from './creation';
import { repairCalendar } from './repair';
import { leaseAbandoned, leaseHeldUntil, MeetingLease } from './lease';
import type { OnlineMeeting } from './types';

/** What the recovery job does next. */
export type RecoveryOutcome = { done: true } | { done: false; runAgainAt: Date };

const MIN_RECHECK_MS = 30_000;
const MAX_RECHECK_MS = 15 * 60_000;
const AFTER_LEASE_MS = 1000;

/** Whether a meeting's Graph side is still unfinished. */
function unfinished(m: OnlineMeeting, now: Date): boolean {
  return m.state === 'creating' || m.cleanupPendingAt !== null || leaseAbandoned(m, now);
}

function resumeCleanup(
  deps: MeetingDeps,
  m: OnlineMeeting,
  opts: CallOptions,
): Promise<PassResult> {
  return MeetingLease.forRecovery(deps, m, async (lease) => {
    if (!lease.meeting.cleanupPendingAt) return { meeting: await lease.finish(), retryAt: null };
    return cleanupEvents(deps, lease, lease.budget(opts.signal));
  });
}

/**
 * The recovery job: finishes whatever a meeting's Graph side left undone — a meeting still in
 * `creating` (after a crash, a timeout or throttling; given up at its start time), an event
 * removal left half done, or a lease nobody released (the calendar is made to match the row).
 * Asks to run again while work remains, less often as the meeting ages, never sooner than Graph
 * asked or than a live lease ends.
 */
export async function recoverMeeting(
  deps: MeetingDeps,
  tenantId: string,
  meetingId: string,
  opts: CallOptions = {},
): Promise<RecoveryOutcome> {
  const m = await deps.repos.onlineMeetings.get(tenantId, { meetingId });
  if (!m) return { done: true };
  const now = deps.clock.now();
  const held = leaseHeldUntil(m, now);
  if (held) return { done: false, runAgainAt: new Date(held.getTime() + AFTER_LEASE_MS) };
  // Graph asked us to wait: nothing to do before then (unless creation must be given up).
  if (m.state === 'creating' && m.creationRetryAt && m.creationRetryAt > now) {
    const deadline = creationDeadline(deps, m);
    if (now < deadline) {
      const at = Math.min(m.creationRetryAt.getTime(), deadline.getTime());
      return { done: false, runAgainAt: new Date(at) };
    }
  }
  let result: PassResult;
  if (m.state === 'creating')
    result = await continueCreation(deps, m, { ...opts, recovering: true });
  else if (m.cleanupPendingAt) result = await resumeCleanup(deps, m, opts);
  else if (leaseAbandoned(m, now)) result = await repairCalendar(deps, m, opts);
  else return { done: true };

  const after = deps.clock.now();
  if (!unfinished(result.meeting, after) && !leaseHeldUntil(result.meeting, after))
    return { done: true };
  const age = after.getTime() - result.meeting.createdAt.getTime();
  const backoff = Math.min(MAX_RECHECK_MS, Math.max(MIN_RECHECK_MS, age / 4));
  const notBefore = Math.max(
    result.retryAt?.getTime() ?? 0,
    (leaseHeldUntil(result.meeting, after)?.getTime() ?? 0) + AFTER_LEASE_MS,
  );
  let wanted = after.getTime() + backoff;
  // Be there when creation must be given up, not a backoff later.
  if (result.meeting.state === 'creating')
    wanted = Math.min(wanted, creationDeadline(deps, result.meeting).getTime());
  return { done: false, runAgainAt: new Date(Math.max(wanted, notBefore)) };
}
