import {
  CARD_BYTES_MAX,
  type Card,
  type DraftView,
  type MeetingView,
  VERBS,
  attachment,
  cancelConfirmCard,
  cardBytes,
  contactChoiceCard,
  createContactCard,
  draftEditCard,
  meetingCard,
  meetingListCard,
  noticeCard,
  previewCard,
  rescheduleCard,
} from '../../bot/src/cards';
import { validateCard } from '../../bot/src/cards/validate';

type Action = Record<string, unknown> & { type: string; title: string };

/** Every action in `actions` arrays (card level and ActionSets), fallbacks not included. */
function actionsOf(node: unknown, found: Action[] = []): Action[] {
  if (Array.isArray(node)) node.forEach((n) => actionsOf(n, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'actions' && Array.isArray(value)) found.push(...(value as Action[]));
      if (key !== 'fallback') actionsOf(value, found);
    }
  }
  return found;
}

/** Long plain text, and text that JSON-escapes to double length and is full of markdown. */
const plain = (n: number) => 'Quarterly business review '.repeat(Math.ceil(n / 26)).slice(0, n);
const nasty = (n: number) => '"\\](x)[y]:{{'.repeat(Math.ceil(n / 12)).slice(0, n);
const longId = 'a'.repeat(100);
const mri = (i: number) => `29:1${String(i).padStart(4, '0')}${'Q'.repeat(91)}`;

const draft: DraftView = {
  draftId: 'd-1',
  subject: 'Renewal call',
  when: 'Tue 3 Dec 2025, 15:00',
  duration: '45 minutes',
  attendees: [
    { name: 'Jane Smith', email: 'jane@acme.example' },
    { name: null, email: 'bob@acme.example' },
  ],
  client: 'Acme',
  timeZone: 'Europe/London',
  notice: 'Times are shown in Europe/London.',
};
const worstDraft = (t: (n: number) => string): DraftView => ({
  draftId: longId,
  subject: t(255),
  when: t(255),
  duration: t(255),
  attendees: Array.from({ length: 500 }, (_, i) => ({
    name: i % 2 ? null : t(255),
    email: `${i}${t(250)}`,
  })),
  client: t(255),
  timeZone: t(255),
  notice: t(1000),
});
const edit = (v: DraftView, error?: string) => ({
  ...v,
  ...{ date: '2025-12-03', time: '15:00', durationMinutes: 45, error },
});
const choices = (n: number, t: (n: number) => string) =>
  Array.from({ length: n }, (_, i) => ({
    contactId: `c-${i}`,
    name: i ? t(255) : 'John Smith',
    email: t(254),
    client: i % 2 ? null : t(255),
  }));

const meeting: MeetingView = {
  meetingId: 'm-1',
  version: 3,
  code: '3F9A2C',
  subject: 'Renewal call',
  when: 'Tue 3 Dec 2025, 15:00–15:45',
  contact: 'Jane Smith',
  client: 'Acme',
  state: 'scheduled',
  stateLine: 'Scheduled',
  stateTone: 'default',
  joinUrl: 'https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0',
  interactionUrl: 'https://teams.microsoft.com/l/entity/app/interactions?context=%7B%7D',
  transcriptReady: false,
  recordingReady: false,
  canReschedule: true,
  canCancel: true,
  refreshUserIds: ['29:1abc'],
  updatedNote: 'Updated 15:02',
};
const worstMeeting = (t: (n: number) => string): MeetingView => ({
  ...meeting,
  ...{ meetingId: longId, version: 2 ** 31, code: t(255), subject: t(255), when: t(255) },
  ...{ contact: t(255), client: t(255), state: 'completed', stateLine: t(1000) },
  joinUrl: `https://teams.microsoft.com/l/meetup-join/${'x'.repeat(1000)}`,
  interactionUrl: `https://teams.microsoft.com/l/entity/${'y'.repeat(1000)}`,
  ...{ transcriptReady: true, recordingReady: true, updatedNote: t(255), error: t(1000) },
  refreshUserIds: Array.from({ length: 500 }, (_, i) => mri(i)),
});
const reschedule = (v: MeetingView) => ({
  ...v,
  ...{ date: '2025-12-04', time: '09:30', durationMinutes: 30 },
});
const rows = (n: number, t: (n: number) => string) =>
  Array.from({ length: n }, (_, i) => ({
    ...{ n: i + 1, code: t(255), subject: t(255), when: t(255), stateLine: t(255) },
  }));
