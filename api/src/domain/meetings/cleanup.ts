import { GraphCallError } from '../ports/graph';
import type { MeetingDeps } from './deps';
import { retryable } from './failures';
import type { PassResult } from './creation';
import { enqueueCardRefresh, type MeetingLease } from './lease';

/** After this long, a cleanup that keeps failing stops and says the event may remain. */
const CLEANUP_DEADLINE_MS = 24 * 3600_000;
const WINDOW_SLACK_MS = 60_000;

/**
 * Removes a meeting's calendar events that must not exist, as the lease holder: for a failed or
 * cancelled meeting every one of them (the one on the row and any other in its time window
 * carrying its transactionId: a pass that died before recording its event leaves one only a search
 * can find); for a live meeting every one but the event on the row (duplicates). Transient failures
 * leave the cleanup pending for the recovery job; a refusal that will not change ends it, saying so.
 */
export async function cleanupEvents(
  deps: MeetingDeps,
  lease: MeetingLease,
  signal: AbortSignal,
): Promise<PassResult> {
  const m = lease.meeting;
  const gone = m.state === 'failed' || m.state === 'cancelled';
  const keep = gone ? null : m.providerEventId;
  try {
    const ids = new Set(gone && m.providerEventId ? [m.providerEventId] : []);
    const window = {
      start: new Date(m.startAt.getTime() - WINDOW_SLACK_MS),
      end: new Date(m.endAt.getTime() + WINDOW_SLACK_MS),
    };
    const found = await deps.graph.findEventsByTransactionId(
      m.tenantId,
      m.organizerOid,
      m.transactionId,
      window,
      { signal },
    );
    for (const id of found) if (id !== keep) ids.add(id);
    for (const id of ids) await deps.graph.deleteEvent(m.tenantId, m.organizerOid, id, { signal });
  } catch (err) {
    if (!(err instanceof GraphCallError)) throw err;
    const f = err.failure;
    const since = m.cleanupPendingAt?.getTime() ?? deps.clock.now().getTime();
    const overdue = deps.clock.now().getTime() - since > CLEANUP_DEADLINE_MS;
    if (retryable(f) && !overdue) {
      const meeting = await lease.finish();
      const retryAt = f.retryAfterMs ? new Date(deps.clock.now().getTime() + f.retryAfterMs) : null;
      return { meeting, retryAt };
    }
    const what = gone ? 'Its calendar event' : 'A duplicate calendar event of this meeting';
    const note = ` ${what} could not be removed (${f.code ?? f.reason}): delete it in ${m.organizerUpn}'s calendar.`;
    const meeting = await lease.finish(
      {
        cleanupPendingAt: null,
        ...(gone ? {} : { lastErrorCode: 'duplicate_event_left' }),
        lastErrorMessage: `${m.lastErrorMessage ?? ''}${note}`.trim().slice(0, 1000),
      },
      (tx, saved) => enqueueCardRefresh(tx, saved).then(() => undefined),
    );
    return { meeting, retryAt: null };
  }
  return { meeting: await lease.finish({ cleanupPendingAt: null }), retryAt: null };
}
