import { DomainError } from '../errors';
import type { AttendeeType } from './types';

export const LIMITS = {
  subjectMax: 255,
  notesMax: 4000,
  attendeesMax: 500,
  emailMax: 320,
  durationMaxMs: 24 * 3600_000,
  /** A start this far in the past is still accepted (clock skew, slow typing). */
  pastSkewMs: 5 * 60_000,
} as const;

export interface AttendeeRequest {
  email: string;
  name?: string | null;
  type?: AttendeeType;
  contactId?: string | null;
}

export interface MeetingTimes {
  start: Date;
  end: Date;
  /** IANA zone the organizing user reads times in. */
  timeZone: string;
}

export interface ScheduleRequest extends MeetingTimes {
  subject: string;
  attendees: AttendeeRequest[];
  notes?: string | null;
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

export function isValidEmail(email: string): boolean {
  return email.length <= LIMITS.emailMax && EMAIL.test(email);
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0 && zone.length <= 64;
  } catch {
    return false;
  }
}

type Problems = Record<string, string>;

function checkTimes(t: MeetingTimes, now: Date, problems: Problems): void {
  const validDate = (d: Date) => d instanceof Date && !Number.isNaN(d.getTime());
  if (!validDate(t.start)) problems.start = 'start is not a valid date and time';
  if (!validDate(t.end)) problems.end = 'end is not a valid date and time';
  if (!isValidTimeZone(t.timeZone))
    problems.timeZone = `"${t.timeZone}" is not a time zone (use e.g. Europe/London)`;
  if (problems.start || problems.end) return;
  if (t.start.getTime() < now.getTime() - LIMITS.pastSkewMs)
    problems.start = 'start is in the past';
  if (t.end.getTime() <= t.start.getTime()) problems.end = 'end must be after start';
  else if (t.end.getTime() - t.start.getTime() > LIMITS.durationMaxMs) {
    problems.end = 'a meeting can last at most 24 hours';
  }
}

function fail(what: string, problems: Problems): never {
  const first = Object.values(problems)[0];
  throw new DomainError('invalid_input', `The meeting can't be ${what}: ${first}.`, {
    fields: problems,
  });
}

/** New times for a meeting (reschedule): the same rules as at scheduling. */
export function validateTimes(t: MeetingTimes, now: Date): void {
  const problems: Problems = {};
  checkTimes(t, now, problems);
  if (Object.keys(problems).length > 0) fail('moved', problems);
}

/** Checks a schedule request; returns it normalised (trimmed, lower-case unique emails). */
export function validateScheduleRequest(req: ScheduleRequest, now: Date): ScheduleRequest {
  const problems: Problems = {};
  const subject = (req.subject ?? '').trim();
  if (subject.length === 0) problems.subject = 'the subject is empty';
  else if (subject.length > LIMITS.subjectMax)
    problems.subject = `the subject is longer than ${LIMITS.subjectMax} characters`;
  checkTimes(req, now, problems);
  const notes = req.notes?.trim() || null;
  if (notes && notes.length > LIMITS.notesMax)
    problems.notes = `the notes are longer than ${LIMITS.notesMax} characters`;
  const attendees = req.attendees ?? [];
  if (attendees.length === 0) problems.attendees = 'nobody is invited';
  else if (attendees.length > LIMITS.attendeesMax)
    problems.attendees = `at most ${LIMITS.attendeesMax} people can be invited`;
  const seen = new Map<string, AttendeeRequest>();
  attendees.slice(0, LIMITS.attendeesMax + 1).forEach((a, i) => {
    const email = (a.email ?? '').trim().toLowerCase();
    if (!isValidEmail(email))
      problems[`attendees[${i}].email`] = `"${a.email}" is not a valid email address`;
    else if (!seen.has(email)) seen.set(email, { ...a, email, type: a.type ?? 'required' });
  });
  if (Object.keys(problems).length > 0) fail('scheduled', problems);
  return { ...req, subject, notes, attendees: [...seen.values()] };
}
