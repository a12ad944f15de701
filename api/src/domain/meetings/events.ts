import type { Clock } from '../ports/clock';
import type { Repositories } from '../ports/repositories';
import type { Transaction, UnitOfWork } from '../ports/unit-of-work';
import { enqueueCardRefresh } from './lease';
import type { MeetingState, OnlineMeeting } from './types';

export interface MeetingEventDeps {
  repos: Repositories;
  uow: UnitOfWork;
  clock: Clock;
}

/** What Teams told us about a meeting taking place: which meeting, and when it really started or ended. */
export interface MeetingHappening {
  /** The meeting's chat thread (`19:meeting_…@thread.v2`), decoded from the Teams meeting id. */
  chatThreadId: string | null;
  joinUrl: string | null;
  at: Date;
}

export type MeetingEventOutcome =
  | { outcome: 'moved'; meeting: OnlineMeeting }
  | { outcome: 'unchanged'; meeting: OnlineMeeting }
  | { outcome: 'unknown' };

const MAX_CAS_RETRIES = 5;
/**
 * Teams sends these when the first person joins and the last one leaves, also for a sound check
 * the day before: only events from an hour before the start to 12 hours after the end count.
 */
export const EVENT_WINDOW = { earlyMs: 60 * 60_000, lateMs: 12 * 3600_000 } as const;

function nearSchedule(m: OnlineMeeting, at: Date): boolean {
  const t = at.getTime();
  return (
    t >= m.startAt.getTime() - EVENT_WINDOW.earlyMs && t <= m.endAt.getTime() + EVENT_WINDOW.lateMs
  );
}

/** Where each event may move a meeting from; anything else (cancelled, already ended) stays. */
const MOVES: Record<'started' | 'ended', { from: MeetingState[]; to: MeetingState }> = {
  started: { from: ['scheduled'], to: 'in_progress' },
  ended: { from: ['scheduled', 'in_progress'], to: 'ended' },
};

async function findMeeting(
  repos: Repositories,
  tenantId: string,
  e: MeetingHappening,
): Promise<OnlineMeeting | null> {
  if (e.chatThreadId) {
    const [byThread] = await repos.onlineMeetings.list(tenantId, { chatThreadId: e.chatThreadId });
    if (byThread) return byThread;
  }
  if (e.joinUrl) {
    const [byUrl] = await repos.onlineMeetings.list(tenantId, { joinUrl: e.joinUrl });
    if (byUrl) return byUrl;
  }
  return null;
}

/** A meeting that ended: its capture is looked for now, and its interaction took place. */
async function alongWithEnd(tx: Transaction, m: OnlineMeeting, at: Date): Promise<void> {
  await tx.repos.interactions.update(
    m.tenantId,
    { interactionId: m.interactionId },
    { status: 'completed', updatedAt: at },
  );
  await tx.jobs.enqueue({
    kind: 'meeting.capture',
    tenantId: m.tenantId,
    payload: { meetingId: m.meetingId },
    dedupeKey: m.meetingId,
  });
}

/**
 * Moves a meeting to `in_progress` or `ended` when Teams says it started or ended (the bot's
 * meeting events); a meeting that is not ours, already further along, or far from its scheduled
 * time (someone trying the link the day before) is left as it is.
 * Duplicate and out-of-order events change nothing. The card refresh (and, at the end, the
 * capture check) are written in the same unit of work as the state.
 */
export async function recordMeetingEvent(
  deps: MeetingEventDeps,
  tenantId: string,
  kind: 'started' | 'ended',
  e: MeetingHappening,
): Promise<MeetingEventOutcome> {
  const move = MOVES[kind];
  for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
    const m = await findMeeting(deps.repos, tenantId, e);
    if (!m) return { outcome: 'unknown' };
    if (!move.from.includes(m.state) || !nearSchedule(m, e.at)) {
      return { outcome: 'unchanged', meeting: m };
    }
    const now = deps.clock.now();
    const saved: OnlineMeeting = { ...m, state: move.to, version: m.version + 1, updatedAt: now };
    const moved = await deps.uow.run(async (tx) => {
      const ok = await tx.repos.onlineMeetings.updateIfVersion(tenantId, m.meetingId, m.version, {
        state: move.to,
        updatedAt: now,
      });
      if (!ok) return false;
      await enqueueCardRefresh(tx, saved);
      if (kind === 'ended') await alongWithEnd(tx, saved, now);
      return true;
    });
    if (moved) return { outcome: 'moved', meeting: saved };
  }
  const m = await findMeeting(deps.repos, tenantId, e);
  return m ? { outcome: 'unchanged', meeting: m } : { outcome: 'unknown' };
}
