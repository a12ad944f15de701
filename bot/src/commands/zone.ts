/** Wall-clock date and time in some zone; month is 1–12. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall time as if it were UTC, in ms; setUTCFullYear keeps years below 100 literal. */
export function wallAsUtc(w: WallTime): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, 0, 0);
  return d.getTime();
}

function fromUtcFields(ms: number): WallTime {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  };
}

/** The zone's UTC offset in ms at an instant (DST included). */
export function offsetAt(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const d = new Date(0);
  d.setUTCFullYear(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1);
  d.setUTCHours(parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0, 0);
  return d.getTime() - (instant - (((instant % 1000) + 1000) % 1000));
}

/** The wall time a zone (IANA name) or a fixed offset in minutes shows at an instant. */
export function wallAt(instant: number, zone: string | number): WallTime {
  const offset = typeof zone === 'number' ? zone * MINUTE : offsetAt(instant, zone);
  return fromUtcFields(instant + offset);
}

/**
 * The instant a wall time names in a zone: in a fall-back overlap the earlier one, in a
 * spring-forward gap the time moved forward by the gap.
 */
export function zonedToUtc(w: WallTime, timeZone: string): number {
  const local = wallAsUtc(w);
  // Offsets a day either side bracket any transition near this wall time.
  const before = offsetAt(local - DAY, timeZone);
  const after = offsetAt(local + DAY, timeZone);
  const fits = [local - before, local - after].filter((t) => offsetAt(t, timeZone) === local - t);
  if (fits.length > 0) return Math.min(...fits);
  return local - before;
}

/** The same wall clock `days` calendar days later. */
export function addDays(w: WallTime, days: number): WallTime {
  return fromUtcFields(wallAsUtc(w) + days * DAY);
}

/** Whether the calendar date of `a` is before that of `b`. */
export function dateBefore(a: WallTime, b: WallTime): boolean {
  const key = (w: WallTime): number => w.year * 10_000 + w.month * 100 + w.day;
  return key(a) < key(b);
}
