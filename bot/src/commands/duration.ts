import { trimEndOf } from './text';

export const DEFAULT_DURATION_MINUTES = 30;
export const MAX_DURATION_MINUTES = 24 * 60;

const HOURS = String.raw`(?:h|hr|hrs|hour|hours)`;
const MINUTES = String.raw`(?:m|min|mins|minute|minutes)`;
const NUMBER = String.raw`(\d{1,5}(?:[.,]\d{1,3})?)`;

const FORMS: readonly [RegExp, (m: RegExpExecArray) => number][] = [
  [/^(?:half an? hour|half hour|an? half hour)$/, () => 30],
  [/^(?:a )?quarter (?:of an )?hour$/, () => 15],
  [/^(?:an?|one) hour and a half$/, () => 90],
  [/^(?:an?|one) hour$/, () => 60],
  [
    new RegExp(String.raw`^${NUMBER} ?${HOURS}(?: ?(?:and )?(\d{1,3}) ?${MINUTES}?)?$`),
    (m) => toNumber(m[1]) * 60 + Number(m[2] ?? 0),
  ],
  [new RegExp(String.raw`^${NUMBER} ?${MINUTES}$`), (m) => toNumber(m[1])],
  [/^(\d{1,2}):([0-5]\d)$/, (m) => Number(m[1]) * 60 + Number(m[2])],
];

/** A number + up to two words: a length the user meant but we could not read ("2 weeks"). */
const LOOKS_LIKE_DURATION = /^\d+(?:[.,]\d+)?\s*[a-z]*(?:\s+[a-z]+)?$/i;

function toNumber(text: string | undefined): number {
  return Number((text ?? '0').replace(',', '.'));
}

export type DurationResult =
  { ok: true; minutes: number } | { ok: false; reason: 'unreadable' | 'too_short' | 'too_long' };

/** Reads a meeting length such as `45 min`, `1.5 hours`, `1h30`, `90m` or `half an hour`. */
export function parseDuration(text: string): DurationResult | null {
  const t = trimEndOf(text.trim().toLowerCase(), '.!? ');
  for (const [pattern, minutesOf] of FORMS) {
    const m = pattern.exec(t);
    if (!m) continue;
    const minutes = Math.round(minutesOf(m));
    if (!(minutes > 0)) return { ok: false, reason: 'too_short' };
    if (minutes > MAX_DURATION_MINUTES) return { ok: false, reason: 'too_long' };
    return { ok: true, minutes };
  }
  return LOOKS_LIKE_DURATION.test(t) ? { ok: false, reason: 'unreadable' } : null;
}

export interface DurationSplit {
  /** The text before ` for <duration>`, or all of it. */
  rest: string;
  duration: DurationResult | null;
  /** The duration as typed, for error messages. */
  durationText: string;
}

/** Splits a trailing ` for <duration>` off; a ` for ` followed by anything else stays in the text. */
export function splitDuration(text: string): DurationSplit {
  const at = lastIndexOfWord(text, 'for');
  if (at < 0) return { rest: text, duration: null, durationText: '' };
  const durationText = text.slice(at + 4);
  const duration = parseDuration(durationText);
  if (!duration) return { rest: text, duration: null, durationText: '' };
  return { rest: text.slice(0, at), duration, durationText };
}

/** Index of the last ` word ` (or `word ` at the start) in space-normalised text, case-insensitive. */
export function lastIndexOfWord(text: string, word: string): number {
  const pattern = new RegExp(String.raw`(?:^| )${word}(?= )`, 'gi');
  let last = -1;
  for (const m of text.matchAll(pattern)) last = m.index + m[0].length - word.length;
  return last;
}
