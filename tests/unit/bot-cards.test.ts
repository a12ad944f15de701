import {
  CARD_BYTES_MAX,
  type Card,
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
import {
  actionsOf,
  choices,
  draft,
  edit,
  longId,
  meeting as sampleMeeting,
  mri,
  nasty,
  plain,
  worstDraft,
} from '../helpers/card-fixtures';

const meeting: MeetingView = { ...sampleMeeting, refreshUserIds: ['29:1abc'] };
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
