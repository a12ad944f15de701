import { echo, example, fail } from './messages';
import { normalizeText } from './normalize';
import { parseMeetingCommand, parseReschedule } from './meeting-commands';
import { parseSchedule } from './schedule';
import { trimEndOf } from './text';
import type { Command, ParseError, ParseOptions } from './types';

/** Longer messages (UTF-8 bytes) are refused before any parsing. */
export const MAX_COMMAND_BYTES = 4096;

const HELP = new Set(['', 'help', '?']);
const MEETINGS = new Set(['meetings', 'list', 'my meetings', 'list meetings', 'show meetings']);

/** Reads one bot command; never throws, whatever the text. */
export function parseCommand(text: string, options: ParseOptions): Command | ParseError {
  // Callers pass activity.text, which is absent on some activities.
  if (typeof text !== 'string') return { kind: 'help' };
  if (text.length > MAX_COMMAND_BYTES || Buffer.byteLength(text, 'utf8') > MAX_COMMAND_BYTES) {
    const limit = `That message is too long for a command (at most ${MAX_COMMAND_BYTES} bytes)`;
    return fail('too_long', `${limit}. Try e.g. ${example('schedule')}.`);
  }
  const clean = normalizeText(text).replace(/^\//, '');
  const bare = trimEndOf(clean.toLowerCase(), '.!');
  if (HELP.has(bare) || /^help /.test(bare)) return { kind: 'help' };
  if (MEETINGS.has(bare.replace(/\?$/, ''))) return { kind: 'meetings' };
  const space = clean.indexOf(' ');
  const verb = (space < 0 ? clean : clean.slice(0, space)).toLowerCase();
  const body = space < 0 ? '' : clean.slice(space + 1);
  switch (verb) {
    case 'schedule':
      return parseSchedule(body, options);
    case 'reschedule':
    case 'move':
      return parseReschedule(body, options);
    case 'meetings':
    case 'list':
      return { kind: 'meetings' };
    case 'cancel':
    case 'refresh':
      return parseMeetingCommand(verb, body);
    default:
      return fail(
        'unknown_command',
        `I don't know the command ${echo(verb)}. Try ${example('schedule')}, or ${example('help')} for the rest.`,
      );
  }
}
