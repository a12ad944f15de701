import {
  type Card,
  type DraftView,
  contactChoiceCard,
  createContactCard,
  draftEditCard,
  previewCard,
} from '../../bot/src/cards';

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
const titles = (card: Card) => actionsOf(card).map((a) => a.title);
const byTitle = (card: Card, title: string) => {
  const action = actionsOf(card).find((a) => a.title === title);
  if (!action) throw new Error(`no action "${title}" in ${titles(card).join(', ')}`);
  return action;
};

const plain = (n: number) => 'Quarterly business review '.repeat(Math.ceil(n / 26)).slice(0, n);

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
  draftId: 'd-1',
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

describe('draft cards', () => {
  it('previews with Create / Edit / Discard on the draft', () => {
    const card = previewCard(draft);
    expect(titles(card)).toEqual(['Create', 'Edit', 'Discard']);
    expect(byTitle(card, 'Create')).toMatchObject({
      verb: 'draft.create',
      data: { draftId: 'd-1' },
    });
    expect(byTitle(card, 'Edit')).toMatchObject({ verb: 'draft.edit', data: { draftId: 'd-1' } });
    expect(byTitle(card, 'Discard')).toMatchObject({
      verb: 'draft.discard',
      data: { draftId: 'd-1' },
    });
    expect(JSON.stringify(card)).toContain('Jane Smith (jane@acme.example)');
  });

  it('names eight attendees and counts the rest', () => {
    const texts = (previewCard(worstDraft(plain)).body as { text?: string }[]).map((b) => b.text);
    const first = texts.indexOf('Attendees (500)');
    expect(texts.indexOf('and 492 more') - first - 1).toBe(8);
    expect(texts[first + 1]).toMatch(/^Quarterly.*… \(0Quarterly/);
    expect(texts[first + 2]).toMatch(/^1Quarterly/);
  });

  it('edits with the right inputs, submits them with Update preview, and shows the error', () => {
    const card = draftEditCard(edit(draft, 'The date is in the past.'));
    const body = JSON.stringify(card.body);
    expect(body).toContain('The date is in the past.');
    expect(card.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'TextBlock',
          text: 'The date is in the past.',
          color: 'attention',
        }),
        expect.objectContaining({
          type: 'Input.Text',
          id: 'subject',
          value: 'Renewal call',
          maxLength: 255,
          isRequired: true,
        }),
        expect.objectContaining({ type: 'Input.Date', id: 'date', value: '2025-12-03' }),
        expect.objectContaining({ type: 'Input.Time', id: 'time', value: '15:00' }),
        expect.objectContaining({
          type: 'Input.Number',
          id: 'durationMinutes',
          value: 45,
          min: 5,
          max: 1440,
        }),
      ]),
    );
    expect(byTitle(card, 'Update preview')).toMatchObject({
      verb: 'draft.update',
      data: { draftId: 'd-1' },
      associatedInputs: 'auto',
    });
    expect(byTitle(card, 'Discard')).toMatchObject({
      verb: 'draft.discard',
      associatedInputs: 'none',
    });
    expect(JSON.stringify(draftEditCard(edit(draft)))).not.toContain('attention');
  });

  it('offers one button per choice, at most ten, carrying who and contactId', () => {
    const card = contactChoiceCard({
      draftId: 'd-1',
      who: 0,
      query: 'John',
      choices: choices(12, plain),
    });
    const chosen = actionsOf(card).filter((a) => a.verb === 'draft.chooseContact');
    expect(chosen).toHaveLength(10);
    expect(chosen[0]).toMatchObject({
      title: 'Choose John Smith',
      data: { draftId: 'd-1', who: 0, contactId: 'c-0' },
    });
    expect(chosen.map((a) => (a.data as { contactId: string }).contactId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `c-${i}`),
    );
    expect(byTitle(card, 'Discard')).toMatchObject({ verb: 'draft.discard' });
    expect(JSON.stringify(card.body)).toContain('Which John?');
  });

  it('asks before adding an unknown attendee as a contact, and says when the client is new', () => {
    const view = {
      draftId: 'd-1',
      who: 2,
      email: 'n@globex.example',
      client: 'Globex',
      clientIsNew: true,
    };
    const card = createContactCard(view);
    expect(JSON.stringify(card.body)).toContain('n@globex.example is not a contact yet.');
    expect(JSON.stringify(card.body)).toContain('Add them under Globex?');
    expect(JSON.stringify(card.body)).toContain('Globex is not a client yet');
    expect(JSON.stringify(createContactCard({ ...view, clientIsNew: false }))).not.toContain(
      'not a client yet',
    );
    expect(titles(card)).toEqual(['Add contact', 'Discard']);
    expect(byTitle(card, 'Add contact')).toMatchObject({
      verb: 'draft.createContact',
      data: { draftId: 'd-1', who: 2 },
    });
  });
});
