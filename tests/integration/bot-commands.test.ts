import { actionsOf, cardOf, CONTOSO, TeamsChat, textOf, botWorld } from '../helpers/bot';
import { until } from '../helpers/wait';

const FABRIKAM = '2c4e6a8b-0d1f-4a3b-8c5d-7e9f1a3b5c7d';
const FABRIKAM_STAFF = '2c4e6f8a-0b2d-4c4e-9a6b-8d0f2c4e6a8b';
const LEE = '7e9a1c3e-5f7b-4d9f-8c2e-4a6b8c0d2e4f';
type Json = Record<string, unknown>;

describe('bot: commands, questions and bad input in chat', () => {
  const w = botWorld({ WORKER_POLL_MS: '50' });

  async function lastText(chat: TeamsChat, before = 0): Promise<string> {
    const texts = await until(
      () => chat.texts(),
      (t) => t.length > before,
    );
    return texts[texts.length - 1];
  }

  /** Schedules through preview and Create; returns the card's activity id and meeting id. */
  async function scheduled(chat: TeamsChat, subject: string, when = 'tomorrow 3pm') {
    await chat.say(`schedule ${subject} with jane@acme.example ${when} for 30 min`);
    const preview = await until(
      async () => (await chat.fromBot()).filter((a) => textOf(cardOf(a.current)).includes(subject)),
      (list) => list.length > 0,
    );
    const create = actionsOf(cardOf(preview[0].current)).find((a) => a.verb === 'draft.create');
    const res = await chat.click(preview[0].id, 'draft.create', create?.data ?? {});
    const card = (res.body as { value: unknown }).value;
    const meetingId = actionsOf(card).find((a) => a.verb === 'meeting.refresh')?.data
      .meetingId as string;
    return { activityId: preview[0].id, meetingId, card };
  }

  it('refuses an over-long message, an unparseable time, a past time and a bad duration, each with a way forward', async () => {
    const chat = new TeamsChat(w.sb, w.service);
    await chat.say(`schedule ${'x'.repeat(5000)}`);
    expect(await lastText(chat)).toMatch(/too long/i);
    await chat.say('schedule Review with jane@acme.example whenever suits');
    expect(await lastText(chat, 1)).toMatch(/schedule .* with .*(tomorrow|am|pm)/i);
    await chat.say('schedule Review with jane@acme.example yesterday 3pm');
    expect(await lastText(chat, 2)).toMatch(/already passed/i);
    await chat.say('schedule Review with jane@acme.example tomorrow 3pm for 25 hours');
    expect(await lastText(chat, 3)).toMatch(/24 hours|duration/i);
    expect(await w.service.repositories.meetingDrafts.count(CONTOSO)).toBe(0);
  });

  it('says so for a contact nobody knows, and offers to add an unknown email under its company', async () => {
    const chat = new TeamsChat(w.sb, w.service);
    await chat.say('schedule Intro with Zebulon Quixote tomorrow 3pm');
    expect(await lastText(chat)).toMatch(/couldn't find .*Zebulon Quixote/);
    await chat.say('schedule Intro with new.person@acme.example tomorrow 4pm');
    const offer = await chat.lastCard();
    expect(textOf(cardOf(offer.current))).toMatch(/new\.person@acme\.example.*Acme Corporation/s);
    const add = actionsOf(cardOf(offer.current)).find((a) => a.verb === 'draft.createContact');
    const res = await chat.click(offer.id, 'draft.createContact', add?.data ?? {});
    const preview = (res.body as { value: unknown }).value;
    expect(actionsOf(preview).map((a) => a.verb)).toContain('draft.create');
    const contact = await w.service.repositories.contacts.findByEmail(
      CONTOSO,
      'new.person@acme.example',
    );
    expect(contact?.name).toBe('New Person');
  });

  it('asks which contact when a client has several, then previews with the one chosen', async () => {
    const chat = new TeamsChat(w.sb, w.service);
    await chat.say('schedule Pricing with Acme Corporation tomorrow 11am');
    const choice = await chat.lastCard();
    const options = actionsOf(cardOf(choice.current)).filter(
      (a) => a.verb === 'draft.chooseContact',
    );
    expect(options.length).toBeGreaterThanOrEqual(2);
    const john = options.find((o) => /John/.test(o.title ?? ''));
    expect(john).toBeDefined();
    const res = await chat.click(choice.id, 'draft.chooseContact', john?.data ?? {});
    expect(textOf((res.body as { value: unknown }).value)).toContain('John Smith');
  });

  it('lists meetings with numbers, moves one by its code and cancels one by its number', async () => {
    const chat = new TeamsChat(w.sb, w.service);
    const a = await scheduled(chat, 'Alpha sync', 'tomorrow 9am');
    await scheduled(chat, 'Beta sync', 'tomorrow 10am');
    await chat.say('meetings');
    const list = await until(
      async () =>
        (await chat.fromBot()).filter((x) => textOf(cardOf(x.current)).includes('Upcoming')),
      (l) => l.length > 0,
    );
    const listed = textOf(cardOf(list[0].current));
    expect(listed.indexOf('Alpha sync')).toBeLessThan(listed.indexOf('Beta sync'));
    const code = a.meetingId.replace(/-/g, '').slice(0, 6).toUpperCase();
    expect(listed).toContain(code);
    const before = (await chat.texts()).length;
    await chat.say(`reschedule ${code} tomorrow 1pm`);
    expect(await lastText(chat, before)).toMatch(/Moved "Alpha sync" to .*13:00/);
    const moved = await w.service.repositories.onlineMeetings.get(CONTOSO, {
      meetingId: a.meetingId,
    });
    expect(moved?.endAt.getTime()).toBe((moved?.startAt.getTime() ?? 0) + 30 * 60_000);
    await chat.say('cancel 2');
    expect(await lastText(chat, before + 1)).toMatch(/Cancelled "Beta sync"/);
    await chat.say('cancel 7');
    expect(await lastText(chat, before + 2)).toMatch(/no meeting 7/);
    await chat.say('refresh ABCDEF');
    expect(await lastText(chat, before + 3)).toMatch(/no meeting with the code ABCDEF/);
  });

  it("refuses a card action on another tenant's meeting, from a colleague, from an out-of-date card, on a cancelled meeting and with an unknown verb, showing the current card", async () => {
    const chat = new TeamsChat(w.sb, w.service);
    const m = await scheduled(chat, 'Gamma sync', 'tomorrow 2pm');
    const v = actionsOf(m.card).find((a) => a.verb === 'meeting.cancel')?.data.v as number;
    const press = (who: TeamsChat, verb: string, extra: Json = {}) =>
      who
        .click(m.activityId, verb, { meetingId: m.meetingId, v, ...extra })
        .then((r) => textOf((r.body as { value: unknown }).value));

    const other = new TeamsChat(w.sb, w.service, FABRIKAM_STAFF, FABRIKAM);
    expect(await press(other, 'meeting.cancelConfirm')).toMatch(/not available/);
    // A colleague who never saw the card (another chat) cannot even see it.
    const colleague = new TeamsChat(w.sb, w.service, LEE);
    expect(await press(colleague, 'meeting.cancelConfirm')).toMatch(/not available/);
    // One in the same chat sees it but cannot change it.
    const colleagueHere = new TeamsChat(w.sb, w.service, LEE);
    colleagueHere.conversationId = chat.conversationId;
    expect(await press(colleagueHere, 'meeting.cancelConfirm')).toMatch(
      /Only the person who scheduled this meeting can change it/,
    );
    expect(await press(chat, 'meeting.cancelConfirm', { v: v - 1 })).toMatch(
      /changed since this card/,
    );
    const state = async () =>
      (await w.service.repositories.onlineMeetings.get(CONTOSO, { meetingId: m.meetingId }))?.state;
    expect(await state()).toBe('scheduled');

    expect(await press(chat, 'meeting.cancelConfirm')).toMatch(/Cancelled/);
    const current = await w.service.repositories.onlineMeetings.get(CONTOSO, {
      meetingId: m.meetingId,
    });
    const refused = await press(chat, 'meeting.rescheduleSubmit', {
      v: current?.version,
      date: '2030-01-01',
      time: '10:00',
      durationMinutes: 30,
    });
    expect(refused).toMatch(/Cancelled/);
    expect(refused).toMatch(/Only a scheduled meeting can be moved/);
    expect(await press(chat, 'meeting.explode')).toMatch(/no longer supported/);
  });

  it("a colleague cannot cancel someone else's meeting by its code", async () => {
    const chat = new TeamsChat(w.sb, w.service);
    const m = await scheduled(chat, 'Delta sync', 'tomorrow 4pm');
    const colleague = new TeamsChat(w.sb, w.service, LEE);
    await colleague.say(`cancel ${m.meetingId.slice(0, 6)}`);
    expect(await lastText(colleague)).toMatch(/no meeting with the code/);
    const here = new TeamsChat(w.sb, w.service, LEE);
    here.conversationId = chat.conversationId;
    const before = (await here.texts()).length;
    await here.say(`cancel ${m.meetingId.slice(0, 6)}`);
    expect(await lastText(here, before)).toMatch(/Only the person who scheduled/);
    const row = await w.service.repositories.onlineMeetings.get(CONTOSO, {
      meetingId: m.meetingId,
    });
    expect(row?.state).toBe('scheduled');
  });

  it('answers a suspended organization with one sentence and remembers nothing of the chat', async () => {
    await w.service.repositories.tenants.update(FABRIKAM, { status: 'suspended' });
    try {
      const chat = new TeamsChat(w.sb, w.service, FABRIKAM_STAFF, FABRIKAM);
      await chat.say('meetings');
      const texts = await until(
        () => chat.texts(),
        (t) => t.length > 0,
      );
      expect(texts).toEqual([expect.stringMatching(/isn't set up for your organization/)]);
      const refs = await w.service.repositories.conversationRefs.get(FABRIKAM, {
        conversationId: chat.conversationId ?? '',
      });
      expect(refs).toBeNull();
    } finally {
      await w.service.repositories.tenants.update(FABRIKAM, { status: 'active' });
    }
  });

  it('does not turn a flood of messages from one chat into a flood of Graph calls, and says so once', async () => {
    for (let i = 0; i < 8; i++) {
      await scheduled(new TeamsChat(w.sb, w.service), `Flood ${i}`, `tomorrow ${i + 1}pm`);
    }
    const chat = new TeamsChat(w.sb, w.service);
    await chat.say('meetings');
    const before = ((await w.sb.control('GET', '/_sandbox/requests')) as { lastSeq: number })
      .lastSeq;
    const texts = (await chat.texts()).length;
    await Promise.all(Array.from({ length: 8 }, (_, i) => chat.say(`cancel ${i + 1}`)));
    const after = (await w.sb.control('GET', `/_sandbox/requests?since=${before}`)) as {
      requests: { method: string; path: string }[];
    };
    const deletes = after.requests.filter(
      (r) => r.method === 'DELETE' && r.path.startsWith('/v1.0/'),
    );
    expect(deletes.length).toBeGreaterThan(0);
    expect(deletes.length).toBeLessThanOrEqual(5);
    const said = (await chat.texts()).slice(texts);
    expect(said.filter((t) => /faster than I can/.test(t))).toHaveLength(1);
  });
});
