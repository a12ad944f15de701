/**
 * `dateTimeTimeZone` handling as Outlook does it: a wall-clock time without offset plus a zone name
 * (Windows or IANA). Stored as UTC; rendered in UTC or in the zone of `Prefer: outlook.timezone`.
 */

const WINDOWS_ZONES: Record<string, string> = {
  UTC: 'UTC',
  'Coordinated Universal Time': 'UTC',
  'Dateline Standard Time': 'Etc/GMT+12',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Alaskan Standard Time': 'America/Anchorage',
  'Pacific Standard Time': 'America/Los_Angeles',
  'US Mountain Standard Time': 'America/Phoenix',
  'Mountain Standard Time': 'America/Denver',
  'Central Standard Time': 'America/Chicago',
  'Eastern Standard Time': 'America/New_York',
  'Atlantic Standard Time': 'America/Halifax',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Romance Standard Time': 'Europe/Paris',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Central European Standard Time': 'Europe/Warsaw',
  'GTB Standard Time': 'Europe/Bucharest',
  'FLE Standard Time': 'Europe/Kiev',
  'Russian Standard Time': 'Europe/Moscow',
  'Arabian Standard Time': 'Asia/Dubai',
  'India Standard Time': 'Asia/Kolkata',
  'China Standard Time': 'Asia/Shanghai',
  'Singapore Standard Time': 'Asia/Singapore',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'South Africa Standard Time': 'Africa/Johannesburg',
};

/** The IANA zone for a Windows or IANA name, or undefined when Outlook would not accept it. */
export function resolveZone(name: string): string | undefined {
  if (WINDOWS_ZONES[name]) return WINDOWS_ZONES[name];
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(name)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(t: number, zone: string): number[] {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  const get = (type: string) =>
    Number(
      f
        .formatToParts(new Date(t))
        .find((p) => p.type === type)
        ?.value.replace(/^24$/, '0'),
    );
  return [get('year'), get('month'), get('day'), get('hour'), get('minute'), get('second')];
}

/** Offset of `zone` from UTC at instant `t`, in ms. */
function offsetAt(t: number, zone: string): number {
  if (zone === 'UTC') return 0;
  const [y, mo, d, h, mi, s] = parts(t, zone);
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  return wall - (t - (((t % 1000) + 1000) % 1000));
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/;

/** A `dateTime` value (no offset) in `zone` as a UTC instant; undefined when it is not valid. */
export function wallTimeToUtc(dateTime: string, zone: string): Date | undefined {
  const m = WALL.exec(dateTime);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((v) => Number(v ?? 0));
  const ms = Math.floor(Number((m[7] ?? '0').padEnd(7, '0')) / 10_000);
  const guess = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(guess);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    return undefined;
  const first = guess - offsetAt(guess, zone);
  return new Date(guess - offsetAt(first, zone));
}

/** Outlook's rendering: `2025-06-12T09:00:00.0000000` in the given zone. */
export function formatWallTime(d: Date, zone: string): string {
  const shifted = new Date(d.getTime() + offsetAt(d.getTime(), zone));
  const frac = String(shifted.getUTCMilliseconds()).padStart(3, '0') + '0000';
  return `${shifted.toISOString().slice(0, 19)}.${frac}`;
}

/** The zone asked for with `Prefer: outlook.timezone="…"` (name as sent), or UTC. */
export function preferredZone(prefer: string | string[] | undefined): {
  name: string;
  iana: string;
} {
  const header = Array.isArray(prefer) ? prefer.join(',') : (prefer ?? '');
  const m = /outlook\.timezone\s*=\s*"([^"]+)"/i.exec(header);
  const iana = m ? resolveZone(m[1]) : undefined;
  return m && iana ? { name: m[1], iana } : { name: 'UTC', iana: 'UTC' };
}

/** `2025-06-12T09:00:00Z`: onlineMeeting start/end (no fraction). */
export function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}
