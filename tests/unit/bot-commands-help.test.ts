import { COMMANDS, MAX_COMMAND_BYTES, helpText, type ParseError } from '../../bot/src/commands';
import { error, examplesIn, parse } from '../helpers/command-fixtures';

describe('help and unknown commands', () => {
  it.each(['help', 'HELP', '?', '', '  \n ', '<at>Interactions</at>', 'help schedule'])(
    '%j is help',
    (text) => {
      expect(parse(text)).toEqual({ kind: 'help' });
    },
  );

  it('answers an unknown command with working examples', () => {
    const e = error('frobnicate the widgets');
    expect(e.code).toBe('unknown_command');
    expect(e.message).toContain('"frobnicate"');
    for (const ex of examplesIn(e.message)) expect(parse(ex).kind).not.toBe('error');
  });

  it('never echoes more than 60 characters of the input', () => {
    const word = 'q'.repeat(200);
    for (const text of [word, `cancel ${word}`, `schedule A with B tomorrow 3pm ${word}`]) {
      const e = error(text);
      expect(e.message).not.toContain('q'.repeat(60));
    }
  });

  it('refuses more than 4096 UTF-8 bytes before parsing', () => {
    expect(error(`help ${'x'.repeat(MAX_COMMAND_BYTES)}`).code).toBe('too_long');
    expect(error('€'.repeat(1366)).code).toBe('too_long');
    expect(parse('€'.repeat(1365)).kind).toBe('error');
    expect((parse('€'.repeat(1365)) as ParseError).code).toBe('unknown_command');
  });
});

describe('command specs', () => {
  it('lists every command once, within the manifest limits', () => {
    expect(COMMANDS.map((c) => c.name)).toEqual([
      'schedule',
      'meetings',
      'reschedule',
      'cancel',
      'refresh',
      'help',
    ]);
    for (const c of COMMANDS) {
      expect(c.title.length).toBeLessThanOrEqual(32);
      expect(c.description.length).toBeLessThanOrEqual(128);
      expect(c.usage.startsWith(c.name)).toBe(true);
    }
  });

  it('has examples that parse as their own command', () => {
    for (const c of COMMANDS) expect(parse(c.example).kind).toBe(c.name);
  });

  it('titles are command words: picked from the list, they ask for what is missing', () => {
    for (const c of COMMANDS) {
      const result = parse(c.title);
      if (result.kind === 'error') expect(result.code).toMatch(/^missing_/);
      else expect(result.kind).toBe(c.name);
    }
  });

  it('help text shows every usage and example', () => {
    const text = helpText();
    for (const c of COMMANDS) {
      expect(text).toContain(c.usage);
      expect(text).toContain(c.example);
    }
  });
});
