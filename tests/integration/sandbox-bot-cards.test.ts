import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import {
  APP_ID,
  postTokenForm,
  startRecordingBot,
  type RecordingBot,
} from '../helpers/sandbox-clients';

const CONTOSO = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
const ADELE = '5d7f9b1c-3e5a-4c7e-9b1d-2f4a6c8e0b3d';
const LEE_GU = '7e9a1c3e-5f7b-4d9f-8c2e-4a6b8c0d2e4f';

type Json = Record<string, unknown>;

const execute = (verb: string, extra: Json = {}) => ({ type: 'Action.Execute', verb, ...extra });

/** A bot card with buttons in the places Teams renders them. */
function approvalCard(refreshUserIds?: string[]): Json {
  return {
    type: 'AdaptiveCard',
    version: '1.5',
    ...(refreshUserIds
      ? { refresh: { action: execute('view', { data: { v: 1 } }), userIds: refreshUserIds } }
      : {}),
    body: [
      { type: 'TextBlock', text: 'Approve the order?' },
      { type: 'Input.Text', id: 'note', value: 'looks fine' },
      {
        type: 'Container',
        items: [
          {
            type: 'ActionSet',
            actions: [execute('approve', { id: 'a1', title: 'Approve', data: { orderId: 7 } })],
          },
        ],
      },
      {
        type: 'ColumnSet',
        columns: [{ type: 'Column', items: [], selectAction: execute('open') }],
      },
    ],
    actions: [
      execute('reject', { fallback: execute('fallbackOnly') }),
      { type: 'Action.ShowCard', card: { type: 'AdaptiveCard', actions: [execute('nested')] } },
    ],
  };
}

const cardResponse = (text: string) => ({
  statusCode: 200,
  type: 'application/vnd.microsoft.card.adaptive',
  value: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text }] },
});

