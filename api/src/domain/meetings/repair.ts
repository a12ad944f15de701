import { GraphCallError } from '../ports/graph';
import type { CallOptions, MeetingDeps } from './deps';
import type { PassResult } from './creation';
import { retryable } from './failures';
import { endInteraction, MeetingLease } from './lease';
import type { OnlineMeeting } from './types';

/** States whose calendar event still stands for the meeting. */
const LIVE = new Set(['scheduled', 'in_progress']);

/**
 * A lease was never released (its holder died, or could not tell whether Graph applied its change):
 * the calendar event is made to match the row again — times and attendees as stored. An event that
 * is gone means the meeting is no longer in the calendar: a live meeting becomes cancelled.
 */
export function repairCalendar(
  deps: MeetingDeps,
  m: OnlineMeeting,
  opts: CallOptions,
): Promise<PassResult> {
  return MeetingLease.forRecovery(deps, m, (lease) => repair(deps, lease, opts));
}

async function repair(deps: MeetingDeps, lease: MeetingLease, opts: CallOptions) {
  const m = lease.meeting;
  if (!m.providerEventId || !LIVE.has(m.state))
    return { meeting: await lease.finish(), retryAt: null };
  const attendees = await deps.repos.meetingAttendees.list(m.tenantId, { meetingId: m.meetingId });
  try {
    await deps.graph.updateEvent(
      m.tenantId,
      m.organizerOid,
      m.providerEventId,
      {
        start: m.startAt,
        end: m.endAt,
        attendees: attendees.map((a) => ({ email: a.email, name: a.name, type: a.type })),
      },
      { signal: lease.budget(opts.signal) },
    );
  } catch (err) {
    if (!(err instanceof GraphCallError)) throw err;
    const f = err.failure;
    if (f.reason === 'notFound') {
      const meeting = await lease.finish(
        {
          state: 'cancelled',
          nextCheckAt: null,
          lastErrorCode: 'event_deleted',
          lastErrorMessage: 'The calendar event no longer exists, so the meeting is cancelled.',
        },
        endInteraction(deps.clock.now()),
      );
      return { meeting, retryAt: null };
    }
    // Worth retrying until the meeting is over; after that its calendar times no longer matter.
    if (retryable(f) && deps.clock.now() < m.endAt) {
      await lease.lapse({ enqueue: false });
      const retryAt = f.retryAfterMs ? new Date(deps.clock.now().getTime() + f.retryAfterMs) : null;
      return { meeting: lease.meeting, retryAt };
    }
    const meeting = await lease.finish({
      lastErrorCode: 'calendar_out_of_sync',
      lastErrorMessage: `The calendar event could not be brought back in line with this meeting (${f.code ?? f.reason}).`,
    });
    return { meeting, retryAt: null };
  }
  return { meeting: await lease.finish(), retryAt: null };
}
