import { MAX_DURATION_MINUTES } from './duration';
import { EXAMPLES } from './specs';
import { formatInZone } from './time';
import type { ParseError, ParseErrorCode } from './types';

const MAX_ECHO = 60;

/** The command a message's example should show. */
export type Topic = 'schedule' | 'reschedule';

/** A user-facing parse error. */
export function fail(code: ParseErrorCode, message: string): ParseError {
  return { kind: 'error', code, message };
}

/** Quotes a piece of the user's input, cut to 60 code points so a reply never repeats a paste. */
export function echo(text: string): string {
  const points = Array.from(text.trim());
  if (points.length <= MAX_ECHO) return `"${points.join('')}"`;
  return `"${points.slice(0, MAX_ECHO - 1).join('')}…"`;
}

/** An example command, shown as code in Teams. */
export function example(topic: Topic | keyof typeof EXAMPLES): string {
  return `\`${EXAMPLES[topic]}\``;
}

export function timeError(
  code: 'missing_time' | 'bad_time' | 'past_time',
  topic: Topic,
  detail: { leftover?: string; start?: Date; timeZone?: string } = {},
): ParseError {
  const eg = example(topic);
  const leftover = detail.leftover?.trim() ?? '';
  if (code === 'past_time' && detail.start && detail.timeZone) {
    const when = formatInZone(detail.start, detail.timeZone);
    return fail(code, `That time (${when}) has already passed. Pick a later one, e.g. ${eg}.`);
  }
  if (code === 'bad_time' && /^for\b/i.test(leftover)) {
    return durationError('unreadable', topic, leftover.slice(3));
  }
  if (code === 'bad_time' && leftover !== '') {
    return fail(
      code,
      `I couldn't read the time: put it last, nothing after it (${echo(leftover)}), e.g. ${eg}.`,
    );
  }
  if (code === 'bad_time') return fail(code, `I couldn't read that date or time. Try e.g. ${eg}.`);
  return fail(
    'missing_time',
    `Tell me when, with a day and a time (a date alone isn't enough), e.g. ${eg}.`,
  );
}

export function durationError(
  reason: 'unreadable' | 'too_short' | 'too_long',
  topic: Topic,
  text: string,
): ParseError {
  const eg = example(topic);
  switch (reason) {
    case 'unreadable':
      return fail(
        'bad_duration',
        `I couldn't read the length ${echo(text)}: try for 45 min, for 1h30 or for half an hour, e.g. ${eg}.`,
      );
    case 'too_short':
      return fail('bad_duration', `A meeting has to last at least a minute, e.g. ${eg}.`);
    case 'too_long':
      return fail(
        'bad_duration',
        `A meeting can last at most ${MAX_DURATION_MINUTES / 60} hours, e.g. ${eg}.`,
      );
  }
}
