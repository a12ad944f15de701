import { splitDuration } from './duration';
import { durationError, echo, example, fail, timeError } from './messages';
import { parseMeetingRef, takeMeetingToken } from './meeting-ref';
import { findWhen, resolveStart } from './time';
import type { Command, MeetingRef, ParseError, ParseOptions } from './types';

/** Words that may stand between the meeting and its new time ("move 2 to friday 3pm"). */
const LEAD_IN = /^(?:to|at|on)?$/i;

/** Reads the `<meeting>` that starts a command's arguments. */
function readMeeting(
  body: string,
  verb: 'reschedule' | 'cancel' | 'refresh',
): { meeting: MeetingRef; rest: string } | ParseError {
  const eg = example(verb);
  const hint = 'the code on its card or its number in your `meetings` list';
  if (body === '') return fail('missing_meeting', `Tell me which meeting (${hint}), e.g. ${eg}.`);
  const { token, rest } = takeMeetingToken(body);
  const meeting = parseMeetingRef(token);
  if (!meeting) {
    return fail('bad_meeting', `I don't know the meeting ${echo(token)}: use ${hint}, e.g. ${eg}.`);
  }
  return { meeting, rest };
}

/** `cancel <meeting>` and `refresh <meeting>`: the reference and nothing else. */
export function parseMeetingCommand(
  kind: 'cancel' | 'refresh',
  body: string,
): Command | ParseError {
  const read = readMeeting(body, kind);
  if ('kind' in read) return read;
  if (read.rest !== '') {
    const eg = example(kind);
    return fail('bad_meeting', `Name just one meeting by its code or number, e.g. ${eg}.`);
  }
  return { kind, meeting: read.meeting };
}

/** `reschedule <meeting> <when> [for <duration>]` (also `move`). */
export function parseReschedule(body: string, options: ParseOptions): Command | ParseError {
  const read = readMeeting(body, 'reschedule');
  if ('kind' in read) return read;
  const { rest, duration, durationText } = splitDuration(read.rest);
  if (duration && !duration.ok) return durationError(duration.reason, 'reschedule', durationText);
  const found = findWhen(rest, options);
  if (!found.ok) return timeError(found.code, 'reschedule', { leftover: found.leftover });
  if (!LEAD_IN.test(rest.slice(0, found.when.index).trim())) {
    return timeError('bad_time', 'reschedule');
  }
  const start = resolveStart(found.when, options);
  if (!start.ok) {
    return timeError(start.code, 'reschedule', { ...start, timeZone: options.timeZone });
  }
  const minutes = duration?.ok ? duration.minutes : null;
  return {
    kind: 'reschedule',
    meeting: read.meeting,
    start: start.start,
    end: minutes === null ? null : new Date(start.start.getTime() + minutes * 60_000),
    durationMinutes: minutes,
    timeZone: options.timeZone,
  };
}
