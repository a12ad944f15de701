import type { Card } from '../render';
import type { Verb } from '../verbs';

/** Teams renders Adaptive Cards up to schema 1.5. */
export function cardTemplate(body: unknown[], actions: unknown[] = [], extra: Card = {}): Card {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body,
    ...(actions.length > 0 ? { actions } : {}),
    ...extra,
  };
}

/**
 * A Universal Action with an Action.Submit fallback for clients before 1.4, which posts the same
 * data plus `verb` as a message. On cards with inputs, `inputs: 'none'` lets Back/Discard skip
 * the required-input checks and `'auto'` sends the inputs.
 */
export function execute(
  title: string,
  verb: Verb,
  data: Record<string, unknown>,
  inputs?: 'auto' | 'none',
): Card {
  const associated = inputs ? { associatedInputs: inputs } : {};
  return {
    type: 'Action.Execute',
    title,
    verb,
    data,
    ...associated,
    fallback: { type: 'Action.Submit', title, data: { ...data, verb }, ...associated },
  };
}

export function openUrl(title: string, url: string, when?: string): Card {
  return { type: 'Action.OpenUrl', title, url, ...(when ? { $when: when } : {}) };
}

export function heading(text: string): Card {
  return {
    type: 'TextBlock',
    text,
    style: 'heading',
    weight: 'bolder',
    size: 'medium',
    wrap: true,
  };
}

/** A line shown only when the `flag` data field is true. */
export function lineWhen(flag: string, text: string, look: Card = {}): Card {
  return { type: 'TextBlock', text, wrap: true, ...look, $when: `\${${flag}}` };
}

export const DRAFT_DATA = { draftId: '${$root.draftId}' };
export const MEETING_DATA = { meetingId: '${$root.meetingId}', v: '${$root.version}' };
