import fc from 'fast-check';
import { parseCommand } from '../../bot/src/commands';
import { now, numRuns, zone } from '../helpers/command-fixtures';

const MONTHS = [
  'Jan',
  'February',
  'Mar',
  'April',
  'May',
  'June',
  'July',
  'Aug',
  'Sept',
  'October',
  'Nov',
  'December',
];

const SUBJECT_WORDS = [
  'Quarterly',
  'review',
  'budget',
  'Q3',
  'sync',
  'with',
  'for',
  'plan',
  'kickoff',
  'demo',
  'team',
  'and',
  'roadmap',
  'update',
];
const FIRST = ['Jane', 'Bob', 'Priya', 'Chen', 'Olga', 'Marcus', 'Aiko', 'Liam', 'Fatima', 'Noah'];
const LAST = ['Doe', 'Smith', 'Patel', 'Wang', 'Novak', 'Okafor'];
const CLIENTS = ['Acme', 'Contoso Ltd', 'Globex', 'Initech', 'Umbrella Corp'];

const word = fc.stringMatching(/^[a-z]{1,8}$/);
const email = fc
  .tuple(word, fc.option(word, { nil: undefined }), word, fc.constantFrom('com', 'org', 'co.uk'))
  .map(([user, dot, host, tld]) => `${user}${dot ? `.${dot}` : ''}@${host}.${tld}`);
const person = fc
  .tuple(fc.constantFrom(...FIRST), fc.option(fc.constantFrom(...LAST), { nil: undefined }))
  .map(([first, last]) => (last ? `${first} ${last}` : first));
const who = fc.uniqueArray(fc.oneof(email, person, fc.constantFrom(...CLIENTS)), {
  minLength: 1,
  maxLength: 4,
  selector: (w) => w.toLowerCase(),
});
const subject = fc
  .array(fc.constantFrom(...SUBJECT_WORDS), { minLength: 1, maxLength: 5 })
  .map((w) => w.join(' '));
const duration = fc.oneof(
  fc.constant({ text: '', minutes: 30 }),
  fc.integer({ min: 1, max: 1440 }).map((m) => ({ text: `${m} min`, minutes: m })),
  fc.integer({ min: 1, max: 1440 }).map((m) => ({ text: `${m}m`, minutes: m })),
  fc.integer({ min: 1, max: 1440 }).map((m) => ({ text: `${m} minutes`, minutes: m })),
  fc.integer({ min: 1, max: 24 }).map((h) => ({ text: `${h}h`, minutes: h * 60 })),
  fc.integer({ min: 1, max: 24 }).map((h) => ({ text: `${h} hours`, minutes: h * 60 })),
  fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 59 }))
    .map(([h, m]) => ({ text: `${h}h${m}`, minutes: h * 60 + m })),
  fc.constant({ text: '1.5 hours', minutes: 90 }),
  fc.constant({ text: 'an hour', minutes: 60 }),
  fc.constant({ text: 'half an hour', minutes: 30 }),
);

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

function wallOf(instant: number, timeZone: string): Wall {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
  };
}

/** A wall time that occurs twice (fall-back) names its first occurrence. */
function firstOccurrence(instant: number, timeZone: string): number {
  const wall = JSON.stringify(wallOf(instant, timeZone));
  for (const back of [60, 30]) {
    const earlier = instant - back * 60_000;
    if (JSON.stringify(wallOf(earlier, timeZone)) === wall) return earlier;
  }
  return instant;
}

const pad = (n: number) => String(n).padStart(2, '0');
const clock12 = (w: Wall) => `${w.hour % 12 || 12}:${pad(w.minute)}${w.hour < 12 ? 'am' : 'pm'}`;
const whenFormats: ((w: Wall) => string)[] = [
  (w) => `on ${w.day} ${MONTHS[w.month - 1]} ${w.year} at ${pad(w.hour)}:${pad(w.minute)}`,
  (w) => `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`,
  (w) => `${MONTHS[w.month - 1]} ${w.day}, ${w.year} at ${clock12(w)}`,
  (w) => `${w.day} ${MONTHS[w.month - 1]} ${w.year} ${clock12(w)}`,
];

describe('schedule round trip', () => {
  it('gives back the subject, who-list, start instant and duration it was written with', () => {
    fc.assert(
      fc.property(
        fc.record({
          subject,
          quote: fc.constantFrom(null, ['"', '"'], ['“', '”']),
          who,
          and: fc.boolean(),
          at: now,
          ahead: fc.integer({ min: 120, max: 2 * 365 * 24 * 60 }),
          timeZone: zone,
          format: fc.integer({ min: 0, max: whenFormats.length - 1 }),
          duration,
          mention: fc.boolean(),
          verb: fc.constantFrom('schedule', 'Schedule', 'SCHEDULE'),
        }),
        (c) => {
          const wantsQuote = c.quote ?? (/\bwith\b/.test(c.subject) ? ['"', '"'] : null);
          const subjectText = wantsQuote
            ? `${wantsQuote[0]}${c.subject}${wantsQuote[1]}`
            : c.subject;
          const whoText =
            c.and && c.who.length > 1
              ? `${c.who.slice(0, -1).join(', ')} and ${c.who[c.who.length - 1]}`
              : c.who.join(', ');
          const instant = Math.floor(c.at.getTime() / 60_000) * 60_000 + c.ahead * 60_000;
          const when = whenFormats[c.format](wallOf(instant, c.timeZone));
          const text = [
            c.mention ? '<at>Interactions</at>' : '',
            c.verb,
            subjectText,
            'with',
            whoText,
            when,
            c.duration.text ? `for ${c.duration.text}` : '',
          ]
            .filter((part) => part !== '')
            .join(' ');
          const result = parseCommand(text, { now: c.at, timeZone: c.timeZone });
          expect({ text, result }).toEqual({
            text,
            result: {
              kind: 'schedule',
              subject: c.subject,
              who: c.who,
              start: new Date(firstOccurrence(instant, c.timeZone)),
              end: new Date(firstOccurrence(instant, c.timeZone) + c.duration.minutes * 60_000),
              durationMinutes: c.duration.minutes,
              timeZone: c.timeZone,
            },
          });
        },
      ),
      { numRuns },
    );
  });
});
