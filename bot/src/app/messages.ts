import { requestRefresh } from '../../../api/src/domain/meetings/cards';
import { createDraft, type DraftState } from '../../../api/src/domain/meetings/drafts';
import {
  findMeetingByReference,
  listMeetingsForChat,
  meetingCode,
} from '../../../api/src/domain/meetings/lookup';
import { cancelMeeting, rescheduleMeeting } from '../../../api/src/domain/meetings/manage';
import type { TenantContext } from '../../../api/src/domain/tenants/context';
import {
  contactChoiceCard,
  createContactCard,
  meetingListCard,
  previewCard,
  type Card,
} from '../cards';
import { helpText, parseCommand, type Command } from '../commands';
import { shown } from '../cards/text';
import { draftView, formatWhen, questionView } from '../views';
import { requireMeetings, timeZoneOf } from './context';
import type { BotDeps, Turn } from './deps';
import { livingCard, snapshotOf } from './living-card';
import { rememberCard } from '../../../api/src/domain/meetings/cards';

type Of<K extends Command['kind']> = Extract<Command, { kind: K }>;

/** The card a draft shows now: its open question about an attendee, or the preview. */
export async function draftCard(
  deps: BotDeps,
  state: DraftState,
  zone: string,
  notice?: string,
): Promise<Card> {
  if (state.question && state.question.kind !== 'resolved' && state.question.kind !== 'unknown') {
    const q = questionView(state.draft.draftId, state.question);
    return 'choose' in q ? contactChoiceCard(q.choose) : createContactCard(q.create);
  }
  const view = draftView(state, zone);
  const clientId = state.payload.attendees.find((a) => a.clientId)?.clientId;
  const client = clientId ? await deps.repos.clients.get(state.draft.tenantId, { clientId }) : null;
  return previewCard({
    ...view,
    client: client?.companyName ?? null,
    notice: notice ?? `Times are shown in ${zone}.`,
  });
}

async function schedule(deps: BotDeps, turn: Turn, ctx: TenantContext, c: Of<'schedule'>) {
  const meetings = requireMeetings(deps);
  const state = await createDraft(meetings, ctx, turn.conversationId, {
    subject: c.subject,
    start: c.start,
    end: c.end,
    timeZone: c.timeZone,
    who: c.who,
  });
  await turn.sendCard(await draftCard(deps, state, c.timeZone));
}

async function list(deps: BotDeps, turn: Turn, ctx: TenantContext, zone: string) {
  const found = await listMeetingsForChat(deps, ctx, turn.conversationId);
  const rows = found.map((m, i) => ({
    n: i + 1,
    code: meetingCode(m.meetingId),
    subject: m.subject,
    when: formatWhen(m.startAt, m.endAt, zone),
    stateLine: m.state.replace('_', ' '),
  }));
  await turn.sendCard(
    meetingListCard({
      title: 'Upcoming and recent meetings',
      rows,
      empty: 'You have no upcoming or recent meetings. Try "schedule … with … tomorrow 3pm".',
    }),
  );
}

/**
 * Makes sure this conversation has a living card for the meeting: the copy already here is
 * updated by the card refresh the change queued; otherwise a new copy is posted and remembered.
 */
async function cardHere(
  deps: BotDeps,
  turn: Turn,
  ctx: TenantContext,
  meetingId: string,
  viewers: string[],
) {
  const here = await deps.repos.meetingCards.get(ctx.tenantId, {
    meetingId,
    conversationId: turn.conversationId,
  });
  if (here) return;
  const snapshot = await snapshotOf(deps, ctx.tenantId, meetingId);
  if (!snapshot) return;
  const activityId = await turn.sendCard(livingCard(deps, snapshot, { viewers }));
  if (!activityId) return;
  await rememberCard(
    deps.repos,
    {
      tenantId: ctx.tenantId,
      meetingId,
      conversationId: turn.conversationId,
      activityId,
      serviceUrl: turn.serviceUrl,
    },
    deps.clock.now(),
  );
}

async function manage(
  deps: BotDeps,
  turn: Turn,
  ctx: TenantContext,
  c: Of<'reschedule' | 'cancel' | 'refresh'>,
  viewers: string[],
) {
  const m = await findMeetingByReference(deps, ctx, turn.conversationId, c.meeting);
  if (c.kind === 'refresh') {
    await requestRefresh(deps, ctx, m.meetingId);
    await cardHere(deps, turn, ctx, m.meetingId, viewers);
    return turn.say(`Refreshing "${shown(m.subject)}".`);
  }
  const meetings = requireMeetings(deps);
  if (c.kind === 'cancel') {
    const done = await cancelMeeting(meetings, ctx, m.meetingId);
    await cardHere(deps, turn, ctx, done.meetingId, viewers);
    return turn.say(`Cancelled "${shown(done.subject)}"; attendees get a cancellation.`);
  }
  const end = c.end ?? new Date(c.start.getTime() + (m.endAt.getTime() - m.startAt.getTime()));
  const moved = await rescheduleMeeting(meetings, ctx, m.meetingId, {
    start: c.start,
    end,
    timeZone: c.timeZone,
  });
  await cardHere(deps, turn, ctx, moved.meetingId, viewers);
  return turn.say(
    `Moved "${shown(moved.subject)}" to ${formatWhen(moved.startAt, moved.endAt, c.timeZone)}.`,
  );
}

/** One chat message: parsed with the user's zone, then one domain call, answered in chat. */
export async function onCommand(
  deps: BotDeps,
  turn: Turn,
  ctx: TenantContext,
  text: string,
  viewers: string[],
): Promise<void> {
  const zone = await timeZoneOf(deps, turn);
  const command = parseCommand(text, { now: deps.clock.now(), timeZone: zone });
  switch (command.kind) {
    case 'error':
      return turn.say(command.message);
    case 'help':
      return turn.say(helpText());
    case 'schedule':
      return schedule(deps, turn, ctx, command);
    case 'meetings':
      return list(deps, turn, ctx, zone);
    case 'reschedule':
    case 'cancel':
    case 'refresh':
      return manage(deps, turn, ctx, command, viewers);
  }
}

/** Whether a command reaches Graph (limited harder than the rest). */
export function touchesGraph(text: string): boolean {
  return /^[\s/]*(reschedule|move|cancel)\b/i.test(text);
}
