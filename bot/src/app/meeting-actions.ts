import { z } from 'zod';
import { DomainError } from '../../../api/src/domain/errors';
import { requestRefresh } from '../../../api/src/domain/meetings/cards';
import { mayView } from '../../../api/src/domain/meetings/lookup';
import { cancelMeeting, rescheduleMeeting } from '../../../api/src/domain/meetings/manage';
import type { TenantContext } from '../../../api/src/domain/tenants/context';
import { cancelConfirmCard, noticeCard, rescheduleCard, VERBS, type Card } from '../cards';
import { fromLocalFields, localFields, meetingView } from '../views';
import { requireMeetings, sentenceFor, timeZoneOf } from './context';
import type { BotDeps, Turn } from './deps';
import { viewersOf } from './installation';
import { livingCard, snapshotOf } from './living-card';
import { INVOKE_BUDGET_MS, STILL_WORKING, withinBudget } from './budget';

const id = z.string().min(1).max(64);
const data = z.object({ meetingId: id, v: z.coerce.number().int().min(0) });
const moveData = data.extend({
  date: z.string().max(40),
  time: z.string().max(40),
  durationMinutes: z.coerce.number().int().min(5).max(1440),
});

export interface MeetingActionInput {
  verb: string;
  data: unknown;
  trigger: 'manual' | 'automatic';
  /** Shown on the card returned (a refused action says why). */
  error?: string;
}

const STALE = 'The meeting changed since this card was shown; here it is as it is now.';

/**
 * A button on a meeting's card. The meeting is looked up in the clicker's own tenant (another
 * tenant's id is simply not there); a change made from an out-of-date card is refused with the
 * current card; the answer is the card as it is now, in the clicker's zone.
 */
export async function meetingAction(
  deps: BotDeps,
  turn: Turn,
  ctx: TenantContext,
  input: MeetingActionInput,
): Promise<Card> {
  const d = data.parse(input.data);
  const zone = await timeZoneOf(deps, turn);
  const viewers = await viewersOf(deps, ctx.tenantId, turn.conversationId);
  const render = async (error?: string, note?: string) => {
    const s = await snapshotOf(deps, ctx.tenantId, d.meetingId);
    if (!s || !(await mayView(deps, ctx, turn.conversationId, s.meeting)))
      return noticeCard('This meeting is not available.', 'warning');
    return livingCard(deps, s, { timeZone: zone, viewers, ...(error ? { error } : {}), note });
  };
  const snapshot = await snapshotOf(deps, ctx.tenantId, d.meetingId);
  // Another tenant's meeting, or one this person neither made nor sees here: not available.
  if (!snapshot || !(await mayView(deps, ctx, turn.conversationId, snapshot.meeting))) {
    return noticeCard('This meeting is not available.', 'warning');
  }
  const m = snapshot.meeting;
  // Cards carry the version they showed; a change pressed on an older card is refused.
  const stale = d.v !== m.version;
  const view = () =>
    meetingView(snapshot, {
      timeZone: zone,
      interactionUrl: deps.interactionLink(m.interactionId),
      refreshUserIds: viewers,
    });
  switch (input.verb) {
    case VERBS.meetingRefresh:
      if (input.trigger === 'manual') await requestRefresh(deps, ctx, m.meetingId);
      return render(input.error);
    case VERBS.meetingReschedule:
      if (m.state !== 'scheduled') return render(`Only a scheduled meeting can be moved.`);
      return rescheduleCard({
        ...view(),
        ...localFields(m.startAt, zone),
        durationMinutes: Math.round((m.endAt.getTime() - m.startAt.getTime()) / 60_000),
      });
    case VERBS.meetingCancel:
      if (!['scheduled', 'in_progress'].includes(m.state)) {
        return render('This meeting can no longer be cancelled.');
      }
      return cancelConfirmCard(view());
    case VERBS.meetingCancelConfirm:
      if (stale) return render(STALE);
      return (await withinBudget(
        cancelMeeting(requireMeetings(deps), ctx, m.meetingId),
        INVOKE_BUDGET_MS,
        deps.log,
        'cancel from card',
      )) === 'late'
        ? render(undefined, STILL_WORKING)
        : render();
    case VERBS.meetingRescheduleSubmit: {
      if (stale) return render(STALE);
      const move = moveData.parse(input.data);
      const start = fromLocalFields(move.date, move.time, zone);
      try {
        if (!start) throw new DomainError('invalid_input', 'Give a date and a time.');
        const end = new Date(start.getTime() + move.durationMinutes * 60_000);
        const moved = await withinBudget(
          rescheduleMeeting(requireMeetings(deps), ctx, m.meetingId, {
            start,
            end,
            timeZone: zone,
          }),
          INVOKE_BUDGET_MS,
          deps.log,
          'move from card',
        );
        return moved === 'late' ? render(undefined, STILL_WORKING) : render();
      } catch (err) {
        if (!(err instanceof DomainError) || err.code !== 'invalid_input') throw err;
        return rescheduleCard({
          ...view(),
          error: sentenceFor(err),
          date: move.date,
          time: move.time,
          durationMinutes: move.durationMinutes,
        });
      }
    }
  }
  return render('That button is no longer supported.');
}
