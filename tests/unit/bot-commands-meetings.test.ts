import { formatMeetingCode, type ParseErrorCode } from '../../bot/src/commands';
import { expectErrorWithWorkingExamples, parse } from '../helpers/command-fixtures';

describe('meeting commands', () => {
  it.each(['meetings', 'list', 'my meetings', 'My Meetings', 'LIST', 'meetings.'])(
    '%s lists meetings',
    (text) => {
      expect(parse(text)).toEqual({ kind: 'meetings' });
    },
  );

  it.each([
    ['cancel 3F9A2C', { type: 'code', code: '3F9A2C' }],
    ['cancel #3f9a2c', { type: 'code', code: '3F9A2C' }],
    ['Cancel meeting 123456', { type: 'code', code: '123456' }],
    ['cancel 2', { type: 'index', index: 2 }],
    ['cancel #99', { type: 'index', index: 99 }],
  ])('%s names the meeting', (text, meeting) => {
    expect(parse(text)).toEqual({ kind: 'cancel', meeting });
  });

  it('refresh takes a code or a number', () => {
    expect(parse('refresh 7')).toEqual({ kind: 'refresh', meeting: { type: 'index', index: 7 } });
    expect(parse('REFRESH abcdef')).toEqual({
      kind: 'refresh',
      meeting: { type: 'code', code: 'ABCDEF' },
    });
  });

  it('reschedule keeps the length unless one is given', () => {
    expect(parse('reschedule 3f9a2c tomorrow 4pm')).toEqual({
      kind: 'reschedule',
      meeting: { type: 'code', code: '3F9A2C' },
      start: new Date('2026-03-28T16:00:00Z'),
      end: null,
      durationMinutes: null,
      timeZone: 'Europe/London',
    });
    expect(parse('move #2 to monday 3pm for 1h30')).toEqual({
      kind: 'reschedule',
      meeting: { type: 'index', index: 2 },
      start: new Date('2026-03-30T14:00:00Z'),
      end: new Date('2026-03-30T15:30:00Z'),
      durationMinutes: 90,
      timeZone: 'Europe/London',
    });
  });

  it.each<[string, ParseErrorCode]>([
    ['cancel', 'missing_meeting'],
    ['refresh', 'missing_meeting'],
    ['reschedule', 'missing_meeting'],
    ['cancel 0', 'bad_meeting'],
    ['cancel 100', 'bad_meeting'],
    ['cancel 3F9A2', 'bad_meeting'],
    ['cancel 3F9A2CD', 'bad_meeting'],
    ['cancel GHIJKL', 'bad_meeting'],
    ['cancel 3F9A2C 2', 'bad_meeting'],
    ['reschedule Quarterly tomorrow 3pm', 'bad_meeting'],
    ['reschedule 2', 'missing_time'],
    ['reschedule 2 tomorrow', 'missing_time'],
    ['reschedule 2 yesterday 3pm', 'past_time'],
    ['reschedule 2 soon-ish tomorrow 3pm', 'bad_time'],
    ['reschedule 2 tomorrow 3pm for 30 hours', 'bad_duration'],
  ])('%s → %s, with an example that works', (text, code) => {
    expectErrorWithWorkingExamples(text, code);
  });
});

describe('meeting codes', () => {
  it('are the first 6 hex digits of the id, upper case', () => {
    expect(formatMeetingCode('3f9a2c1d-0000-4000-8000-000000000000')).toBe('3F9A2C');
    expect(formatMeetingCode('3f9a-2c1d')).toBe('3F9A2C');
  });

  it('parse back to the same code', () => {
    const code = formatMeetingCode('a1b2c3d4-e5f6-4711-8abc-def012345678');
    expect(parse(`cancel ${code}`)).toEqual({ kind: 'cancel', meeting: { type: 'code', code } });
  });
});
