import { Template } from 'adaptivecards-templating';

/** An Adaptive Card as JSON. */
export type Card = Record<string, unknown>;

/** Oldest documented Teams limit for a bot message; we design every card to stay under it. */
export const CARD_BYTES_MAX = 28 * 1024;

const prepared = new WeakMap<Card, Template>();

/** Expands a template with `data` as `$root`; data values are inserted, never evaluated. */
export function expand(template: Card, data: object): Card {
  let t = prepared.get(template);
  if (!t) {
    t = new Template(template);
    prepared.set(template, t);
  }
  const card: unknown = t.expand({ $root: data });
  return card as Card;
}

/** The Bot Framework attachment that carries a card. */
export function attachment(card: Card): {
  contentType: 'application/vnd.microsoft.card.adaptive';
  content: Card;
} {
  return { contentType: 'application/vnd.microsoft.card.adaptive', content: card };
}

/** Size as Teams counts it: UTF-16 code units of the JSON, two bytes each. */
export function cardBytes(card: Card): number {
  return JSON.stringify(card).length * 2;
}
