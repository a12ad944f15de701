import { trimEndWords } from './text';

export const MAX_WHO = 20;
export const MAX_WHO_LENGTH = 320;

/** Words chrono leaves before the time it found ("with Acme at 3pm" reads only "3pm"). */
const TRAILING_CONNECTOR = /[\s,]+(?:and|at|on|@|from|this|by)$/i;
/** A day of the month chrono cannot read without its month ("on the 5th"): not a name. */
const TRAILING_ORDINAL = /(?:^|\s)(?:on\s+)?(?:the\s+)?\d{1,2}(?:st|nd|rd|th)$/i;
const SEPARATOR = /\s*[,;]\s*|\s+and\s+/i;
const QUOTES = /^["“”„]+|["“”„]+$/g;

export type WhoList =
  | { ok: true; who: string[] }
  | { ok: false; reason: 'empty' | 'too_many' | 'too_long' | 'dangling_date' };

/** Splits `Jane Doe, bob@contoso.com and Acme` into raw items; the caller resolves them. */
export function parseWhoList(text: string): WhoList {
  const trimmed = trimEndWords(text.trim(), TRAILING_CONNECTOR);
  if (TRAILING_ORDINAL.test(trimmed)) return { ok: false, reason: 'dangling_date' };
  const seen = new Set<string>();
  const who: string[] = [];
  for (const part of trimmed.split(SEPARATOR)) {
    const item = part
      .replace(/^and\s+/i, '')
      .replace(QUOTES, '')
      .trim();
    if (item === '' || /^and$/i.test(item) || seen.has(item.toLowerCase())) continue;
    seen.add(item.toLowerCase());
    who.push(item);
  }
  if (who.length === 0) return { ok: false, reason: 'empty' };
  if (who.length > MAX_WHO) return { ok: false, reason: 'too_many' };
  if (who.some((w) => w.length > MAX_WHO_LENGTH)) return { ok: false, reason: 'too_long' };
  return { ok: true, who };
}
