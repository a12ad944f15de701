import {
  actionsOf,
  cardOf,
  CONTOSO,
  CONTOSO_STAFF,
  TeamsChat,
  textOf,
  botWorld,
} from '../helpers/bot';
import { until } from '../helpers/wait';

type Json = Record<string, unknown>;

/** The bot as Teams runs it: registered with the sandbox, which sends installs and meeting events. */
describe('bot: installed in Teams, meeting events and removal, driven by the sandbox', () => {
  const w = botWorld({ WORKER_POLL_MS: '50' });

  beforeAll(async () => {
    await w.sb.control('POST', '/_sandbox/bot/registration', {
      messagingEndpoint: `http://127.0.0.1:${w.service.port}/api/messages`,
      appId: w.botId,
    });
  });

  async function installInGroupChat(): Promise<TeamsChat> {
    const res = (await w.sb.control('POST', '/_sandbox/apps/install', {
      tenantId: CONTOSO,
      scope: 'groupChat',
      userOid: CONTOSO_STAFF,
    })) as { conversation: { id: string }; deliveries: { type: string; status: number }[] };
    expect(res.deliveries.map((d) => [d.type, d.status])).toEqual([
      ['installationUpdate', 200],
      ['conversationUpdate', 200],
    ]);
    const chat = new TeamsChat(w.sb, w.service);
    chat.conversationId = res.conversation.id;
    return chat;
  }

  async function createdMeeting(
    chat: TeamsChat,
    subject: string,
    userOid = CONTOSO_STAFF,
    when = 'tomorrow 3pm',
  ) {
    await chat.say(`schedule ${subject} with jane@acme.example ${when} for 45 min`);
    const preview = await until(
      async () => (await chat.fromBot()).find((a) => textOf(cardOf(a.current)).includes(subject)),
      (a) => Boolean(a),
    );
    const pressed = (await w.sb.control('POST', '/_sandbox/cards/execute', {
      conversationId: chat.conversationId,
      activityId: preview?.id,
      verb: 'draft.create',
      userOid,
    })) as { ok: boolean; durationMs: number; response: { value: Json } };
    expect(pressed.ok).toBe(true);
    const meetingId = String(
      actionsOf(pressed.response.value).find((a) => a.verb === 'meeting.refresh')?.data.meetingId,
    );
    return { activityId: String(preview?.id), meetingId };
  }

  it('greets once when installed, and remembers the chat for proactive cards', async () => {
    const chat = await installInGroupChat();
    const texts = await until(
      () => chat.texts(),
      (t) => t.length > 0,
    );
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/schedule/);
    const ref = await w.service.repositories.conversationRefs.get(CONTOSO, {
      conversationId: chat.conversationId ?? '',
    });
    expect(ref?.conversationType).toBe('groupChat');
  });

  it('Create pressed in Teams answers a proper invoke response in time; the sandbox starting and ending the meeting moves the same card', async () => {
    const chat = await installInGroupChat();
    const { activityId, meetingId } = await createdMeeting(
      chat,
      'Sandbox driven',
      CONTOSO_STAFF,
      'in 30 minutes',
    );
    const m = await w.service.repositories.onlineMeetings.get(CONTOSO, { meetingId });
    const ref = encodeURIComponent(m?.providerMeetingId ?? '');
    await w.sb.control('POST', '/_sandbox/apps/install', {
      tenantId: CONTOSO,
      scope: 'meeting',
      meeting: m?.providerMeetingId,
    });
    const started = (await w.sb.control('POST', `/_sandbox/meetings/${ref}/start`)) as {
      botDeliveries: { name: string; status: number }[];
    };
    expect(started.botDeliveries).toEqual([
      expect.objectContaining({ name: 'application/vnd.microsoft.meetingStart', status: 200 }),
    ]);
    const cardNow = async () => (await chat.fromBot()).find((a) => a.id === activityId);
    await until(cardNow, (a) => Boolean(a && textOf(cardOf(a.current)).includes('In progress')));
    await w.sb.control('POST', `/_sandbox/meetings/${ref}/end`, {
      recorded: false,
      transcribed: false,
    });
    const ended = await until(cardNow, (a) =>
      Boolean(a && /Ended/.test(textOf(cardOf(a.current)))),
    );
    // The same message was updated; the bot posted no new one for these changes.
    const cards = (await chat.fromBot()).filter((a) => cardOf(a.current));
    expect(cards.map((c) => c.id)).toEqual([activityId]);
    expect(ended?.versions.filter((v) => v.op === 'update').length).toBeGreaterThanOrEqual(3);
    expect((await w.service.repositories.onlineMeetings.get(CONTOSO, { meetingId }))?.state).toBe(
      'ended',
    );
  });

  it('cancels from the card in Teams (confirm, then Cancelled)', async () => {
    const chat = await installInGroupChat();
    const { activityId, meetingId } = await createdMeeting(chat, 'Cancel me');
    await until(
      async () => (await chat.fromBot()).find((a) => a.id === activityId),
      (a) => Boolean(a && actionsOf(cardOf(a.current)).some((x) => x.verb === 'meeting.cancel')),
    );
    const ask = (await w.sb.control('POST', '/_sandbox/cards/execute', {
      conversationId: chat.conversationId,
      activityId,
      verb: 'meeting.cancel',
      userOid: CONTOSO_STAFF,
    })) as { ok: boolean };
    expect(ask.ok).toBe(true);
    const done = (await w.sb.control('POST', '/_sandbox/cards/execute', {
      conversationId: chat.conversationId,
      activityId,
      verb: 'meeting.cancelConfirm',
      userOid: CONTOSO_STAFF,
    })) as { ok: boolean; response: { value: Json } };
    expect(done.ok).toBe(true);
    expect(textOf(done.response.value)).toMatch(/Cancelled/);
    expect((await w.service.repositories.onlineMeetings.get(CONTOSO, { meetingId }))?.state).toBe(
      'cancelled',
    );
  });

  it('forgets the chat and its cards when the app is removed from it', async () => {
    const chat = await installInGroupChat();
    const { meetingId } = await createdMeeting(chat, 'Removed later');
    const key = { meetingId, conversationId: chat.conversationId ?? '' };
    expect(await w.service.repositories.meetingCards.get(CONTOSO, key)).not.toBeNull();
    await w.sb.control('POST', '/_sandbox/apps/uninstall', { conversationId: chat.conversationId });
    await until(
      () => w.service.repositories.meetingCards.get(CONTOSO, key),
      (c) => c === null,
    );
    expect(
      await w.service.repositories.conversationRefs.get(CONTOSO, {
        conversationId: key.conversationId,
      }),
    ).toBeNull();
  });

  it('forgets a card whose chat answers 403 BotNotInConversationRoster (removed while we were not told)', async () => {
    const lee = '7e9a1c3e-5f7b-4d9f-8c2e-4a6b8c0d2e4f';
    const personal = new TeamsChat(w.sb, w.service, lee, CONTOSO, 'personal');
    const { meetingId } = await createdMeeting(personal, 'Roster gone', lee);
    const key = { meetingId, conversationId: personal.conversationId ?? '' };
    await until(
      () => w.service.repositories.meetingCards.get(CONTOSO, key),
      (c) => c?.lastRenderedState === 'scheduled',
    );
    // Out of the roster without any event reaching us (the control API's shortcut).
    await w.sb.control('POST', '/_sandbox/connector/conversations', {
      tenantId: CONTOSO,
      conversationType: 'personal',
      userOid: lee,
      installed: false,
    });
    const group = await installInGroupChat();
    const leeInGroup = new TeamsChat(w.sb, w.service, lee);
    leeInGroup.conversationId = group.conversationId;
    await leeInGroup.say(`refresh ${meetingId.slice(0, 6)}`);
    await until(
      () => w.service.repositories.meetingCards.get(CONTOSO, key),
      (c) => c === null,
    );
  });
});
