import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Service } from '../../api/src/main';
import { actionsOf, cardOf, CONTOSO, TeamsChat, textOf } from '../helpers/bot';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { startServiceOnSandbox } from '../helpers/service';
import { until } from '../helpers/wait';

const FABRIKAM = '2c4e6a8b-0d1f-4a3b-8c5d-7e9f1a3b5c7d';
const FABRIKAM_STAFF = '2c4e6f8a-0b2d-4c4e-9a6b-8d0f2c4e6a8b';

describe('bot: commands, questions and bad input in chat', () => {
  let sb: TestSandbox;
  let dir: string;
  let service: Service;

  beforeAll(async () => {
    sb = await startTestSandbox();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-bot-cmd-'));
    ({ service } = await startServiceOnSandbox(sb, dir, { WORKER_POLL_MS: '50' }));
  });

  afterAll(async () => {
    await service?.stop();
    await sb?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

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
    const chat = new TeamsChat(sb, service);
    await chat.say(`schedule ${'x'.repeat(5000)}`);
    expect(await lastText(chat)).toMatch(/too long/i);
    await chat.say('schedule Review with jane@acme.example whenever suits');
    expect(await lastText(chat, 1)).toMatch(/schedule .* with .*(tomorrow|am|pm)/i);
    await chat.say('schedule Review with jane@acme.example yesterday 3pm');
    expect(await lastText(chat, 2)).toMatch(/already passed/i);
    await chat.say('schedule Review with jane@acme.example tomorrow 3pm for 25 hours');
    expect(await lastText(chat, 3)).toMatch(/24 hours|duration/i);
    expect(await service.repositories.meetingDrafts.count(CONTOSO)).toBe(0);
  });

  it('says so for a contact nobody knows, and offers to add an unknown email under its company', async () => {
    const chat = new TeamsChat(sb, service);
    await chat.say('schedule Intro with Zebulon Quixote tomorrow 3pm');
    expect(await lastText(chat)).toMatch(/couldn't find .*Zebulon Quixote/);
    await chat.say('schedule Intro with new.person@acme.example tomorrow 4pm');
    const offer = await chat.lastCard();
    expect(textOf(cardOf(offer.current))).toMatch(/new\.person@acme\.example.*Acme Corporation/s);
    const add = actionsOf(cardOf(offer.current)).find((a) => a.verb === 'draft.createContact');
    const res = await chat.click(offer.id, 'draft.createContact', add?.data ?? {});
    const preview = (res.body as { value: unknown }).value;
    expect(actionsOf(preview).map((a) => a.verb)).toContain('draft.create');
    const contact = await service.repositories.contacts.findByEmail(
      CONTOSO,
      'new.person@acme.example',
    );
    expect(contact?.name).toBe('New Person');
  });

  it('asks which contact when a client has several, then previews with the one chosen', async () => {
    const chat = new TeamsChat(sb, service);
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
    const chat = new TeamsChat(sb, service);
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
    const moved = await service.repositories.onlineMeetings.get(CONTOSO, {
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

  it("refuses a card action on another tenant's meeting, on a cancelled meeting and with an unknown verb, showing the current card", async () => {
    const chat = new TeamsChat(sb, service);
    const m = await scheduled(chat, 'Gamma sync', 'tomorrow 2pm');
    const other = new TeamsChat(sb, service, FABRIKAM_STAFF, FABRIKAM);
    await other.say('help');
    await other.texts();
    const stolen = await other.click(m.activityId, 'meeting.cancelConfirm', {
      meetingId: m.meetingId,
      v: 0,
    });
    expect(textOf((stolen.body as { value: unknown }).value)).toMatch(/not available/);
    const stillThere = await service.repositories.onlineMeetings.get(CONTOSO, {
      meetingId: m.meetingId,
    });
    expect(stillThere?.state).toBe('scheduled');

    const cancel = await chat.click(m.activityId, 'meeting.cancelConfirm', {
      meetingId: m.meetingId,
      v: 0,
    });
    expect(textOf((cancel.body as { value: unknown }).value)).toMatch(/Cancelled/);
    const again = await chat.click(m.activityId, 'meeting.rescheduleSubmit', {
      meetingId: m.meetingId,
      v: 0,
      date: '2030-01-01',
      time: '10:00',
      durationMinutes: 30,
    });
    const refused = textOf((again.body as { value: unknown }).value);
    expect(refused).toMatch(/Cancelled/);
    expect(refused).toMatch(/Only a scheduled meeting can be moved/);
    const odd = await chat.click(m.activityId, 'meeting.explode', { meetingId: m.meetingId, v: 0 });
    expect(textOf((odd.body as { value: unknown }).value)).toMatch(/no longer supported/);
  });

  it('answers a suspended organization with one sentence and remembers nothing of the chat', async () => {
    await service.repositories.tenants.update(FABRIKAM, { status: 'suspended' });
    try {
      const chat = new TeamsChat(sb, service, FABRIKAM_STAFF, FABRIKAM);
      await chat.say('meetings');
      const texts = await until(
        () => chat.texts(),
        (t) => t.length > 0,
      );
      expect(texts).toEqual([expect.stringMatching(/isn't set up for your organization/)]);
      const refs = await service.repositories.conversationRefs.get(FABRIKAM, {
        conversationId: chat.conversationId ?? '',
      });
      expect(refs).toBeNull();
    } finally {
      await service.repositories.tenants.update(FABRIKAM, { status: 'active' });
    }
  });

  it('does not turn a flood of messages from one chat into a flood of Graph calls', async () => {
    const chat = new TeamsChat(sb, service);
    await chat.say('help');
    const before = ((await sb.control('GET', '/_sandbox/requests')) as { lastSeq: number }).lastSeq;
    await Promise.all(Array.from({ length: 20 }, (_, i) => chat.say(`cancel ${i + 1}`)));
    const texts = await chat.texts();
    expect(texts.filter((t) => /faster than I can/.test(t)).length).toBeGreaterThanOrEqual(10);
    const after = (await sb.control('GET', `/_sandbox/requests?since=${before}`)) as {
      requests: { path: string }[];
    };
    expect(after.requests.filter((r) => r.path.startsWith('/v1.0/')).length).toBeLessThanOrEqual(5);
  });
});
