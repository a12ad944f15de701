import type { CommandSpec } from './types';

/** Commands that parse at any `now`: relative dates only, syntactically valid meeting references. */
export const EXAMPLES = {
  schedule: 'schedule Quarterly review with jane@acme.com tomorrow 3pm for 45 min',
  meetings: 'meetings',
  reschedule: 'reschedule 3F9A2C tomorrow 4pm for 1h',
  cancel: 'cancel 3F9A2C',
  refresh: 'refresh 3F9A2C',
  help: 'help',
} as const;

export const COMMANDS: readonly CommandSpec[] = Object.freeze([
  {
    name: 'schedule',
    usage: 'schedule <subject> with <who>[, <who>…] <when> [for <duration>]',
    title: 'schedule',
    description:
      'Book a Teams meeting with contacts or a client (emails or names), e.g. tomorrow 3pm for 45 min.',
    example: EXAMPLES.schedule,
  },
  {
    name: 'meetings',
    usage: 'meetings',
    title: 'meetings',
    description: 'List your upcoming meetings with their codes and numbers.',
    example: EXAMPLES.meetings,
  },
  {
    name: 'reschedule',
    usage: 'reschedule <meeting> <when> [for <duration>]',
    title: 'reschedule',
    description:
      'Move a meeting (its code or its number in your list) to a new time, optionally with a new length.',
    example: EXAMPLES.reschedule,
  },
  {
    name: 'cancel',
    usage: 'cancel <meeting>',
    title: 'cancel',
    description: 'Cancel a meeting by its code or its number in your list.',
    example: EXAMPLES.cancel,
  },
  {
    name: 'refresh',
    usage: 'refresh <meeting>',
    title: 'refresh',
    description: "Update a meeting's card now with its latest details, recording and transcript.",
    example: EXAMPLES.refresh,
  },
  {
    name: 'help',
    usage: 'help',
    title: 'help',
    description: 'Show what I can do, with examples.',
    example: EXAMPLES.help,
  },
]);

/** The reply to `help`: every command with its usage and an example. */
export function helpText(): string {
  const lines = ["Here's what I can do:", ''];
  for (const spec of COMMANDS) {
    lines.push(`**${spec.usage}**`, `${spec.description} Example: \`${spec.example}\``, '');
  }
  lines.push(
    'A <meeting> is the 6-character code on its card (e.g. 3F9A2C) or its number in your last `meetings` list.',
    'Times are read in your time zone; a duration can be 45 min, 1h, 1h30 or half an hour (30 minutes if left out).',
  );
  return lines.join('\n');
}
