import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import {
  APP_ID,
  postTokenForm,
  startRecordingBot,
  type RecordingBot,
} from '../helpers/sandbox-clients';

const CONTOSO = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
const FABRIKAM = '2c4e6a8b-0d1f-4a3b-8c5d-7e9f1a3b5c7d';
const ADELE = '5d7f9b1c-3e5a-4c7e-9b1d-2f4a6c8e0b3d';
const LEE_GU = '7e9a1c3e-5f7b-4d9f-8c2e-4a6b8c0d2e4f';
const SECRET = 'sandbox-app-secret-not-for-production';

type Json = Record<string, unknown>;

describe('sandbox Teams: app installation and the bot roster', () => {
  let sb: TestSandbox;
  let bot: RecordingBot;

  /** A Bot Connector token from the sandbox's Entra, client credentials as botbuilder gets it. */
  async function botToken(tenant: string): Promise<string> {
    const { status, body } = await postTokenForm(sb, `/${tenant}/oauth2/v2.0/token`, {
      grant_type: 'client_credentials',
      client_id: APP_ID,
      client_secret: SECRET,
      scope: 'https://api.botframework.com/.default',
    });
    expect(status).toBe(200);
    return body.access_token as string;
  }

  async function connector(method: string, path: string, body: unknown, token: string) {
    const res = await sb.fetch(`/connector/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Json };
  }

  const install = (body: Json) =>
    sb.control('POST', '/_sandbox/apps/install', body) as Promise<{
      conversation: { id: string; installed: boolean };
      deliveries: { type: string; status: number }[];
    }>;

  const sendTo = (conversationId: string, token: string) =>
    connector(
      'POST',
      `v3/conversations/${encodeURIComponent(conversationId)}/activities`,
      { type: 'message', text: 'hello' },
      token,
    );

  beforeAll(async () => {
    sb = await startTestSandbox();
    bot = await startRecordingBot(sb);
    await sb.control('POST', '/_sandbox/bot/registration', { messagingEndpoint: bot.url });
  });
  afterAll(async () => {
    await bot.close();
    await sb.stop();
  });
  beforeEach(() => {
    bot.received.length = 0;
  });

  it('registers the sandbox app as a multi-tenant bot by default, and refuses a bad registration', async () => {
    expect(await sb.control('GET', '/_sandbox/bot/registration')).toEqual({
      messagingEndpoint: bot.url,
      appId: APP_ID,
      appType: 'MultiTenant',
    });
    const bad = await sb.fetch('/_sandbox/bot/registration', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messagingEndpoint: bot.url, appType: 'SingleTenant' }),
    });
    expect(bad.status).toBe(400);
  });

  it('sends installationUpdate then conversationUpdate, with Teams shapes, when a user installs the app', async () => {
    const { conversation, deliveries } = await install({
      tenantId: CONTOSO,
      scope: 'personal',
      userOid: LEE_GU,
    });
    expect(deliveries.map((d) => [d.type, d.status])).toEqual([
      ['installationUpdate', 200],
      ['conversationUpdate', 200],
    ]);
    expect(bot.received.map((r) => r.verdict)).toEqual(['ok', 'ok']);
    const [installed, added] = bot.received.map((r) => r.activity);
    const common = {
      channelId: 'msteams',
      serviceUrl: `${sb.url}/connector/`,
      from: { id: expect.stringMatching(/^29:/), aadObjectId: LEE_GU },
      recipient: { id: `28:${APP_ID}` },
      conversation: { id: conversation.id, conversationType: 'personal', tenantId: CONTOSO },
      channelData: { tenant: { id: CONTOSO } },
      id: expect.stringMatching(/^f:/),
    };
    expect(installed).toMatchObject({ ...common, type: 'installationUpdate', action: 'add' });
    expect(added).toMatchObject({ ...common, type: 'conversationUpdate' });
    // A 1:1 chat names both the bot and the user; eventType is only for teams.
    expect(added.membersAdded).toEqual([
      { id: `28:${APP_ID}` },
      { id: (added.from as Json).id, aadObjectId: LEE_GU },
    ]);
    expect(added.channelData).not.toHaveProperty('eventType');
    expect(conversation.id).toMatch(/^a:/);
  });

  it('installs in a new group chat with the bot alone in membersAdded, and refuses a second install', async () => {
    const { conversation, deliveries } = await install({
      tenantId: CONTOSO,
      scope: 'groupChat',
      userOid: ADELE,
    });
    expect(deliveries.map((d) => d.type)).toEqual(['installationUpdate', 'conversationUpdate']);
    expect(bot.received[1].activity).toMatchObject({
      conversation: { id: conversation.id, isGroup: true, conversationType: 'groupChat' },
      membersAdded: [{ id: `28:${APP_ID}` }],
      from: { aadObjectId: ADELE },
    });
    const again = await sb.fetch('/_sandbox/apps/install', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        tenantId: CONTOSO,
        scope: 'groupChat',
        conversationId: conversation.id,
      }),
    });
    expect(again.status).toBe(409);
  });

  it('answers 403 BotNotInConversationRoster when the bot creates a 1:1 chat with a user who never installed the app', async () => {
    const token = await botToken('botframework.com');
    const params = {
      isGroup: false,
      members: [{ id: 'x', aadObjectId: ADELE }],
      tenantId: CONTOSO,
    };
    const refused = await connector('POST', 'v3/conversations', params, token);
    expect(refused).toEqual({
      status: 403,
      body: {
        error: {
          code: 'BotNotInConversationRoster',
          message: 'The bot is not part of the conversation roster.',
        },
      },
    });
    await install({ tenantId: CONTOSO, scope: 'personal', userOid: ADELE });
    const created = await connector('POST', 'v3/conversations', params, token);
    expect(created.status).toBe(201);
  });

  it('sends installationUpdate remove and membersRemoved on uninstall, after which the bot gets 403', async () => {
    const token = await botToken('botframework.com');
    const { conversation } = await install({ tenantId: CONTOSO, scope: 'groupChat' });
    expect((await sendTo(conversation.id, token)).status).toBe(201);
    bot.received.length = 0;
    const removed = (await sb.control('POST', '/_sandbox/apps/uninstall', {
      conversationId: conversation.id,
    })) as { deliveries: { type: string }[]; conversation: { installed: boolean } };
    expect(removed.conversation.installed).toBe(false);
    expect(bot.received.map((r) => r.activity)).toMatchObject([
      { type: 'installationUpdate', action: 'remove', conversation: { id: conversation.id } },
      { type: 'conversationUpdate', membersRemoved: [{ id: `28:${APP_ID}` }] },
    ]);
    const after = await sendTo(conversation.id, token);
    expect(after.status).toBe(403);
    expect(after.body).toMatchObject({ error: { code: 'BotNotInConversationRoster' } });
    const members = await sb.fetch(
      `/connector/v3/conversations/${encodeURIComponent(conversation.id)}/members`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(members.status).toBe(403);
  });

  it("installs the app in a user's 1:1 chat before delivering their first message through bot/send", async () => {
    const sent = (await sb.control('POST', '/_sandbox/bot/send', {
      activity: {
        type: 'message',
        text: 'first',
        from: { aadObjectId: '8f0b2d4f-6a8c-4e0a-9d3f-5b7c9d1e3f5a' },
      },
    })) as { status: number; installDeliveries: { type: string }[] };
    expect(sent.status).toBe(200);
    expect(sent.installDeliveries.map((d) => d.type)).toEqual([
      'installationUpdate',
      'conversationUpdate',
    ]);
    expect(bot.received.map((r) => r.activity.type)).toEqual([
      'installationUpdate',
      'conversationUpdate',
      'message',
    ]);
    const again = (await sb.control('POST', '/_sandbox/bot/send', {
      activity: {
        type: 'message',
        text: 'second',
        from: { aadObjectId: '8f0b2d4f-6a8c-4e0a-9d3f-5b7c9d1e3f5a' },
      },
    })) as Json;
    expect(again).not.toHaveProperty('installDeliveries');
  });

  it("refuses with 401 a single-tenant bot's token issued by another tenant", async () => {
    const conv = (await sb.control('POST', '/_sandbox/connector/conversations', {
      tenantId: CONTOSO,
      conversationType: 'groupChat',
    })) as { id: string };
    const fromContoso = await botToken(CONTOSO);
    const fromFabrikam = await botToken(FABRIKAM);
    const fromBotFramework = await botToken('botframework.com');
    await sb.control('POST', '/_sandbox/bot/registration', {
      messagingEndpoint: bot.url,
      appType: 'SingleTenant',
      tenantId: CONTOSO,
    });
    try {
      expect((await sendTo(conv.id, fromContoso)).status).toBe(201);
      const wrong = await sendTo(conv.id, fromFabrikam);
      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({ error: { code: 'Unauthorized' } });
      expect((await sendTo(conv.id, fromBotFramework)).status).toBe(401);
    } finally {
      await sb.control('POST', '/_sandbox/bot/registration', { messagingEndpoint: bot.url });
    }
    expect((await sendTo(conv.id, fromFabrikam)).status).toBe(201);
  });

  it('counts control-API conversations as installed unless installed is false', async () => {
    const token = await botToken('botframework.com');
    const out = (await sb.control('POST', '/_sandbox/connector/conversations', {
      tenantId: CONTOSO,
      conversationType: 'groupChat',
      installed: false,
    })) as { id: string };
    expect((await sendTo(out.id, token)).status).toBe(403);
    const inside = (await sb.control('POST', '/_sandbox/connector/conversations', {
      tenantId: CONTOSO,
      conversationType: 'groupChat',
    })) as { id: string };
    expect((await sendTo(inside.id, token)).status).toBe(201);
    expect(bot.received).toEqual([]);
  });
});
