import type { Card, DraftView, MeetingView } from '../../bot/src/cards';

export type Action = Record<string, unknown> & { type: string; title: string };

/** Every action in `actions` arrays (card level and ActionSets), fallbacks not included. */
export function actionsOf(node: unknown, found: Action[] = []): Action[] {
  if (Array.isArray(node)) node.forEach((n) => actionsOf(n, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'actions' && Array.isArray(value)) found.push(...(value as Action[]));
      if (key !== 'fallback') actionsOf(value, found);
    }
  }
  return found;
}
export const titles = (card: Card) => actionsOf(card).map((a) => a.title);
export const byTitle = (card: Card, title: string) => {
  const action = actionsOf(card).find((a) => a.title === title);
  if (!action) throw new Error(`no action "${title}" in ${titles(card).join(', ')}`);
  return action;
};
/** The facts of every FactSet in the body, as title → value. */
export const facts = (card: Card) =>
  Object.fromEntries(
    (card.body as { type: string; facts?: { title: string; value: string }[] }[])
      .filter((b) => b.type === 'FactSet')
      .flatMap((b) => b.facts ?? [])
      .map((f) => [f.title, f.value]),
  );
export const body = (card: Card) => card.body as Record<string, unknown>[];

/** Long plain text, and text that JSON-escapes to double length and is full of markdown. */
export const plain = (n: number) =>
  'Quarterly business review '.repeat(Math.ceil(n / 26)).slice(0, n);
export const nasty = (n: number) => '"\\](x)[y]:{{'.repeat(Math.ceil(n / 12)).slice(0, n);
export const longId = 'a'.repeat(100);
export const mri = (i: number) => `29:1${String(i).padStart(4, '0')}${'Q'.repeat(91)}`;

export const draft: DraftView = {
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
/** A draft with every field at its longest, in text from `t`, and 500 attendees. */
export const worstDraft = (t: (n: number) => string, draftId = longId): DraftView => ({
  draftId,
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
export const edit = (v: DraftView, error?: string) => ({
  ...v,
  ...{ date: '2025-12-03', time: '15:00', durationMinutes: 45, error },
});
export const choices = (n: number, t: (n: number) => string) =>
  Array.from({ length: n }, (_, i) => ({
    contactId: `c-${i}`,
    name: i ? t(255) : 'John Smith',
    email: t(254),
    client: i % 2 ? null : t(255),
  }));

export const meeting: MeetingView = {
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
  refreshUserIds: ['29:1abc', '29:1def'],
  updatedNote: 'Updated 15:02',
};

/** Matchers for the date, start time and duration inputs of a (re)schedule form. */
export const scheduleInputsLike = (date: string, time: string, durationMinutes: number) => [
  expect.objectContaining({ type: 'Input.Date', id: 'date', value: date }),
  expect.objectContaining({ type: 'Input.Time', id: 'time', value: time }),
  expect.objectContaining({
    type: 'Input.Number',
    id: 'durationMinutes',
    value: durationMinutes,
    min: 5,
    max: 1440,
  }),
];
