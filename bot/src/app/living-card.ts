import { meetingSnapshot, type MeetingSnapshot } from '../../../api/src/domain/meetings/cards';
import { meetingCard, type Card } from '../cards';
import { meetingView } from '../views';
import type { BotDeps } from './deps';

export interface LivingCardOptions {
  /** The reader's zone; the base copy everyone sees uses the meeting's own zone. */
  timeZone?: string;
  /** Teams users whose clients refresh the card (their own view, in their zone). */
  viewers: string[];
  error?: string;
  /** A line such as "Still working on it…". */
  note?: string;
}

/** The living card of a meeting as it is now. */
export function livingCard(deps: BotDeps, s: MeetingSnapshot, o: LivingCardOptions): Card {
  return withNote(
    meetingView(s, {
      timeZone: o.timeZone ?? s.meeting.timeZone,
      interactionUrl: deps.interactionLink(s.meeting.interactionId),
      refreshUserIds: o.viewers,
      ...(o.error ? { error: o.error } : {}),
    }),
    o.note,
  );
}

/** Loads the snapshot; null when the meeting is not this tenant's. */
export function snapshotOf(deps: BotDeps, tenantId: string, meetingId: string) {
  return meetingSnapshot(deps.repos, tenantId, meetingId);
}

function withNote(view: ReturnType<typeof meetingView>, note: string | undefined): Card {
  return meetingCard(note ? { ...view, updatedNote: note } : view);
}
