import { parseCommand } from '../../bot/src/commands';
import { at } from '../helpers/command-fixtures';

/** The UTC start `schedule … with Acme <when>` gets for a user in `timeZone` at `now`. */
function startOf(when: string, now: string, timeZone: string): string {
  const result = parseCommand(`schedule Sync with Acme ${when}`, at(now, timeZone));
  if (result.kind !== 'schedule') throw new Error(`${when}: ${JSON.stringify(result)}`);
  return result.start.toISOString();
}

function codeOf(when: string, now: string, timeZone: string): string {
  const result = parseCommand(`schedule Sync with Acme ${when}`, at(now, timeZone));
  return result.kind === 'error' ? result.code : result.kind;
}

describe('times in the user zone', () => {
  // Friday 27 March 2026 10:00 GMT; BST (UTC+1) starts Sunday 29 March at 01:00 UTC.
  const london = '2026-03-27T10:00:00Z';

  it.each([
    ['tomorrow 3pm', '2026-03-28T15:00:00.000Z'],
    ['monday 3pm', '2026-03-30T14:00:00.000Z'],
    ['next tuesday 10:30', '2026-03-31T09:30:00.000Z'],
    ['3pm', '2026-03-27T15:00:00.000Z'],
    ['9am', '2026-03-28T09:00:00.000Z'],
    ['friday 9am', '2026-04-03T08:00:00.000Z'],
    ['on 12 March 2027 at 9:30', '2027-03-12T09:30:00.000Z'],
    ['2026-07-01 14:00', '2026-07-01T13:00:00.000Z'],
    ['12 March 9am', '2027-03-12T09:00:00.000Z'],
    ['in 2 hours', '2026-03-27T12:00:00.000Z'],
    ['tomorrow 3pm EST', '2026-03-28T20:00:00.000Z'],
  ])('Europe/London: %s → %s', (when, utc) => {
    expect(startOf(when, london, 'Europe/London')).toBe(utc);
  });

  it('reads a time before and after now in the same way: the next occurrence', () => {
    expect(startOf('10:30am', london, 'Europe/London')).toBe('2026-03-27T10:30:00.000Z');
    expect(startOf('9:30am', london, 'Europe/London')).toBe('2026-03-28T09:30:00.000Z');
  });

  // Saturday 7 March 2026 15:00 EST; EDT starts Sunday 8 March at 02:00 local.
  it.each([
    ['tomorrow 3pm', '2026-03-08T19:00:00.000Z'],
    ['2pm', '2026-03-08T18:00:00.000Z'],
    ['4pm', '2026-03-07T21:00:00.000Z'],
    ['next tuesday 10:30', '2026-03-10T14:30:00.000Z'],
    ['on 8 March 2:30am', '2026-03-08T07:30:00.000Z'],
    ['on 1 November 1:30am', '2026-11-01T05:30:00.000Z'],
    ['on 1 November 2:30am', '2026-11-01T07:30:00.000Z'],
  ])('America/New_York: %s → %s', (when, utc) => {
    expect(startOf(when, '2026-03-07T20:00:00Z', 'America/New_York')).toBe(utc);
  });

  // Friday 27 March 2026 05:00 in Kolkata (UTC+5:30, no DST), still Thursday in UTC.
  it.each([
    ['friday 9am', '2026-03-27T03:30:00.000Z'],
    ['3pm', '2026-03-27T09:30:00.000Z'],
    ['4am', '2026-03-27T22:30:00.000Z'],
    ['March 27 9am', '2026-03-27T03:30:00.000Z'],
    ['tomorrow 3pm', '2026-03-28T09:30:00.000Z'],
  ])('Asia/Kolkata: %s → %s', (when, utc) => {
    expect(startOf(when, '2026-03-26T23:30:00Z', 'Asia/Kolkata')).toBe(utc);
  });

  // Lord Howe: +10:30 standard, +11 summer; clocks move 30 minutes at 02:00 local.
  it.each([
    ['tomorrow 3pm', '2026-03-02T04:00:00.000Z'],
    ['on 5 April 1:30am', '2026-04-04T14:30:00.000Z'],
    ['on 5 April 2:00am', '2026-04-04T15:30:00.000Z'],
    ['on 4 October 1:45am', '2026-10-03T15:15:00.000Z'],
    ['on 4 October 2:30am', '2026-10-03T15:30:00.000Z'],
  ])('Australia/Lord_Howe: %s → %s', (when, utc) => {
    expect(startOf(when, '2026-03-01T00:00:00Z', 'Australia/Lord_Howe')).toBe(utc);
  });

  it('Pacific/Chatham (+13:45 in summer): tomorrow 3pm', () => {
    expect(startOf('tomorrow 3pm', '2026-03-01T00:00:00Z', 'Pacific/Chatham')).toBe(
      '2026-03-02T01:15:00.000Z',
    );
  });
});

