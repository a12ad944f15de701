import type { MeetingRef } from './types';

const CODE = /^#?([0-9a-f]{6})$/i;
const INDEX = /^#?(\d{1,2})$/;

/** Reads `3F9A2C`, `#3f9a2c` (a meeting code) or `2`, `#2` (a number in the last `meetings` list). */
export function parseMeetingRef(token: string): MeetingRef | null {
  const code = CODE.exec(token);
  if (code) return { type: 'code', code: code[1].toUpperCase() };
  const index = INDEX.exec(token);
  if (index && Number(index[1]) >= 1) return { type: 'index', index: Number(index[1]) };
  return null;
}

/** The code shown on a meeting's card: the first 6 hex digits of its UUID, upper case. */
export function formatMeetingCode(meetingId: string): string {
  return meetingId
    .replace(/[^0-9a-f]/gi, '')
    .slice(0, 6)
    .toUpperCase();
}

/** Splits `[meeting] <ref> rest…` into the reference token and what follows it. */
export function takeMeetingToken(body: string): { token: string; rest: string } {
  const words = body.split(' ');
  const skip = words.length > 1 && /^meeting$/i.test(words[0]) ? 1 : 0;
  return { token: words[skip] ?? '', rest: words.slice(skip + 1).join(' ') };
}
