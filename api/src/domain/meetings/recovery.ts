import { GraphCallError } from '../ports/graph';
import type { MeetingDeps } from './deps';
import { continueCreation } from './creation';

/** What the recovery job does next. */
export type RecoveryOutcome = { done: true } | { done: false; runAgainAt: Date };

const MAX_RECHECK_MS = 15 * 60_000;

/**
 * The recovery job: finishes a meeting left in `creating` (after a crash, a timeout or throttling)
 * or compensates it; asks to run again while it is still in progress.
 */
export async function recoverMeeting(
  deps: MeetingDeps,
  tenantId: string,
  meetingId: string,
  attempt: number,
): Promise<RecoveryOutcome> {
  let retryAfterMs: number | null = null;
  try {
    const meeting = await continueCreation(deps, tenantId, meetingId);
    if (meeting.state !== 'creating') return { done: true };
  } catch (err) {
    if (!(err instanceof GraphCallError)) throw err;
    retryAfterMs = err.failure.retryAfterMs;
  }
  const backoff = Math.min(MAX_RECHECK_MS, 30_000 * 2 ** Math.min(attempt, 5));
  return {
    done: false,
    runAgainAt: new Date(deps.clock.now().getTime() + (retryAfterMs ?? backoff)),
  };
}