describe('daylight-saving transitions', () => {
  const now = '2026-03-01T00:00:00Z';

  it.each([
    ['Europe/London', 'on 29 March 1:30am', '2026-03-29T01:30:00.000Z'],
    ['America/New_York', 'on 8 March 2:30am', '2026-03-08T07:30:00.000Z'],
    ['Australia/Lord_Howe', 'on 4 October 2:15am', '2026-10-03T15:45:00.000Z'],
  ])('%s: a time in the spring-forward gap moves forward by the gap (%s)', (zone, when, utc) => {
    expect(startOf(when, now, zone)).toBe(utc);
  });

  it.each([
    ['Europe/London', 'on 25 October 1:30am', '2026-10-25T00:30:00.000Z'],
    ['America/New_York', 'on 1 November 1:30am', '2026-11-01T05:30:00.000Z'],
    ['Australia/Lord_Howe', 'on 5 April 1:45am', '2026-04-04T14:45:00.000Z'],
  ])('%s: a time in the fall-back overlap is its first occurrence (%s)', (zone, when, utc) => {
    expect(startOf(when, now, zone)).toBe(utc);
  });

  it('uses the offset of the meeting date, not of now', () => {
    const friday = '2026-03-27T10:00:00Z';
    expect(startOf('tomorrow 3pm', friday, 'Europe/London')).toBe('2026-03-28T15:00:00.000Z');
    expect(startOf('monday 3pm', friday, 'Europe/London')).toBe('2026-03-30T14:00:00.000Z');
  });

  it('a time of day just before the clocks change is tomorrow at the new offset', () => {
    // Saturday 28 March 2026 23:00 GMT; "9am" is Sunday, in BST.
    expect(startOf('9am', '2026-03-28T23:00:00Z', 'Europe/London')).toBe(
      '2026-03-29T08:00:00.000Z',
    );
  });
});

describe('times that are refused', () => {
  const now = '2026-03-27T10:00:00Z';

  it.each([
    ['today 9am', 'past_time'],
    ['yesterday 3pm', 'past_time'],
    ['on 1 March 2026 at 3pm', 'past_time'],
    ['last monday 3pm', 'past_time'],
    ['today 9:54am', 'past_time'],
    ['today 9:55am', 'schedule'],
    ['now', 'schedule'],
    ['tomorrow', 'missing_time'],
    ['next week', 'missing_time'],
    ['tonight', 'missing_time'],
  ])('%s → %s', (when, code) => {
    expect(codeOf(when, now, 'Europe/London')).toBe(code);
  });

  it('truncates seconds of a relative time to the minute', () => {
    expect(startOf('in 1 hour', '2026-03-27T10:00:37Z', 'Europe/London')).toBe(
      '2026-03-27T11:00:00.000Z',
    );
  });

  it('takes a 29 February in the next year that has one', () => {
    expect(startOf('29 Feb 2028 at 9am', now, 'Europe/London')).toBe('2028-02-29T09:00:00.000Z');
  });
});
