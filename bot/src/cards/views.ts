/** View models the bot fills from domain results; every string is shown as given (after `shown`). */

export interface DraftView {
  draftId: string;
  subject: string;
  /** Already formatted in `timeZone`. */
  when: string;
  /** E.g. "45 minutes". */
  duration: string;
  attendees: { name: string | null; email: string }[];
  client: string | null;
  timeZone: string;
  /** E.g. "Times are shown in Europe/London." or a warning. */
  notice?: string;
}

export interface DraftEditView extends DraftView {
  /** YYYY-MM-DD, local to `timeZone`. */
  date: string;
  /** HH:mm, local to `timeZone`. */
  time: string;
  durationMinutes: number;
  error?: string;
}

export interface ContactChoiceView {
  draftId: string;
  /** Index of the unresolved attendee. */
  who: number;
  query: string;
  /** At most 10 are shown. */
  choices: { contactId: string; name: string; email: string; client: string | null }[];
}

export interface CreateContactView {
  draftId: string;
  who: number;
  email: string;
  /** The company the domain matches, or the one that will be created. */
  client: string;
  clientIsNew: boolean;
}

export type MeetingCardState =
  | 'creating'
  | 'scheduled'
  | 'in_progress'
  | 'ended'
  | 'capturing'
  | 'completed'
  | 'no_artifacts'
  | 'cancelled'
  | 'failed';

export type Tone = 'default' | 'good' | 'warning' | 'attention';

export interface MeetingView {
  meetingId: string;
  version: number;
  /** 6 characters, e.g. 3F9A2C. */
  code: string;
  subject: string;
  when: string;
  contact: string | null;
  client: string | null;
  state: MeetingCardState;
  /** Words, e.g. "Ended — looking for the recording and transcript". */
  stateLine: string;
  stateTone: Tone;
  /** "Join" is shown only when set. */
  joinUrl: string | null;
  /** Teams deep link behind "Open interaction". */
  interactionUrl: string;
  transcriptReady: boolean;
  recordingReady: boolean;
  canReschedule: boolean;
  canCancel: boolean;
  /** Teams user MRIs that auto-refresh the card; Teams takes at most 60. */
  refreshUserIds: string[];
  /** E.g. "Updated 15:02". */
  updatedNote?: string;
  /** One line shown in attention colour, e.g. after a refused action. */
  error?: string;
}

export interface RescheduleView extends MeetingView {
  date: string;
  time: string;
  durationMinutes: number;
}

export interface MeetingListView {
  title: string;
  /** At most 20 are shown. */
  rows: { n: number; code: string; subject: string; when: string; stateLine: string }[];
  empty: string;
}
