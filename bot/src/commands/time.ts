import * as chrono from 'chrono-node';
import type { Component, ParsedComponents, ParsedResult } from 'chrono-node';
import { trimEndOf } from './text';
import type { ParseOptions } from './types';
import {
  addDays,
  dateBefore,
  offsetAt,
  wallAsUtc,
  wallAt,
  zonedToUtc,
  type WallTime,
} from './zone';

const MINUTE = 60_000;
/** A start this far in the past still counts as "now". */
const PAST_GRACE = 5 * MINUTE;
/** Only the end of the text goes to chrono: time expressions are short and chrono is slow on 4 KB. */
const WINDOW = 160;
const DATE_PARTS: readonly Component[] = ['year', 'month', 'day', 'weekday'];
/** What may separate a date from its time when chrono reads them as two results ("12 March @ 9am"). */
const DATE_TIME_GAP = /^[\s,]*(?:@|at|on)?[\s,]*$/i;

/** The fields of a time expression: one chrono result, or the date of one and the time of the next. */
interface Fields {
  get(component: Component): number | null;
  isCertain(component: Component): boolean;
}

/** A time expression found at the end of some text. */
export interface When {
  /** Where it starts in the text given to findWhen. */
  index: number;
  text: string;
  fields: Fields;
}

export type FindWhen =
  { ok: true; when: When } | { ok: false; code: 'missing_time' | 'bad_time'; leftover: string };

export type ResolvedStart =
  | { ok: true; start: Date }
  | { ok: false; code: 'missing_time' | 'bad_time' }
  | { ok: false; code: 'past_time'; start: Date };

function runChrono(text: string, options: ParseOptions): ParsedResult[] {
  const timezone = Math.round(offsetAt(options.now.getTime(), options.timeZone) / MINUTE);
  try {
    // forwardDate is done in resolveStart: chrono's compares a zone-shifted date with an instant.
    return chrono.casual.parse(text, { instant: options.now, timezone }, { forwardDate: false });
  } catch {
    return [];
  }
}

function isOnlyTime(f: Fields): boolean {
  return DATE_PARTS.every((c) => !f.isCertain(c));
}

function combine(date: ParsedComponents, time: ParsedComponents): Fields {
  const from = (c: Component): ParsedComponents => (DATE_PARTS.includes(c) ? date : time);
  return { get: (c) => from(c).get(c), isCertain: (c) => from(c).isCertain(c) };
}

/** Finds the time expression that ends the text (the who-list or meeting ends where it begins). */
export function findWhen(text: string, options: ParseOptions): FindWhen {
  const trimmed = trimEndOf(text, ' .!?,;:');
  let from = Math.max(0, trimmed.length - WINDOW);
  if (from > 0) {
    const space = trimmed.indexOf(' ', from);
    from = space < 0 ? trimmed.length : space + 1;
  }
  const window = trimmed.slice(from);
  const results = runChrono(window, options);
  let at = results.length - 1;
  while (at >= 0 && results[at].index + results[at].text.length < window.length) at--;
  if (at < 0) {
    const timed = results.filter((r) => r.start.isCertain('hour'));
    const last = timed[timed.length - 1];
    if (!last) return { ok: false, code: 'missing_time', leftover: '' };
    return { ok: false, code: 'bad_time', leftover: window.slice(last.index + last.text.length) };
  }
  const chosen = results[at];
  const prev = at > 0 ? results[at - 1] : undefined;
  if (prev && isOnlyTime(chosen.start) && !prev.start.isCertain('hour')) {
    const gap = window.slice(prev.index + prev.text.length, chosen.index);
    const dated = prev.start.isCertain('day') || prev.start.isCertain('weekday');
    if (dated && DATE_TIME_GAP.test(gap)) {
      const text = window.slice(prev.index, chosen.index + chosen.text.length);
      const fields = combine(prev.start, chosen.start);
      return { ok: true, when: { index: from + prev.index, text, fields } };
    }
  }
  return {
    ok: true,
    when: { index: from + chosen.index, text: chosen.text, fields: chosen.start },
  };
}

function isValidWall(w: WallTime): boolean {
  if (w.year < 1 || w.year > 9999 || w.hour > 23 || w.minute > 59) return false;
  const back = new Date(wallAsUtc(w));
  return back.getUTCMonth() + 1 === w.month && back.getUTCDate() === w.day;
}

/** The first later year in which this day exists (29 February). */
function nextYear(w: WallTime): WallTime {
  for (let year = w.year + 1; year <= w.year + 8; year++) {
    if (isValidWall({ ...w, year })) return { ...w, year };
  }
  return w;
}

/** The instant a time expression names, read in the user's zone and moved to its next occurrence. */
export function resolveStart(when: When, options: ParseOptions): ResolvedStart {
  const f = when.fields;
  if (!f.isCertain('hour')) return { ok: false, code: 'missing_time' };
  const now = options.now.getTime();
  const zone: string | number = f.isCertain('timezoneOffset')
    ? (f.get('timezoneOffset') ?? 0)
    : options.timeZone;
  const toInstant = (w: WallTime): number =>
    typeof zone === 'number' ? wallAsUtc(w) - zone * MINUTE : zonedToUtc(w, zone);
  const today = wallAt(now, zone);
  let wall: WallTime = {
    year: f.get('year') ?? today.year,
    month: f.get('month') ?? today.month,
    day: f.get('day') ?? today.day,
    hour: f.get('hour') ?? 0,
    minute: f.get('minute') ?? 0,
  };
  if (!isValidWall(wall)) return { ok: false, code: 'bad_time' };
  if (isOnlyTime(f)) {
    wall = { ...today, hour: wall.hour, minute: wall.minute };
    if (toInstant(wall) < now) wall = addDays(wall, 1);
  } else if (f.isCertain('weekday') && !f.isCertain('day') && !f.isCertain('month')) {
    // chrono picks the closest such weekday, which may be behind us; "this"/"last" mean what they say.
    if (toInstant(wall) < now && !/\b(?:this|last|past)\b/i.test(when.text)) {
      wall = addDays(wall, 7);
    }
  } else if (f.isCertain('month') && !f.isCertain('year') && dateBefore(wall, today)) {
    wall = nextYear(wall);
  }
  const start = toInstant(wall);
  if (!Number.isFinite(start)) return { ok: false, code: 'bad_time' };
  if (start < now - PAST_GRACE) return { ok: false, code: 'past_time', start: new Date(start) };
  return { ok: true, start: new Date(start) };
}

/** A start time as the user reads it, e.g. "Fri 27 Mar, 15:00". */
export function formatInZone(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).format(instant);
}
