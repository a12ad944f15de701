/** `<at>Bot</at>` mentions Teams leaves in the text, whole. */
const MENTION = /<at\b[^<>]*>[^<]*<\/at>/gi;
/** Markup Teams may wrap around text (links around emails, paragraphs): the tag goes, text stays. */
const INLINE_TAG = /<\/?(?:at|a|span|b|i|u|s|strong|em)\b[^<>]*>/gi;
const BLOCK_TAG = /<\/?(?:p|div|br)\b[^<>]*>/gi;
const ENTITIES: Record<string, string> = {
  '&nbsp;': ' ',
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&apos;': "'",
};
const ENTITY = /&(?:nbsp|amp|lt|gt|quot|#39|apos);/gi;
const INVISIBLE = /[\u200b-\u200d\u2060\ufeff]/g;

/** Message text as a command: mentions and markup gone, all whitespace one space, trimmed. */
export function normalizeText(text: string): string {
  return text
    .replace(MENTION, ' ')
    .replace(BLOCK_TAG, ' ')
    .replace(INLINE_TAG, '')
    .replace(ENTITY, (e) => ENTITIES[e.toLowerCase()] ?? e)
    .replace(INVISIBLE, '')
    .replace(/\s+/g, ' ')
    .trim();
}
