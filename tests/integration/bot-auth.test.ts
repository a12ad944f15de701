import { generateKeyPair, SignJWT } from 'jose';
import { createAdapters, isLoopbackAddress } from '../../bot/src/adapters';
import { channelToken, CONTOSO, CONTOSO_STAFF, botWorld } from '../helpers/bot';

const BOT_ISSUER = 'https://api.botframework.com';

describe('bot: every request to /api/messages carries a valid Bot Framework channel token', () => {
  const w = botWorld({ BOT_ACCEPT_UNSIGNED: 'false' });

  const now = () => Math.floor(Date.now() / 1000);
  const claims = (over: Record<string, unknown> = {}) => ({
    iss: BOT_ISSUER,
    aud: w.botId,
    serviceurl: w.serviceUrl,
    nbf: now() - 300,
    exp: now() + 3600,
    ...over,
  });
  const sign = (over?: Record<string, unknown>) => channelToken(w.sb, w.botId, w.serviceUrl, over);

  function activity(tenantId = CONTOSO) {
    return {
      type: 'message',
      id: `m-${Math.random()}`,
      channelId: 'msteams',
      serviceUrl: w.serviceUrl,
      text: 'help',
      from: { id: '29:user', aadObjectId: CONTOSO_STAFF },
      recipient: { id: `28:${w.botId}` },
      conversation: { id: `a:conv-${Math.random()}`, conversationType: 'personal', tenantId },
      channelData: { tenant: { id: tenantId } },
    };
  }

  async function post(token: string | null, body: object = activity()) {
    const res = await fetch(`http://127.0.0.1:${w.service.port}/api/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    await res.text();
    return res.status;
  }

  it('accepts a token signed with the Bot Framework keys for this bot and this w.serviceUrl', async () => {
    expect(await post(await sign())).toBe(200);
  });

  it.each([
    ['no token at all', async () => null],
    ['an expired token', async () => sign({ exp: now() - 600, nbf: now() - 4000 })],
    ['a token for another bot', async () => sign({ aud: '00000000-1111-2222-3333-444444444444' })],
    ['a token from another issuer', async () => sign({ iss: 'https://sts.windows.net/x/' })],
    ['a token for another w.serviceUrl', async () => sign({ serviceurl: 'https://evil.example/' })],
    [
      'a token signed with a key Bot Framework never published',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT(claims())
          .setProtectedHeader({ alg: 'RS256', kid: 'unknown-key' })
          .sign(privateKey);
      },
    ],
  ])('refuses %s with 401, and the bot never answers', async (_what, token) => {
    const conversationId = `a:refused-${Math.random()}`;
    const body = { ...activity(), conversation: { id: conversationId, tenantId: CONTOSO } };
    expect(await post(await token(), body)).toBe(401);
    const refs = await w.service.repositories.conversationRefs.get(CONTOSO, { conversationId });
    expect(refs).toBeNull();
  });

  it('answers a tenant that is not a customer with one sentence and stores nothing', async () => {
    const stranger = '0f0f0f0f-0000-4000-8000-000000000001';
    const body = activity(stranger);
    expect(await post(await sign(), body)).toBe(200);
    const convs = (await w.sb.control('GET', '/_sandbox/connector/conversations')) as {
      conversations: { id: string }[];
    };
    // The reply went to a conversation the sandbox does not know: nothing of ours was stored.
    expect(convs.conversations.some((c) => c.id === body.conversation.id)).toBe(false);
    expect(await w.service.repositories.conversationRefs.list(stranger)).toEqual([]);
  });

  it('refuses to build the bot without an app id (an empty one turns the JWT check off)', () => {
    expect(() =>
      createAdapters(
        {
          appId: '',
          appType: 'MultiTenant',
          authorityHost: 'https://login.microsoftonline.com',
          acceptUnsigned: false,
        },
        async () => undefined,
      ),
    ).toThrow(/app id/);
  });

  it('treats only loopback peers as loopback', () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('10.0.0.5')).toBe(false);
    expect(isLoopbackAddress('::ffff:10.0.0.5')).toBe(false);
    expect(isLoopbackAddress(undefined)).toBe(false);
  });
});
