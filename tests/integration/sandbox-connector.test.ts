import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { postTokenForm } from '../helpers/sandbox-clients';

const CONTOSO = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
const ADELE = '5d7f9b1c-3e5a-4c7e-9b1d-2f4a6c8e0b3d';
const LEE_GU = '7e9a1c3e-5f7b-4d9f-8c2e-4a6b8c0d2e4f';
const BOT_APP = {
  id: '9b2d4e6f-1a3c-4e5f-8a7b-0c1d2e3f4a5b',
  secret: 'sandbox-app-secret-not-for-production',
};

type Json = Record<string, unknown>;

interface RecordedActivity {
  id: string;
  direction: 'toBot' | 'fromBot';
  replyToId?: string;
  deletedAt?: string;
  versions: { op: string; activity: Json }[];
  current: Json;
}

describe('sandbox Bot Connector', () => {
  let sb: TestSandbox;
  let botToken: string;

  /** A Bot Connector call as botbuilder makes it: JSON, bearer token from the Bot Framework authority. */
  async function connector(method: string, path: string, body?: unknown, token = botToken) {
    const res = await sb.fetch(`/connector/${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Json };
  }

  async function clientCredentials(tenant: string, scope: string): Promise<string> {
    const { status, body } = await postTokenForm(sb, `/${tenant}/oauth2/v2.0/token`, {
      grant_type: 'client_credentials',
      client_id: BOT_APP.id,
      client_secret: BOT_APP.secret,
      scope,
    });
    expect(status).toBe(200);
    return body.access_token as string;
  }

  const history = async (conversationId: string) =>
    (
      (await sb.control(
        'GET',
        `/_sandbox/connector/conversations/${encodeURIComponent(conversationId)}/activities`,
      )) as { activities: RecordedActivity[] }
    ).activities;

  const personalChat = async () =>
    (
      (await sb.control('POST', '/_sandbox/connector/conversations', {
        tenantId: CONTOSO,
        userOid: ADELE,
      })) as { id: string }
    ).id;

  beforeAll(async () => {
    sb = await startTestSandbox();
    botToken = await clientCredentials('botframework.com', 'https://api.botframework.com/.default');
  });
  afterAll(async () => sb.stop());

  it('refuses a call without a token, or with a token for another audience', async () => {
    const conv = encodeURIComponent(await personalChat());
    const missing = await connector('POST', `v3/conversations/${conv}/activities`, {}, '');
    expect(missing.status).toBe(401);
    const graphToken = await clientCredentials(CONTOSO, 'https://graph.microsoft.com/.default');
    const wrong = await connector('POST', `v3/conversations/${conv}/activities`, {}, graphToken);
    expect(wrong.status).toBe(401);
  });

  it('accepts calls without a token only once requireAuth is off (Agents Playground mode)', async () => {
    const conv = encodeURIComponent(await personalChat());
    await sb.control('POST', '/_sandbox/connector/settings', { requireAuth: false });
    try {
      const sent = await connector(
        'POST',
        `v3/conversations/${conv}/activities`,
        { type: 'message', text: 'hi' },
        '',
      );
      expect(sent.status).toBe(201);
    } finally {
      await sb.control('POST', '/_sandbox/connector/settings', { requireAuth: true });
    }
    expect((await sb.control('GET', '/_sandbox/connector/settings')) as Json).toEqual({
      requireAuth: true,
    });
  });

  it('sends, replies, updates and deletes, keeping every version of an activity', async () => {
    const convId = await personalChat();
    const conv = encodeURIComponent(convId);
    const sent = await connector('POST', `v3/conversations/${conv}/activities`, {
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { v: 1 } }],
    });
    expect(sent.status).toBe(201);
    const id = sent.body.id as string;
    const reply = await connector('POST', `v3/conversations/${conv}/activities/${id}`, {
      type: 'message',
      text: 'a reply',
    });
    expect(reply.status).toBe(201);
    expect(reply.body.id).not.toBe(id);

    for (const v of [2, 3]) {
      const updated = await connector('PUT', `v3/conversations/${conv}/activities/${id}`, {
        type: 'message',
        attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { v } }],
      });
      expect(updated).toEqual({ status: 200, body: { id } });
    }
    const deleted = await connector(
      'DELETE',
      `v3/conversations/${conv}/activities/${reply.body.id}`,
    );
    expect(deleted.status).toBe(200);

    const activities = await history(convId);
    const card = activities.find((a) => a.id === id)!;
    expect(card.versions.map((v) => v.op)).toEqual(['send', 'update', 'update']);
    expect(
      card.versions.map((v) => (v.activity.attachments as { content: Json }[])[0].content),
    ).toEqual([{ v: 1 }, { v: 2 }, { v: 3 }]);
    expect(card.current.id).toBe(id);
    const replied = activities.find((a) => a.id === reply.body.id)!;
    expect(replied).toMatchObject({
      replyToId: id,
      direction: 'fromBot',
      deletedAt: expect.any(String),
    });
  });

  it('answers 404 ActivityNotFoundInConversation for an unknown or deleted activity', async () => {
    const conv = encodeURIComponent(await personalChat());
    const unknown = await connector('PUT', `v3/conversations/${conv}/activities/1234567890`, {
      type: 'message',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      error: expect.objectContaining({ code: 'ActivityNotFoundInConversation' }),
    });
    expect(
      (await connector('DELETE', `v3/conversations/${conv}/activities/1234567890`)).status,
    ).toBe(404);

    const sent = await connector('POST', `v3/conversations/${conv}/activities`, {
      type: 'message',
      text: 'x',
    });
    await connector('DELETE', `v3/conversations/${conv}/activities/${sent.body.id}`);
    const afterDelete = await connector(
      'PUT',
      `v3/conversations/${conv}/activities/${sent.body.id}`,
      {
        type: 'message',
      },
    );
    expect(afterDelete.status).toBe(404);
    expect(
      (await connector('POST', 'v3/conversations/19%3Anope%40thread.v2/activities', {})).status,
    ).toBe(404);
  });

  it("lists the conversation tenant's users as members with their aadObjectId", async () => {
    const conv = encodeURIComponent(await personalChat());
    const members = await connector('GET', `v3/conversations/${conv}/members`);
    expect(members.status).toBe(200);
    const list = members.body as unknown as Json[];
    expect(list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          aadObjectId: ADELE,
          name: 'Adele Vance',
          userPrincipalName: 'adele.vance@contoso.onmicrosoft.com',
          tenantId: CONTOSO,
          id: expect.stringMatching(/^29:/),
        }),
      ]),
    );
    expect(list.every((m) => m.tenantId === CONTOSO)).toBe(true);
  });

  it('creates a personal conversation once per user and sends its first activity', async () => {
    const params = {
      isGroup: false,
      bot: { id: `28:${BOT_APP.id}` },
      members: [{ id: 'x', aadObjectId: ADELE }],
      tenantId: CONTOSO,
      activity: { type: 'message', text: 'welcome' },
    };
    const first = await connector('POST', 'v3/conversations', params);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^a:/),
      activityId: expect.any(String),
    });
    const again = await connector('POST', 'v3/conversations', { ...params, activity: undefined });
    expect(again.body).toEqual({ id: first.body.id });
    const { conversations } = (await sb.control('GET', '/_sandbox/connector/conversations')) as {
      conversations: { id: string; createdBy: string }[];
    };
    expect(conversations.filter((c) => c.id === first.body.id)).toHaveLength(1);
  });

  it('answers meeting info from the stored online meeting, 404 otherwise', async () => {
    const threadId = '19:meeting_Y29ubmVjdG9yLXRlc3Q@thread.v2';
    const botMeetingId = Buffer.from(`0#${threadId}#0`).toString('base64');
    expect((await connector('GET', `v1/meetings/${encodeURIComponent(botMeetingId)}`)).status).toBe(
      404,
    );
    // What the meetings module keeps (Graph's field names plus tenant and organizer).
    sb.sandbox.store.collection('onlineMeetings').set('m1', {
      id: 'MSpvcmdhbml6ZXIqMCoqMTk6bWVldGluZw==',
      tenantId: CONTOSO,
      organizerOid: ADELE,
      chatInfo: { threadId },
      joinWebUrl: 'https://teams.microsoft.com/l/meetup-join/x',
      subject: 'Quarterly review',
      startDateTime: '2026-01-05T10:00:00Z',
      endDateTime: '2026-01-05T11:00:00Z',
    });
    const info = await connector('GET', `v1/meetings/${encodeURIComponent(botMeetingId)}`);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({
      details: {
        id: botMeetingId,
        msGraphResourceId: 'MSpvcmdhbml6ZXIqMCoqMTk6bWVldGluZw==',
        title: 'Quarterly review',
        joinUrl: 'https://teams.microsoft.com/l/meetup-join/x',
        type: 'Scheduled',
      },
      conversation: { id: threadId },
      organizer: { aadObjectId: ADELE, tenantId: CONTOSO },
    });
  });

  describe('POST /_sandbox/bot/send', () => {
    let bot: http.Server;
    let botUrl: string;
    const seen: { activity: Json; verdict: string }[] = [];

    /** A tiny bot: checks the channel token as botbuilder does, replies through the connector. */
    async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const meta = (await (
        await sb.fetch('/botframework/v1/.well-known/openidconfiguration')
      ).json()) as {
        issuer: string;
        jwks_uri: string;
      };
      const jwks = (await (await sb.fetch(meta.jwks_uri)).json()) as JSONWebKeySet;
      let verdict = 'ok';
      try {
        const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
          issuer: 'https://api.botframework.com',
          audience: BOT_APP.id,
          clockTolerance: 300,
        });
        const key = jwks.keys.find((k) => k.kid === decodeProtectedHeader(token).kid) as {
          endorsements?: string[];
        };
        if (payload.serviceurl !== activity.serviceUrl) verdict = 'serviceurl mismatch';
        else if (!key.endorsements?.includes(String(activity.channelId))) verdict = 'not endorsed';
      } catch (err) {
        verdict = `rejected: ${String(err)}`;
      }
      seen.push({ activity, verdict });
      if (verdict !== 'ok') {
        // Not chained: restify, loaded by other test files in this worker, patches writeHead to return undefined.
        res.writeHead(401);
        res.end();
        return;
      }
      if (activity.type === 'installationUpdate' || activity.type === 'conversationUpdate') {
        res.writeHead(200);
        res.end();
        return;
      }
      if (activity.type === 'invoke') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            statusCode: 200,
            type: 'application/vnd.microsoft.activity.message',
            value: 'done',
          }),
        );
        return;
      }
      const conv = encodeURIComponent((activity.conversation as Json).id as string);
      const url = `${activity.serviceUrl}v3/conversations/${conv}/activities/${activity.id}`;
      const sent = await sb.fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${botToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', text: `echo: ${activity.text}` }),
      });
      res.writeHead(sent.status === 201 ? 200 : 500);
      res.end();
    }

    beforeAll(async () => {
      bot = http.createServer((req, res) => void handle(req, res));
      await new Promise<void>((resolve) => bot.listen(0, '127.0.0.1', resolve));
      botUrl = `http://127.0.0.1:${(bot.address() as AddressInfo).port}/api/messages`;
    });
    afterAll(() => new Promise<void>((resolve) => bot.close(() => resolve())));

    it('delivers a signed Teams activity the bot accepts, and records both sides of the chat', async () => {
      const result = (await sb.control('POST', '/_sandbox/bot/send', {
        botEndpoint: botUrl,
        activity: { type: 'message', text: 'hello', from: { aadObjectId: LEE_GU } },
      })) as { status: number; activity: Json };
      expect(result.status).toBe(200);
      const delivered = seen.at(-1)!;
      expect(delivered.verdict).toBe('ok');
      expect(delivered.activity).toMatchObject({
        channelId: 'msteams',
        serviceUrl: `${sb.url}/connector/`,
        from: { aadObjectId: LEE_GU, name: 'Lee Gu', id: expect.stringMatching(/^29:/) },
        recipient: { id: `28:${BOT_APP.id}` },
        conversation: {
          tenantId: CONTOSO,
          conversationType: 'personal',
          id: expect.stringMatching(/^a:/),
        },
        channelData: { tenant: { id: CONTOSO } },
        timestamp: expect.any(String),
        id: expect.any(String),
      });
      const activities = await history((result.activity.conversation as Json).id as string);
      // Lee's first message opens the app's 1:1 chat: Teams installs it first.
      expect(activities.map((a) => [a.direction, a.current.type, a.current.text])).toEqual([
        ['toBot', 'installationUpdate', undefined],
        ['toBot', 'conversationUpdate', undefined],
        ['toBot', 'message', 'hello'],
        ['fromBot', 'message', 'echo: hello'],
      ]);
      expect(activities[3].replyToId).toBe(result.activity.id);
      // The user's message is not the bot's to change (a classic mix-up of activity ids).
      const conv = encodeURIComponent((result.activity.conversation as Json).id as string);
      const edit = await connector(
        'PUT',
        `v3/conversations/${conv}/activities/${result.activity.id}`,
        {
          type: 'message',
        },
      );
      expect(edit.status).toBe(403);
    });

    it("returns the bot's invoke response body", async () => {
      const result = (await sb.control('POST', '/_sandbox/bot/send', {
        botEndpoint: botUrl,
        activity: { type: 'invoke', name: 'adaptiveCard/action', value: { action: { verb: 'x' } } },
      })) as { status: number; body: Json };
      expect(result).toMatchObject({ status: 200, body: { statusCode: 200, value: 'done' } });
    });

    it('says so when the bot cannot be reached', async () => {
      const res = await sb.fetch('/_sandbox/bot/send', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          botEndpoint: 'http://127.0.0.1:9/api/messages',
          activity: { type: 'message' },
        }),
      });
      expect(res.status).toBe(502);
    });
  });
});
