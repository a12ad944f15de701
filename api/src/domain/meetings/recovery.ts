import { GraphCallError } from '../ports/graph';
import type { MeetingDeps } from './deps';
import { continueCreation } from './creation';

/** What the recovery job does next. */
export type RecoveryOutcome = { done: true } | { done: false; runAgainAt: Date };

const MIN_RECHECK_MS = 30_000;
const MAX_RECHECK_MS = 15 * 60_000;

/**
 * The recovery job: finishes a meeting left in `creating` (after a crash, a timeout or throttling)
 * or compensates it; asks to run again while it is still in progress, less often as it ages.
 */
export async function recoverMeeting(
  deps: MeetingDeps,
  tenantId: string,
  meetingId: string,
): Promise<RecoveryOutcome> {
  let retryAfterMs: number | null = null;
  let createdAt: Date | null = null;
  try {
    const meeting = await continueCreation(deps, tenantId, meetingId);
    if (meeting.state !== 'creating') return { done: true };
    createdAt = meeting.createdAt;
    if (meeting.nextCheckAt)
      retryAfterMs = meeting.nextCheckAt.getTime() - deps.clock.now().getTime();
  } catch (err) {
    if (!(err instanceof GraphCallError)) throw err;
    retryAfterMs = err.failure.retryAfterMs;
  }
  const now = deps.clock.now().getTime();
  const age = createdAt ? now - createdAt.getTime() : 0;
  const backoff = Math.min(MAX_RECHECK_MS, Math.max(MIN_RECHECK_MS, age / 4));
  return { done: false, runAgainAt: new Date(now + Math.max(backoff, retryAfterMs ?? 0)) };
}
