import {
  contactChoiceCard,
  createContactCard,
  draftEditCard,
  previewCard,
} from '../../bot/src/cards';
import {
  actionsOf,
  byTitle,
  choices,
  draft,
  edit,
  plain,
  scheduleInputsLike,
  titles,
  worstDraft,
} from '../helpers/card-fixtures';

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
    const texts = (previewCard(worstDraft(plain, 'd-1')).body as { text?: string }[]).map(
      (b) => b.text,
    );
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
        ...scheduleInputsLike('2025-12-03', '15:00', 45),
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
