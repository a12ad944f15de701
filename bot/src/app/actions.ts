import { z } from 'zod';
import { DomainError } from '../../../api/src/domain/errors';
import {
  answerWho,
  createFromDraft,
  discardDraft,
  editDraft,
  loadDraft,
  updateDraft,
} from '../../../api/src/domain/meetings/drafts';
import type { TenantContext } from '../../../api/src/domain/tenants/context';
import { draftEditCard, noticeCard, VERBS, type Card } from '../cards';
import { draftEditView, fromLocalFields } from '../views';
import { requireMeetings, sentenceFor, timeZoneOf } from './context';
import type { BotDeps, Turn } from './deps';
import { draftCard } from './messages';
import { meetingAction } from './meeting-actions';
import { INVOKE_BUDGET_MS, withinBudget } from './budget';

const id = z.string().min(1).max(64);
const draftData = z.object({ draftId: id });
const whoData = draftData.extend({ who: z.coerce.number().int().min(0).max(50) });
const updateData = draftData.extend({
  subject: z.string().max(1000),
  date: z.string().max(40),
  time: z.string().max(40),
  durationMinutes: z.coerce.number().int().min(5).max(1440),
});
export const meetingData = z.object({ meetingId: id, v: z.coerce.number().int().min(0) });

export interface ActionInput {
  verb: string;
  data: unknown;
  trigger: 'manual' | 'automatic';
}

/** The card that replaces the one clicked (for the person who clicked). */
export type ActionAnswer = Card;

const GONE = 'This card is out of date; send the command again.';

async function draftAction(
  deps: BotDeps,
  turn: Turn,
  ctx: TenantContext,
  input: ActionInput,
  zone: string,
): Promise<ActionAnswer> {
  const meetings = requireMeetings(deps);
  const { draftId } = draftData.parse(input.data);
  switch (input.verb) {
    case VERBS.draftEdit:
      return draftEditCard(draftEditView(await editDraft(meetings, ctx, draftId), zone));
    case VERBS.draftDiscard:
      await discardDraft(meetings, ctx, draftId);
      return noticeCard('Discarded.', 'default');
    case VERBS.draftChooseContact: {
      const d = whoData.extend({ contactId: id }).parse(input.data);
      return draftCard(deps, await answerWho(meetings, ctx, draftId, d.who, d), zone);
    }
    case VERBS.draftCreateContact: {
      const d = whoData.parse(input.data);
      const state = await answerWho(meetings, ctx, draftId, d.who, { createContact: true });
      return draftCard(deps, state, zone);
    }
    case VERBS.draftUpdate:
      return update(deps, ctx, input, zone);
    case VERBS.draftCreate:
      return create(deps, turn, ctx, draftId);
  }
  return noticeCard(GONE, 'warning');
}

async function update(deps: BotDeps, ctx: TenantContext, input: ActionInput, zone: string) {
  const meetings = requireMeetings(deps);
  const d = updateData.parse(input.data);
  const start = fromLocalFields(d.date, d.time, zone);
  try {
    if (!start) throw new DomainError('invalid_input', 'Give a date and a time.');
    const end = new Date(start.getTime() + d.durationMinutes * 60_000);
    return await draftCard(
      deps,
      await updateDraft(meetings, ctx, d.draftId, { subject: d.subject, start, end }),
      zone,
    );
  } catch (err) {
    if (!(err instanceof DomainError) || err.code !== 'invalid_input') throw err;
    const state = await loadDraft(meetings, ctx, d.draftId);
    return draftEditCard(draftEditView(state, zone, sentenceFor(err)));
  }
}

/**
 * Create: answers within Teams' few seconds. If Graph is slow the answer shows the meeting being
 * created, and the card refresh its creation queues updates the card when it is done.
 */
async function create(deps: BotDeps, turn: Turn, ctx: TenantContext, draftId: string) {
  const meetings = requireMeetings(deps);
  if (!turn.replyToId) throw new DomainError('invalid_input', GONE);
  const card = {
    conversationId: turn.conversationId,
    activityId: turn.replyToId,
    serviceUrl: turn.serviceUrl,
  };
  // After the answer, the recovery job owns an unfinished creation.
  const first = await withinBudget(
    createFromDraft(meetings, ctx, draftId, card),
    INVOKE_BUDGET_MS,
    deps.log,
    'create from draft',
  );
  const draft = await deps.repos.meetingDrafts.get(ctx.tenantId, { draftId });
  const meetingId = first && first !== 'late' ? first.meetingId : draft?.meetingId;
  if (!meetingId) return noticeCard(GONE, 'warning');
  return meetingAction(deps, turn, ctx, {
    verb: VERBS.meetingRefresh,
    data: { meetingId, v: 0 },
    trigger: 'automatic',
  });
}

/** The draft's own card with the problem on it, so Edit and Discard stay within reach. */
async function draftWithProblem(
  deps: BotDeps,
  ctx: TenantContext,
  input: ActionInput,
  zone: string,
  problem: string,
): Promise<Card | null> {
  const parsed = draftData.safeParse(input.data);
  if (!parsed.success || !input.verb.startsWith('draft.') || !deps.meetings) return null;
  try {
    const state = await loadDraft(deps.meetings, ctx, parsed.data.draftId);
    return state.draft.state === 'open' ? await draftCard(deps, state, zone, problem) : null;
  } catch {
    return null;
  }
}

/** One card button press: the fresh card for whoever pressed it, or the current card and why not. */
export async function onAction(
  deps: BotDeps,
  turn: Turn,
  ctx: TenantContext,
  input: ActionInput,
): Promise<ActionAnswer> {
  const zone = await timeZoneOf(deps, turn);
  try {
    if (input.verb.startsWith('draft.')) return await draftAction(deps, turn, ctx, input, zone);
    if (input.verb.startsWith('meeting.')) return await meetingAction(deps, turn, ctx, input);
    return noticeCard(GONE, 'warning');
  } catch (err) {
    if (err instanceof z.ZodError) return noticeCard(GONE, 'warning');
    if (!(err instanceof DomainError)) throw err;
    // The meeting's own card, with the reason, when the button was on a meeting card.
    const meeting = meetingData.safeParse(input.data);
    if (meeting.success && input.verb.startsWith('meeting.')) {
      return meetingAction(deps, turn, ctx, {
        verb: VERBS.meetingRefresh,
        data: meeting.data,
        trigger: 'automatic',
        error: sentenceFor(err),
      });
    }
    return (
      (await draftWithProblem(deps, ctx, input, zone, sentenceFor(err))) ??
      noticeCard(sentenceFor(err), 'attention')
    );
  }
}
