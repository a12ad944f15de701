import { DEFAULT_DURATION_MINUTES, lastIndexOfWord, splitDuration } from './duration';
import { durationError, example, fail, timeError } from './messages';
import { findWhen, resolveStart } from './time';
import type { Command, ParseError, ParseOptions } from './types';
import { MAX_WHO, MAX_WHO_LENGTH, parseWhoList, type WhoList } from './who';

export const MAX_SUBJECT_LENGTH = 255;

const OPEN_QUOTE = /^["“„‟]/;
const CLOSE_QUOTE = /["“”„‟]/;
const LEADING_WITH = /^ ?with /i;

interface Subject {
  /** The subject inside quotes, or null when it is unquoted. */
  quoted: string | null;
  /** The text after the quoted subject, or the whole body. */
  after: string;
}

/** A subject in double or smart quotes may contain " with "; the rest follows the closing quote. */
function readQuotedSubject(body: string): Subject | 'unclosed' {
  if (!OPEN_QUOTE.test(body)) return { quoted: null, after: body };
  const close = body.slice(1).search(CLOSE_QUOTE);
  if (close < 0) return 'unclosed';
  return { quoted: body.slice(1, close + 1).trim(), after: body.slice(close + 2) };
}

/** The subject and where the who-list starts; null when no ` with ` comes before the time. */
function splitSubject(
  subject: Subject,
  text: string,
  timeAt: number,
): { subject: string; whoFrom: number } | null {
  if (subject.quoted !== null) {
    const lead = LEADING_WITH.exec(text);
    return lead ? { subject: subject.quoted, whoFrom: lead[0].length } : null;
  }
  // The last " with " before the time: the subject may itself contain "with".
  const at = lastIndexOfWord(text.slice(0, timeAt), 'with');
  return at < 0 ? null : { subject: text.slice(0, at).trim(), whoFrom: at + 'with '.length };
}

/** `schedule <subject> with <who>[, <who>…] <when> [for <duration>]` */
export function parseSchedule(body: string, options: ParseOptions): Command | ParseError {
  const eg = example('schedule');
  if (body === '') return fail('missing_subject', `Tell me what the meeting is about, e.g. ${eg}.`);
  const subject = readQuotedSubject(body);
  if (subject === 'unclosed') {
    return fail('missing_subject', `Close the quotes around the subject, e.g. ${eg}.`);
  }
  const { rest, duration, durationText } = splitDuration(subject.after);
  const found = findWhen(rest, options);
  const timeAt = found.ok ? found.when.index : rest.length;
  const split = splitSubject(subject, rest, timeAt);
  if (split?.subject === '') {
    return fail('missing_subject', `Tell me what the meeting is about, e.g. ${eg}.`);
  }
  if (!split) return fail('missing_who', `Say who the meeting is with, e.g. ${eg}.`);
  if (split.subject.length > MAX_SUBJECT_LENGTH) {
    const limit = `The subject can be at most ${MAX_SUBJECT_LENGTH} characters`;
    return fail('too_long', `${limit}; try a shorter one, e.g. ${eg}.`);
  }
  const who = parseWhoList(rest.slice(split.whoFrom, Math.max(split.whoFrom, timeAt)));
  if (!who.ok) return whoError(who.reason, eg);
  if (duration && !duration.ok) return durationError(duration.reason, 'schedule', durationText);
  if (!found.ok) return timeError(found.code, 'schedule', { leftover: found.leftover });
  const start = resolveStart(found.when, options);
  if (!start.ok) return timeError(start.code, 'schedule', { ...start, timeZone: options.timeZone });
  const minutes = duration?.ok ? duration.minutes : DEFAULT_DURATION_MINUTES;
  return {
    kind: 'schedule',
    subject: split.subject,
    who: who.who,
    start: start.start,
    end: new Date(start.start.getTime() + minutes * 60_000),
    durationMinutes: minutes,
    timeZone: options.timeZone,
  };
}

function whoError(reason: (WhoList & { ok: false })['reason'], eg: string): ParseError {
  switch (reason) {
    case 'empty':
      return fail('missing_who', `Say who the meeting is with, e.g. ${eg}.`);
    case 'too_many':
      return fail(
        'too_long',
        `I can invite at most ${MAX_WHO} people or clients at once, e.g. ${eg}.`,
      );
    case 'too_long':
      return fail(
        'too_long',
        `A name or email can be at most ${MAX_WHO_LENGTH} characters, e.g. ${eg}.`,
      );
    case 'dangling_date':
      return fail('bad_time', `Give the date with its month, e.g. ${eg}.`);
  }
}
