import { type Card, expand } from './render';
import {
  cancelConfirmTemplate,
  meetingListTemplate,
  meetingTemplate,
  noticeTemplate,
  rescheduleTemplate,
} from './templates/meeting';
import { MAX, shown } from './text';
import type { MeetingCardState, MeetingListView, MeetingView, RescheduleView, Tone } from './views';

/** Teams ignores refresh user ids beyond 60. */
export const REFRESH_USERS_MAX = 60;
export const LIST_ROWS_SHOWN = 20;
/** Twenty rows must fit one card, so list rows are clipped harder than the meeting card. */
const ROW = { subject: 80, code: 12, when: 50, stateLine: 50 } as const;

const BEFORE_START: readonly MeetingCardState[] = ['creating', 'scheduled', 'cancelled'];
const FINAL: readonly MeetingCardState[] = ['completed', 'no_artifacts', 'failed'];

function artifact(ready: boolean, state: MeetingCardState): string {
  if (ready) return 'Ready (open the interaction)';
  return FINAL.includes(state) ? 'None' : 'Not yet';
}

function meetingData(v: MeetingView) {
  return {
    meetingId: v.meetingId,
    version: v.version,
    code: shown(v.code, MAX.word),
    subject: shown(v.subject),
    when: shown(v.when, MAX.when),
    contact: shown(v.contact, MAX.name),
    hasContact: Boolean(v.contact),
    client: shown(v.client),
    hasClient: Boolean(v.client),
    stateLine: shown(v.stateLine, MAX.sentence),
    stateTone: v.stateTone,
    showArtifacts: !BEFORE_START.includes(v.state) || v.transcriptReady || v.recordingReady,
    transcript: artifact(v.transcriptReady, v.state),
    recording: artifact(v.recordingReady, v.state),
    joinUrl: v.joinUrl ?? '',
    hasJoin: v.joinUrl !== null && v.joinUrl !== '',
    interactionUrl: v.interactionUrl,
    canReschedule: v.canReschedule,
    canCancel: v.canCancel,
    refreshUserIds: v.refreshUserIds.slice(0, REFRESH_USERS_MAX),
    updatedNote: shown(v.updatedNote, MAX.word),
    hasUpdatedNote: Boolean(v.updatedNote),
    error: shown(v.error, MAX.sentence),
    hasError: Boolean(v.error),
  };
}

/** The living meeting card: state, facts, and the actions the meeting allows; auto-refreshes. */
export function meetingCard(v: MeetingView): Card {
  return expand(meetingTemplate, meetingData(v));
}

/** The meeting's facts with date, time and duration inputs: Move / Back. */
export function rescheduleCard(v: RescheduleView): Card {
  return expand(rescheduleTemplate, {
    ...meetingData(v),
    date: v.date,
    time: v.time,
    durationMinutes: v.durationMinutes,
  });
}

/** Asks before cancelling, since attendees are notified: Cancel meeting / Keep it. */
export function cancelConfirmCard(v: MeetingView): Card {
  return expand(cancelConfirmTemplate, meetingData(v));
}

/** A numbered list, so the user can refer to a meeting by number ("cancel 2"). */
export function meetingListCard(v: MeetingListView): Card {
  const rows = v.rows.slice(0, LIST_ROWS_SHOWN).map((r) => ({
    n: r.n,
    subject: shown(r.subject, ROW.subject),
    detail: [
      shown(r.code, ROW.code),
      shown(r.when, ROW.when),
      shown(r.stateLine, ROW.stateLine),
    ].join(' · '),
  }));
  return expand(meetingListTemplate, {
    title: shown(v.title, MAX.name),
    rows,
    empty: shown(v.empty, MAX.sentence),
    isEmpty: rows.length === 0,
    hasRows: rows.length > 0,
    firstN: rows[0]?.n ?? 1,
  });
}

/** A one-line card, e.g. replacing a discarded preview with "Discarded.". */
export function noticeCard(text: string, tone: Tone = 'default'): Card {
  return expand(noticeTemplate, { text: shown(text, MAX.sentence), tone });
}
