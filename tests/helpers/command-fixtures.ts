import fc from 'fast-check';
import {
  parseCommand,
  type ParseError,
  type ParseErrorCode,
  type ParseOptions,
} from '../../bot/src/commands';

/** Parse options for a user in `timeZone` at the instant `now` (an ISO string). */
export const at = (now: string, timeZone = 'Europe/London'): ParseOptions => ({
  now: new Date(now),
  timeZone,
});

// Friday 27 March 2026, 10:00 in London (GMT; BST starts on Sunday 29th).
export const options = at('2026-03-27T10:00:00Z');
export const parse = (text: string) => parseCommand(text, options);

export function error(text: string): ParseError {
  const result = parse(text);
  if (result.kind !== 'error') throw new Error(`${text}: parsed as ${result.kind}`);
  return result;
}

/** The example commands a message shows in backticks, each of which must parse. */
export function examplesIn(message: string): string[] {
  return Array.from(message.matchAll(/`([^`]+)`/g), (m) => m[1]);
}

/** Runs per property test; FUZZ_RUNS raises it for a long local run. */
export const numRuns = Number(process.env.FUZZ_RUNS ?? 500);

/** DST north and south, half- and quarter-hour offsets, 30-minute DST, both sides of the date line. */
export const ZONES = [
  'UTC',
  'America/New_York',
  'America/Los_Angeles',
  'America/St_Johns',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Tokyo',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Pacific/Kiritimati',
  'Pacific/Pago_Pago',
];
export const zone = fc.constantFrom(...ZONES);
/** Any instant from 2024 to the end of 2031. */
export const now = fc.date({
  min: new Date('2024-01-01T00:00:00Z'),
  max: new Date('2031-12-31T00:00:00Z'),
  noInvalidDate: true,
});

/** `text` is refused with `code`, and every example the message suggests parses. */
export function expectErrorWithWorkingExamples(text: string, code: ParseErrorCode): void {
  const e = error(text);
  expect(e.code).toBe(code);
  const examples = examplesIn(e.message);
  expect(examples.length).toBeGreaterThan(0);
  for (const ex of examples) expect(parse(ex).kind).not.toBe('error');
}