describe('sandbox Teams: a user presses a card button (Action.Execute)', () => {
  let sb: TestSandbox;
  let bot: RecordingBot;
  let token: string;

  /** The bot sends a card through the connector, as botbuilder's sendActivity does. */
  async function sendCard(conversationId: string, card: Json): Promise<string> {
    const res = await sb.fetch(
      `/connector/v3/conversations/${encodeURIComponent(conversationId)}/activities`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'message',
          attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: card }],
        }),
      },
    );
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  async function click(route: 'execute' | 'refresh', body: Json) {
    const res = await sb.fetch(`/_sandbox/cards/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  const lastInvoke = () =>
    bot.received.filter((r) => r.activity.type === 'invoke').at(-1)!.activity;

  let personal: string;
  let group: string;
  let leeMri: string;

  beforeAll(async () => {
    sb = await startTestSandbox();
    bot = await startRecordingBot(sb);
    await sb.control('POST', '/_sandbox/bot/registration', { messagingEndpoint: bot.url });
    const { body } = await postTokenForm(sb, '/botframework.com/oauth2/v2.0/token', {
      grant_type: 'client_credentials',
      client_id: APP_ID,
      client_secret: 'sandbox-app-secret-not-for-production',
      scope: 'https://api.botframework.com/.default',
    });
    token = body.access_token as string;
    const install = async (scope: string, userOid: string) =>
      (
        (await sb.control('POST', '/_sandbox/apps/install', {
          tenantId: CONTOSO,
          scope,
          userOid,
        })) as {
          conversation: { id: string };
        }
      ).conversation.id;
    personal = await install('personal', ADELE);
    group = await install('groupChat', LEE_GU);
    const members = await sb.fetch(
      `/connector/v3/conversations/${encodeURIComponent(group)}/members`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    leeMri = ((await members.json()) as Json[]).find((m) => m.aadObjectId === LEE_GU)!.id as string;
  });
  afterAll(async () => {
    await bot.close();
    await sb.stop();
  });

  it('refuses a verb the card has no Action.Execute for (400): a user can only press what exists', async () => {
    const activityId = await sendCard(personal, approvalCard([]));
    for (const verb of ['missing', 'view', 'fallbackOnly']) {
      const res = await click('execute', { conversationId: personal, activityId, verb });
      expect(res.status).toBe(400);
    }
    const typo = await click('execute', {
      conversationId: personal,
      activityId,
      verb: 'approve',
      inputs: { nope: 1 },
    });
    expect(typo.status).toBe(400);
  });

  it('invokes adaptiveCard/action as Teams does and shows the returned card to the clicking user only', async () => {
    const activityId = await sendCard(personal, approvalCard());
    bot.answer = (a) => (a.type === 'invoke' ? { body: cardResponse('Approved') } : {});
    const res = await click('execute', {
      conversationId: personal,
      activityId,
      verb: 'approve',
      inputs: { note: 'ship it' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, status: 200, response: cardResponse('Approved') });
    const invoke = lastInvoke();
    expect(bot.received.at(-1)!.verdict).toBe('ok');
    expect(invoke).toMatchObject({
      type: 'invoke',
      name: 'adaptiveCard/action',
      channelId: 'msteams',
      replyToId: activityId,
      from: { aadObjectId: ADELE, id: expect.stringMatching(/^29:/) },
      recipient: { id: `28:${APP_ID}` },
      conversation: { id: personal, conversationType: 'personal', tenantId: CONTOSO },
      channelData: { tenant: { id: CONTOSO } },
    });
    expect(invoke.value).toEqual({
      action: {
        type: 'Action.Execute',
        id: 'a1',
        title: 'Approve',
        verb: 'approve',
        data: { orderId: 7, note: 'ship it' },
      },
      trigger: 'manual',
    });
    const { activities } = (await sb.control(
      'GET',
      `/_sandbox/connector/conversations/${encodeURIComponent(personal)}/activities`,
    )) as { activities: { id: string; current: Json; userViews?: Record<string, Json> }[] };
    const card = activities.find((a) => a.id === activityId)!;
    expect(card.userViews?.[ADELE]).toMatchObject({
      card: cardResponse('Approved').value,
      current: true,
      trigger: 'manual',
    });
    expect(card.current.attachments).toEqual([
      { contentType: 'application/vnd.microsoft.card.adaptive', content: approvalCard() },
    ]);
    // Adele now sees the returned card: the old buttons are gone for her.
    expect(
      (await click('execute', { conversationId: personal, activityId, verb: 'approve' })).status,
    ).toBe(400);
  });

  it('finds buttons in selectAction and inside an Action.ShowCard card', async () => {
    const activityId = await sendCard(personal, approvalCard());
    bot.answer = () => ({
      body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'ok' },
    });
    for (const verb of ['open', 'nested', 'reject']) {
      const res = await click('execute', { conversationId: personal, activityId, verb });
      expect(res.body).toMatchObject({ ok: true });
      expect((lastInvoke().value as Json).action).toMatchObject({
        verb,
        data: { note: 'looks fine' },
      });
    }
  });

  it('reports a body that is not an AdaptiveCardInvokeResponse, and an HTTP error, as failures', async () => {
    const activityId = await sendCard(personal, approvalCard());
    bot.answer = () => ({ body: { text: 'done' } });
    const wrong = await click('execute', { conversationId: personal, activityId, verb: 'reject' });
    expect(wrong.body).toMatchObject({
      ok: false,
      failure: 'not an AdaptiveCardInvokeResponse',
      status: 200,
    });
    bot.answer = () => ({ status: 500 });
    const broken = await click('execute', { conversationId: personal, activityId, verb: 'reject' });
    expect(broken.body).toMatchObject({ ok: false, failure: 'HTTP 500' });
  });

  it('reports a bot slower than 5 s as timed out', async () => {
    const activityId = await sendCard(personal, approvalCard());
    bot.answer = () => ({ delayMs: 5_500, body: cardResponse('too late') });
    const res = await click('execute', { conversationId: personal, activityId, verb: 'reject' });
    expect(res.body).toMatchObject({ ok: false, failure: 'timed out after 5 s', status: null });
  }, 15_000);

  it('refreshes automatically only for users in refresh.userIds, and not again within a minute', async () => {
    const activityId = await sendCard(group, approvalCard([leeMri]));
    const refreshed = {
      ...cardResponse('Your view'),
      value: { ...approvalCard([leeMri]), body: [] },
    };
    bot.answer = () => ({ body: refreshed });
    const refresh = (userOid: string) =>
      click('refresh', { conversationId: group, activityId, userOid });
    const adele = await refresh(ADELE);
    expect(adele.status).toBe(409);
    const lee = await refresh(LEE_GU);
    expect(lee.body).toMatchObject({ ok: true, userView: { trigger: 'automatic' } });
    expect(lastInvoke().value).toEqual({
      action: { type: 'Action.Execute', verb: 'view', data: { v: 1 } },
      trigger: 'automatic',
    });
    expect((await refresh(LEE_GU)).status).toBe(409);
    await sb.control('POST', '/_sandbox/clock', { advanceMs: 61_000 });
    expect((await refresh(LEE_GU)).body).toMatchObject({ ok: true });
    // A message update shows everyone the new base card, which refreshes again at once.
    const res = await sb.fetch(
      `/connector/v3/conversations/${encodeURIComponent(group)}/activities/${activityId}`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'message',
          attachments: [
            {
              contentType: 'application/vnd.microsoft.card.adaptive',
              content: approvalCard([leeMri]),
            },
          ],
        }),
      },
    );
    expect(res.status).toBe(200);
    expect((await refresh(LEE_GU)).body).toMatchObject({ ok: true });
  });
});
