import fc from 'fast-check';
import { MAX_COMMAND_BYTES, parseCommand, type ParseErrorCode } from '../../bot/src/commands';
import { now, numRuns, options, zone } from '../helpers/command-fixtures';

const LIMIT_MS = 50;
const CODES: readonly ParseErrorCode[] = [
  'too_long',
  'unknown_command',
  'missing_subject',
  'missing_who',
  'missing_time',
  'bad_time',
  'past_time',
  'bad_duration',
  'missing_meeting',
  'bad_meeting',
];
/** Pieces of real commands, so random text often reaches the deep branches. */
const token = fc.constantFrom(
  'schedule',
  'reschedule',
  'move',
  'cancel',
  'refresh',
  'meetings',
  'help',
  'with',
  'for',
  'and',
  ',',
  '"',
  '“',
  '”',
  '<at>Bot</at>',
  '<at>',
  '#',
  '3F9A2C',
  '#12',
  'tomorrow',
  'next',
  'tuesday',
  '3pm',
  '10:30',
  'at',
  'on',
  '12 March',
  '2026',
  'in 2 hours',
  '45 min',
  '1h30',
  'half an hour',
  'jane@acme.com',
  'Jane Doe',
  'Acme',
  '\u00a0',
  '\n',
  'May',
  'Sun',
  '29 February',
  '25:61',
  '0 min',
  'EST',
  'the 5th',
  'today',
  'now',
  'yesterday',
  '&amp;',
  '𝒜',
  'İ',
  '\u200b',
);
const anyText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 5000 }),
  fc.string({
    unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    maxLength: 300,
  }),
  fc.array(token, { maxLength: 40 }).map((t) => t.join(' ')),
  fc.array(token, { maxLength: 1200 }).map((t) => t.join(' ')),
  fc
    .tuple(fc.constantFrom('schedule ', 'reschedule ', 'cancel '), fc.string({ maxLength: 4100 }))
    .map(([verb, rest]) => verb + rest),
);

/** `unit` repeated between prefix and suffix up to just under the size limit. */
function fill(prefix: string, unit: string, suffix: string): string {
  const room = MAX_COMMAND_BYTES - prefix.length - suffix.length;
  return prefix + unit.repeat(Math.floor(room / unit.length)) + suffix;
}

function timed(run: () => unknown): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

describe('parseCommand on arbitrary text', () => {
  // V8 compiles chrono's large regular expressions to machine code on their second use (~100 ms once
  // per process); the contract is about parsing, so the clock starts after that.
  beforeAll(() => {
    const options = { now: new Date(), timeZone: 'Europe/London' };
    for (let i = 0; i < 3; i++) {
      parseCommand('schedule Warm up with jane@acme.com tomorrow at 3pm on monday for 1h', options);
      parseCommand('reschedule 3F9A2C in 2 hours', options);
    }
  });

  it('never throws and always answers a command or a coded error with a message', () => {
    fc.assert(
      fc.property(anyText, now, zone, (text, at, timeZone) => {
        const result = parseCommand(text, { now: at, timeZone });
        expect(typeof result.kind).toBe('string');
        if (result.kind === 'error') {
          expect(CODES).toContain(result.code);
          expect(result.message.length).toBeGreaterThan(0);
          expect(result.message).toMatch(/`[^`]+`/);
        }
      }),
      { numRuns },
    );
  });

  it(`answers every message within ${LIMIT_MS} ms`, () => {
    let slowest = 0;
    fc.assert(
      fc.property(anyText, now, zone, (text, at, timeZone) => {
        const run = () => parseCommand(text, { now: at, timeZone });
        const first = timed(run);
        // A single slow call may be a GC pause or a busy CPU; a slow parse is slow twice.
        const ms = first < LIMIT_MS ? first : Math.min(first, timed(run));
        slowest = Math.max(slowest, ms);
        expect(ms).toBeLessThan(LIMIT_MS);
      }),
      { numRuns },
    );
    expect(slowest).toBeLessThan(LIMIT_MS);
  });

  it.each([
    ['many "with"s', fill('schedule ', 'a with ', 'tomorrow 3pm')],
    ['many "for"s', fill('schedule x with y tomorrow 3pm ', 'for 1h ', '')],
    ['many mentions', fill('', '<at>', 'help')],
    ['many unclosed quotes', fill('schedule ', '"', '')],
    ['a long who-list', fill('schedule x with ', 'jane@acme.com, ', 'tomorrow 3pm')],
    ['digits', fill('schedule x with ', '1 2 3 4 5 6 7 8 9 10 11 12 ', '')],
    ['dates', fill('reschedule 1 ', '12 March 2026 at 3pm ', '')],
    ['time words', fill('schedule x with y ', 'tomorrow at 3pm on monday next week ', '')],
  ])('answers quickly on %s', (_name, text) => {
    expect(text.length).toBeGreaterThan(MAX_COMMAND_BYTES - 40);
    parseCommand(text, options);
    expect(timed(() => parseCommand(text, options))).toBeLessThan(LIMIT_MS);
  });
});