const list = (n: number, t: (n: number) => string = plain) => ({
  title: 'Upcoming and recent meetings',
  rows: rows(n, t),
  empty: 'No meetings in the last 30 days or the next 30.',
});

const renders: [string, (t: (n: number) => string) => Card][] = [
  ['preview', (t) => previewCard(worstDraft(t))],
  ['draft edit', (t) => draftEditCard(edit(worstDraft(t), t(1000)))],
  [
    'contact choice',
    (t) => contactChoiceCard({ draftId: longId, who: 499, query: t(255), choices: choices(30, t) }),
  ],
  [
    'create contact',
    (t) =>
      createContactCard({
        draftId: longId,
        who: 1,
        email: t(254),
        client: t(255),
        clientIsNew: true,
      }),
  ],
  ['meeting', (t) => meetingCard(worstMeeting(t))],
  ['reschedule', (t) => rescheduleCard(reschedule(worstMeeting(t)))],
  ['cancel confirm', (t) => cancelConfirmCard(worstMeeting(t))],
  ['meeting list', (t) => meetingListCard({ ...list(40, t), title: t(255), empty: t(1000) })],
  ['notice', (t) => noticeCard(t(1000), 'attention')],
];
const typical: [string, Card][] = [
  ['preview', previewCard(draft)],
  ['draft edit', draftEditCard(edit(draft, 'The date is in the past.'))],
  [
    'contact choice',
    contactChoiceCard({ draftId: 'd-1', who: 0, query: 'John', choices: choices(2, plain) }),
  ],
  [
    'create contact',
    createContactCard({
      draftId: 'd-1',
      who: 1,
      email: 'n@globex.example',
      client: 'Globex',
      clientIsNew: false,
    }),
  ],
  ['meeting', meetingCard(meeting)],
  ['reschedule', rescheduleCard(reschedule(meeting))],
  ['cancel confirm', cancelConfirmCard(meeting)],
  ['meeting list', meetingListCard(list(3))],
  ['empty meeting list', meetingListCard(list(0))],
  ['notice', noticeCard('Discarded.')],
];
const all: [string, Card][] = [
  ...typical,
  ...renders.map(([name, render]): [string, Card] => [`worst ${name} (long)`, render(plain)]),
  ...renders.map(([name, render]): [string, Card] => [`worst ${name} (escaped)`, render(nasty)]),
];

describe.each(all)('the %s card', (_name, card) => {
  it('is a valid Adaptive Card 1.5 that fits one Teams message', () => {
    expect(validateCard(card)).toEqual([]);
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(card.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
    expect(cardBytes(card)).toBeLessThan(CARD_BYTES_MAX);
  });

  it('binds every template field', () => {
    expect(JSON.stringify(card)).not.toContain('${');
  });

  it('makes every button an Action.Execute with an Action.Submit fallback carrying verb', () => {
    for (const a of actionsOf(card).filter((x) => x.type !== 'Action.OpenUrl')) {
      expect(a).toMatchObject({ type: 'Action.Execute', verb: expect.any(String) });
      expect(Object.values(VERBS)).toContain(a.verb);
      expect(a.fallback).toEqual({
        type: 'Action.Submit',
        title: a.title,
        data: { ...(a.data as object), verb: a.verb },
        associatedInputs: a.associatedInputs,
      });
      expect(a.style).toBeUndefined();
    }
  });
});

it('wraps a card as a Bot Framework attachment', () => {
  const card = noticeCard('Discarded.');
  expect(attachment(card)).toEqual({
    contentType: 'application/vnd.microsoft.card.adaptive',
    content: card,
  });
});

it('renders each card afresh, so changing one leaves the next intact', () => {
  const first = noticeCard('one');
  (first.body as Record<string, unknown>[])[0].text = 'changed';
  expect(noticeCard('two').body).toEqual([expect.objectContaining({ text: 'two' })]);
});
