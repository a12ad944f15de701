const ZWSP = '\u200B';

/** Upper bounds for shown text, so the worst-case card stays far below CARD_BYTES_MAX. */
export const MAX = {
  subject: 255,
  name: 100,
  email: 254,
  when: 100,
  word: 60,
  sentence: 200,
} as const;

/** Cuts to `max` UTF-16 units with an ellipsis, never splitting a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/**
 * Display form of user text for a TextBlock or fact (both render markdown and {{DATE()}}):
 * one line, clipped, without control or bidi-override characters, with links, block markers and
 * date functions made inert by an invisible zero-width space. Emphasis is left alone: harmless.
 */
export function shown(text: string | null | undefined, max: number = MAX.subject): string {
  if (!text) return '';
  const line = text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return (
    clip(line, max)
      // "](", "][" and "]:" are how links and link references start.
      .replace(/\](?=[([:])/g, `]${ZWSP}`)
      // "{{DATE(…)}}" and "{{TIME(…)}}" are formatted by the client.
      .replace(/\{(?=\{)/g, `{${ZWSP}`)
      // A leading "#", ">", "-", "+", "*" or "1." would become a heading, quote or list.
      .replace(/^(?=[+*-](?: |$)|#{1,6}(?: |$)|>|\d{1,9}[.)](?: |$))/, ZWSP)
  );
}

/** How many attendees a card names before "and N more". */
export const ATTENDEES_SHOWN = 8;

/** Lines naming the first attendees, and the "and N more" line (empty when all are named). */
export function attendeeLines(attendees: readonly { name: string | null; email: string }[]): {
  lines: { line: string }[];
  more: string;
} {
  const lines = attendees.slice(0, ATTENDEES_SHOWN).map((a) => {
    const name = a.name?.trim();
    const line =
      name && name !== a.email
        ? `${shown(name, MAX.name)} (${shown(a.email, MAX.email)})`
        : shown(a.email, MAX.email);
    return { line };
  });
  const rest = attendees.length - lines.length;
  return { lines, more: rest > 0 ? `and ${rest} more` : '' };
}
