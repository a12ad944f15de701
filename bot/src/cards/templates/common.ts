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

/** A refused action or a bad input, in attention colour, shown only when `hasError` is true. */
export const errorLine = lineWhen('hasError', '${error}', { color: 'attention', weight: 'bolder' });

/** The date, start time and duration inputs of a form that (re)schedules a meeting. */
export function scheduleInputs(timeLabel: string): Card[] {
  return [
    {
      type: 'Input.Date',
      id: 'date',
      label: 'Date',
      value: '${date}',
      isRequired: true,
      errorMessage: 'Enter a date.',
    },
    {
      type: 'Input.Time',
      id: 'time',
      label: timeLabel,
      value: '${time}',
      isRequired: true,
      errorMessage: 'Enter a start time.',
    },
    {
      type: 'Input.Number',
      id: 'durationMinutes',
      label: 'Duration (minutes)',
      value: '${durationMinutes}',
      min: 5,
      max: 1440,
      isRequired: true,
      errorMessage: 'Enter a duration from 5 to 1440 minutes.',
    },
  ];
}

export const DRAFT_DATA = { draftId: '${$root.draftId}' };
export const MEETING_DATA = { meetingId: '${$root.meetingId}', v: '${$root.version}' };
