import type { MeetingSnapshot } from '../../api/src/domain/meetings/cards';
import type { DraftState, WhoQuestion } from '../../api/src/domain/meetings/drafts';
import type { OnlineMeeting } from '../../api/src/domain/meetings/types';
import { meetingCode } from '../../api/src/domain/meetings/lookup';
import type {
  ContactChoiceView,
  CreateContactView,
  DraftEditView,
  DraftView,
  MeetingView,
  Tone,
} from './cards';
import { wallAt, zonedToUtc } from './commands/zone';

const pad = (n: number) => String(n).padStart(2, '0');

/** "Thu 3 Dec 2026, 15:00–15:45 (Europe/London)": the reader's zone, said out loud. */
export function formatWhen(start: Date, end: Date, timeZone: string): string {
  const day = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
  }).format(start);
  const time = (d: Date) => {
    const w = wallAt(d.getTime(), timeZone);
    return `${pad(w.hour)}:${pad(w.minute)}`;
  };
  const sameDay = wallAt(start.getTime(), timeZone).day === wallAt(end.getTime(), timeZone).day;
  const endText = sameDay ? time(end) : `${formatWhenDay(end, timeZone)} ${time(end)}`;
  return `${day}, ${time(start)}–${endText} (${timeZone})`;
}

function formatWhenDay(d: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short' }).format(d);
}

export function formatDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const parts = [h ? `${h} hour${h === 1 ? '' : 's'}` : '', m ? `${m} minutes` : ''];
  return parts.filter(Boolean).join(' ') || '0 minutes';
}

/** Date and time fields for the edit forms, local to the zone. */
export function localFields(d: Date, timeZone: string): { date: string; time: string } {
  const w = wallAt(d.getTime(), timeZone);
  return {
    date: `${w.year}-${pad(w.month)}-${pad(w.day)}`,
    time: `${pad(w.hour)}:${pad(w.minute)}`,
  };
}

/** The instant a form's date (YYYY-MM-DD) and time (HH:mm) name in a zone, or null. */
export function fromLocalFields(date: unknown, time: unknown, timeZone: string): Date | null {
  const d = typeof date === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null;
  const t = typeof time === 'string' ? /^(\d{2}):(\d{2})(?::\d{2})?$/.exec(time) : null;
  if (!d || !t) return null;
  const [year, month, day, hour, minute] = [d[1], d[2], d[3], t[1], t[2]].map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null;
  // 30 February is not a day: the calendar must give the same date back.
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return null;
  return new Date(zonedToUtc({ year, month, day, hour, minute }, timeZone));
}

const minutesOf = (start: Date, end: Date) => Math.round((end.getTime() - start.getTime()) / 60000);

export function draftView(state: DraftState, timeZone: string): DraftView {
  const p = state.payload;
  const start = new Date(p.startAt);
  const end = new Date(p.endAt);
  return {
    draftId: state.draft.draftId,
    subject: p.subject,
    when: formatWhen(start, end, timeZone),
    duration: formatDuration(minutesOf(start, end)),
    attendees: p.attendees
      .filter((a) => a.email)
      .map((a) => ({ name: a.name, email: a.email ?? '' })),
    client: null,
    timeZone,
  };
}

export function draftEditView(state: DraftState, timeZone: string, error?: string): DraftEditView {
  const start = new Date(state.payload.startAt);
  const end = new Date(state.payload.endAt);
  return {
    ...draftView(state, timeZone),
    ...localFields(start, timeZone),
    durationMinutes: minutesOf(start, end),
    ...(error ? { error } : {}),
  };
}

export function questionView(
  draftId: string,
  q: Exclude<WhoQuestion, { kind: 'resolved' } | { kind: 'unknown' }>,
): { choose: ContactChoiceView } | { create: CreateContactView } {
  if (q.kind === 'choose') {
    return { choose: { draftId, who: q.who, query: q.query, choices: q.choices } };
  }
  return {
    create: { draftId, who: q.who, email: q.email, client: q.client, clientIsNew: q.clientIsNew },
  };
}

