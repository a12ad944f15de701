import {
  type Card,
  draftEditCard,
  meetingCard,
  meetingListCard,
  noticeCard,
  previewCard,
} from '../../bot/src/cards';
import { clip, shown } from '../../bot/src/cards/text';
import { validateCard } from '../../bot/src/cards/validate';

/** The patterns adaptivecards 3.0.6 (lib/text-formatters.js) formats as dates and times. */
const DATE_FUNCTION = /\{{2}(DATE|TIME)\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[-+]\d{2}:\d{2})/;
/** An inline link, a full or collapsed reference, or a reference definition. */
const LINK = /\]\(|\]\[|\]:/;

const draft = {
  draftId: 'd-1',
  subject: 'Renewal call',
  when: 'Tue 3 Dec 2025, 15:00',
  duration: '45 minutes',
  attendees: [{ name: 'Jane Smith', email: 'jane@acme.example' }],
  client: 'Acme',
  timeZone: 'Europe/London',
};
const meeting = {
  meetingId: 'm-1',
  version: 3,
  code: '3F9A2C',
  subject: 'Renewal call',
  when: 'Tue 3 Dec 2025, 15:00',
  contact: null,
  client: null,
  state: 'scheduled' as const,
  stateLine: 'Scheduled',
  stateTone: 'default' as const,
  joinUrl: null,
  interactionUrl: 'https://teams.microsoft.com/l/entity/app/i',
  transcriptReady: false,
  recordingReady: false,
  canReschedule: true,
  canCancel: true,
  refreshUserIds: [],
};
const edit = { date: '2025-12-03', time: '15:00', durationMinutes: 45 };

/** Text the client renders: TextBlock text and fact values. */
function shownTexts(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => shownTexts(n, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(o.text);
    if ('title' in o && typeof o.value === 'string' && !('type' in o)) out.push(o.value);
    Object.values(o).forEach((v) => shownTexts(v, out));
  }
  return out;
}
const visible = (s: string) => s.replace(/\u200B/g, '');
const cardsShowing = (text: string): Card[] => [
  previewCard({ ...draft, subject: text, client: text, attendees: [{ name: text, email: 'a@b' }] }),
  draftEditCard({ ...draft, ...edit, subject: text, error: text }),
  meetingCard({ ...meeting, subject: text, contact: text, error: text }),
  meetingListCard({
    title: 'T',
    rows: [{ n: 1, code: 'C', subject: text, when: 'w', stateLine: text }],
    empty: '',
  }),
  noticeCard(text),
];

describe('user text on cards', () => {
  const secret = { subject: '${$root.secret} ${meetingId} {{DATE(2017-02-14T06:08:39Z, SHORT)}}' };

  it('is shown literally, never evaluated as a template expression', () => {
    for (const card of cardsShowing(secret.subject)) {
      const texts = shownTexts(card).map(visible);
      expect(texts.some((t) => t.includes(secret.subject))).toBe(true);
      expect(JSON.stringify(card)).not.toContain('"m-1 ');
    }
  });

  it('cannot become a client-side date or time function', () => {
    const texts = cardsShowing(secret.subject).flatMap((c) => shownTexts(c));
    expect(texts.some((t) => t.includes('DATE('))).toBe(true);
    for (const t of texts) expect(t).not.toMatch(DATE_FUNCTION);
    expect(shown('{{{TIME(2017-02-14T06:08:39Z)}}}')).not.toMatch(DATE_FUNCTION);
  });

  it('cannot become a link that hides where it goes', () => {
    const text = 'Pay [here](https://evil.example) or [there][1] [1]: https://evil.example';
    for (const card of cardsShowing(text)) {
      const texts = shownTexts(card).filter((t) => visible(t).includes('[here]'));
      expect(texts.some((t) => visible(t).includes(text))).toBe(true);
      for (const t of texts) expect(t).not.toMatch(LINK);
    }
  });

  it('stays one line without list, heading or quote markers and direction overrides', () => {
    expect(shown('1. First\n\n- second\r\n# third')).toBe('\u200B1. First - second # third');
    expect(shown('> quoted')).toBe('\u200B> quoted');
    expect(shown('invoice\u202Egpj.exe\u0007')).toBe('invoicegpj.exe');
    expect(shown('**Urgent** review')).toBe('**Urgent** review');
    expect(shown('1.5 hours')).toBe('1.5 hours');
    expect(shown(null)).toBe('');
  });

  it('is clipped with an ellipsis, never splitting a surrogate pair', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('ab😀def', 4)).toBe('ab…');
    expect(clip('abc', 3)).toBe('abc');
    expect(shown('x'.repeat(300)).length).toBe(255);
  });

  it('goes back unchanged into the edit form, where it is a plain input value', () => {
    const subject = 'Review [draft](v2) {{DATE(2017-02-14T06:08:39Z)}} ${x}';
    const card = draftEditCard({ ...draft, ...edit, subject });
    const input = (card.body as { id?: string; value?: unknown }[]).find((b) => b.id === 'subject');
    expect(input?.value).toBe(subject);
  });
});

describe('validateCard', () => {
  const card = (body: unknown[], more: object = {}) => ({
    type: 'AdaptiveCard',
    version: '1.5',
    body,
    ...more,
  });

  it('accepts a plain 1.5 card', () => {
    expect(validateCard(card([{ type: 'TextBlock', text: 'Hi', style: 'heading' }]))).toEqual([]);
  });

  it.each([
    ['an unknown element', card([{ type: 'Fancy' }]), /Unknown element type "Fancy"/],
    [
      'a 1.6-only element',
      card([{ type: 'Carousel', pages: [] }]),
      /Unknown element type "Carousel"/,
    ],
    [
      'a 1.6-only property',
      card([{ type: 'Input.Text', id: 'a', label: 'A', labelPosition: 'inline' }]),
      /"labelPosition" is supported in version 1.6/,
    ],
    ['version 1.6', { ...card([]), version: '1.6' }, /above 1\.5/],
    ['a missing version', { type: 'AdaptiveCard', body: [] }, /version undefined/],
    ['another card type', { ...card([]), type: 'HeroCard' }, /Card type is "HeroCard"/],
    [
      'an unknown action',
      card([], { actions: [{ type: 'Action.Fancy', title: 'x' }] }),
      /Unknown action/,
    ],
    [
      'a link without url',
      card([], { actions: [{ type: 'Action.OpenUrl', title: 'x' }] }),
      /"url" must be set/,
    ],
    [
      'a bad colour',
      card([{ type: 'TextBlock', text: 'x', color: 'purple' }]),
      /Invalid value "purple"/,
    ],
    [
      'duplicate input ids',
      card([
        { type: 'Input.Text', id: 'a' },
        { type: 'Input.Text', id: 'a' },
      ]),
      /Duplicate Id/,
    ],
  ])('rejects %s', (_name, json, message) => {
    expect(validateCard(json)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  it('rejects something that is not a card at all', () => {
    expect(validateCard(null)).toEqual(['Card is not an object.']);
  });
});
