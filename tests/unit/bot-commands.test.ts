import { type Command, type ParseErrorCode } from '../../bot/src/commands';
import { error, expectErrorWithWorkingExamples, parse } from '../helpers/command-fixtures';

function schedule(text: string): Extract<Command, { kind: 'schedule' }> {
  const result = parse(text);
  if (result.kind !== 'schedule') throw new Error(`${text}: ${JSON.stringify(result)}`);
  return result;
}

describe('schedule', () => {
  it('reads subject, one email, a relative day with a time and a duration', () => {
    expect(parse('schedule Quarterly review with jane@acme.com tomorrow 3pm for 45 min')).toEqual({
      kind: 'schedule',
      subject: 'Quarterly review',
      who: ['jane@acme.com'],
      start: new Date('2026-03-28T15:00:00Z'),
      end: new Date('2026-03-28T15:45:00Z'),
      durationMinutes: 45,
      timeZone: 'Europe/London',
    });
  });

  it('splits the who-list on commas and "and", ending where the time begins', () => {
    const c = schedule(
      'schedule Onboarding with Jane Doe, bob@contoso.com and Acme next Tuesday at 10:30 for 1h',
    );
    expect(c.subject).toBe('Onboarding');
    expect(c.who).toEqual(['Jane Doe', 'bob@contoso.com', 'Acme']);
    expect(c.start).toEqual(new Date('2026-03-31T09:30:00Z'));
    expect(c.durationMinutes).toBe(60);
  });

  it('takes a quoted subject with a comma, and an explicit date rolled to the next year', () => {
    const c = schedule('Schedule "Budget, Q3" with Acme on 12 March 9am');
    expect([c.subject, c.who, c.start]).toEqual([
      'Budget, Q3',
      ['Acme'],
      new Date('2027-03-12T09:00:00Z'),
    ]);
  });

  it.each([
    ['“Budget with Q3” with Acme tomorrow 3pm', 'Budget with Q3'],
    ['"Lunch with the board" with Acme tomorrow 3pm', 'Lunch with the board'],
    ['„Kick-off“ with Acme tomorrow 3pm', 'Kick-off'],
  ])('keeps " with " inside a quoted subject: %s', (rest, subject) => {
    expect(schedule(`schedule ${rest}`)).toMatchObject({ subject, who: ['Acme'] });
  });

  it('takes the subject up to the last " with " before the who-list', () => {
    const c = schedule('schedule Catch up with finance team with jane@acme.com tomorrow 3pm');
    expect([c.subject, c.who]).toEqual(['Catch up with finance team', ['jane@acme.com']]);
  });

  it('keeps " for " in a subject when what follows is not a duration', () => {
    const c = schedule('schedule Prep for 2 launches with Acme monday 3pm');
    expect([c.subject, c.durationMinutes]).toEqual(['Prep for 2 launches', 30]);
  });

  it.each([
    ['45 min', 45],
    ['45 minutes', 45],
    ['1h', 60],
    ['1 hour', 60],
    ['1.5 hours', 90],
    ['1h30', 90],
    ['1h 30m', 90],
    ['1 hour and 15 minutes', 75],
    ['90m', 90],
    ['an hour', 60],
    ['half an hour', 30],
    ['24 hours', 1440],
  ])('reads the duration "for %s"', (text, minutes) => {
    const c = schedule(`schedule Sync with Acme tomorrow 3pm for ${text}`);
    expect(c.durationMinutes).toBe(minutes);
    expect(c.end.getTime() - c.start.getTime()).toBe(minutes * 60_000);
  });

  it('defaults to 30 minutes', () => {
    expect(schedule('schedule Sync with Acme tomorrow 3pm').durationMinutes).toBe(30);
  });

  it('ignores case, leftover mentions, nbsp, newlines and markup around emails', () => {
    const c = schedule(
      '<at>Interactions</at>\u00a0 SCHEDULE  Sync\nWITH <a href="mailto:bob@contoso.com">bob@contoso.com</a> &amp; co TOMORROW 3PM ',
    );
    expect([c.subject, c.who, c.start]).toEqual([
      'Sync',
      ['bob@contoso.com & co'],
      new Date('2026-03-28T15:00:00Z'),
    ]);
  });

  it('keeps names that look like dates in the who-list', () => {
    expect(schedule('schedule Sync with Sun Li at 9am on Monday').who).toEqual(['Sun Li']);
    expect(schedule('schedule Sync with Jane and June tomorrow 3pm').who).toEqual(['Jane', 'June']);
    expect(schedule('schedule Sync with Acme on March 12th at 9am').who).toEqual(['Acme']);
  });

  it('reads a date and a time chrono sees apart ("12 March @ 9am")', () => {
    expect(schedule('schedule Sync with Acme 12 March @ 9am').start).toEqual(
      new Date('2027-03-12T09:00:00Z'),
    );
  });

  it('drops duplicate and empty who items', () => {
    expect(schedule('schedule Sync with Acme, , acme and Bob, tomorrow 3pm').who).toEqual([
      'Acme',
      'Bob',
    ]);
  });
});

describe('schedule errors', () => {
  it.each<[string, ParseErrorCode]>([
    ['schedule', 'missing_subject'],
    ['schedule with Acme tomorrow 3pm', 'missing_subject'],
    ['schedule "" with Acme tomorrow 3pm', 'missing_subject'],
    ['schedule "Unclosed with Acme tomorrow 3pm', 'missing_subject'],
    ['schedule Review tomorrow 3pm', 'missing_who'],
    ['schedule "Review" Acme tomorrow 3pm', 'missing_who'],
    ['schedule Review with tomorrow 3pm', 'missing_who'],
    ['schedule Review with Acme', 'missing_time'],
    ['schedule Review with Acme tomorrow', 'missing_time'],
    ['schedule Review with Acme on 12 March', 'missing_time'],
    ['schedule Review with Acme tomorrow 3pm please', 'bad_time'],
    ['schedule Review tomorrow 3pm with Acme', 'bad_time'],
    ['schedule Review with Acme on the 5th at 3pm', 'bad_time'],
    ['schedule Review with Acme today 9am', 'past_time'],
    ['schedule Review with Acme tomorrow 3pm for 0 min', 'bad_duration'],
    ['schedule Review with Acme tomorrow 3pm for 25 hours', 'bad_duration'],
    ['schedule Review with Acme tomorrow 3pm for 2 weeks', 'bad_duration'],
    ['schedule Review with Acme tomorrow 3pm for ages', 'bad_duration'],
    [`schedule ${'x'.repeat(256)} with Acme tomorrow 3pm`, 'too_long'],
    [`schedule Review with ${'x'.repeat(321)} tomorrow 3pm`, 'too_long'],
    [
      `schedule Review with ${Array.from({ length: 21 }, (_, i) => `p${i}`).join(', ')} tomorrow 3pm`,
      'too_long',
    ],
  ])('%s → %s, with an example that works', (text, code) => {
    expectErrorWithWorkingExamples(text, code);
  });

  it('accepts a time up to 5 minutes ago', () => {
    expect(schedule('schedule Sync with Acme today 9:56am').start).toEqual(
      new Date('2026-03-27T09:56:00Z'),
    );
  });

  it('names the past time in the user zone', () => {
    expect(error('schedule Review with Acme today 9am').message).toContain('Fri 27 Mar, 09:00');
  });

  it('accepts a subject of 255 characters', () => {
    const subject = 's'.repeat(255);
    expect(schedule(`schedule ${subject} with Acme tomorrow 3pm`).subject).toBe(subject);
  });
});