const STATE_LINES: Record<OnlineMeeting['state'], { line: string; tone: Tone }> = {
  creating: { line: 'Being created in Teams…', tone: 'default' },
  scheduled: { line: 'Scheduled', tone: 'good' },
  in_progress: { line: 'In progress', tone: 'good' },
  ended: { line: 'Ended — looking for the recording and transcript', tone: 'default' },
  capturing: { line: 'Ended — collecting the recording and transcript', tone: 'default' },
  completed: { line: 'Transcript and recording ready', tone: 'good' },
  no_artifacts: { line: 'Ended — nothing was recorded or transcribed', tone: 'warning' },
  cancelled: { line: 'Cancelled', tone: 'warning' },
  failed: { line: 'Failed', tone: 'attention' },
};

/** Why a meeting failed or has nothing to show, in words (never a raw error code). */
const REASONS: Record<string, string> = {
  organizer_not_teams_enabled: 'the organizer account cannot host Teams meetings',
  access_policy_missing: 'an admin must allow the app to read meetings (application access policy)',
  permission_missing: 'an admin must grant the app its calendar permission',
  organizer_not_found: 'the organizer account no longer exists',
  creation_timed_out: 'Teams did not create it in time',
  storage_error: 'it could not be saved',
  consent_missing: 'an admin must grant the app its permissions (admin consent)',
  credentials_invalid: "an admin must renew the app's credentials",
  tenant_not_found: 'the organization is not connected to the app',
  graph_error: 'Microsoft Teams refused it; try again, or ask an admin to check the app',
};

function stateLine(s: MeetingSnapshot): { line: string; tone: Tone } {
  const m = s.meeting;
  const base = STATE_LINES[m.state];
  if (m.state === 'completed' || m.state === 'capturing') {
    const ready = [s.transcriptReady && 'transcript', s.recordingReady && 'recording'].filter(
      Boolean,
    );
    if (ready.length > 0) {
      const what = ready.join(' and ');
      return { line: `${what[0].toUpperCase()}${what.slice(1)} ready`, tone: 'good' };
    }
  }
  if ((m.state === 'failed' || m.state === 'no_artifacts') && m.lastErrorCode) {
    // Only our own words: a stored message may carry Graph codes and request ids.
    const why = REASONS[m.lastErrorCode];
    if (why) return { line: `${base.line}: ${why}`, tone: base.tone };
  }
  return base;
}

const ENDED: OnlineMeeting['state'][] = ['ended', 'capturing', 'completed', 'no_artifacts'];

export interface MeetingViewOptions {
  timeZone: string;
  interactionUrl: string;
  refreshUserIds: string[];
  error?: string;
}

/** The living card's view of a meeting, for one reader's zone. */
export function meetingView(s: MeetingSnapshot, o: MeetingViewOptions): MeetingView {
  const m = s.meeting;
  const { line, tone } = stateLine(s);
  const contact = s.contactName ?? s.attendees[0]?.name ?? s.attendees[0]?.email ?? null;
  return {
    meetingId: m.meetingId,
    version: m.version,
    code: meetingCode(m.meetingId),
    subject: m.subject,
    when: formatWhen(m.startAt, m.endAt, o.timeZone),
    contact,
    client: s.clientName,
    state: m.state,
    stateLine: line,
    stateTone: tone,
    joinUrl:
      m.joinUrl && !ENDED.includes(m.state) && m.state !== 'cancelled' && m.state !== 'failed'
        ? m.joinUrl
        : null,
    interactionUrl: o.interactionUrl,
    transcriptReady: s.transcriptReady,
    recordingReady: s.recordingReady,
    canReschedule: m.state === 'scheduled',
    canCancel: m.state === 'scheduled' || m.state === 'in_progress',
    refreshUserIds: o.refreshUserIds,
    ...(o.error ? { error: o.error } : {}),
  };
}
