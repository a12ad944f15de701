import { GraphClient } from '../../api/src/graph/client';
import { createAgent } from '../../api/src/graph/http';
import { GraphOperations } from '../../api/src/graph/operations';
import { GraphTokenProvider } from '../../api/src/graph/token-provider';
import { GraphCallError } from '../../api/src/domain/ports/graph';
import { silentLogger } from '../../api/src/log/logger';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';

const CONTOSO = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
const ORGANIZER = {
  oid: '3a9e1f52-7c4d-4b8e-9f21-5d6c7b8a9e01',
  upn: 'megan.organizer@contoso.onmicrosoft.com',
};
const UNLICENSED = '8f0b2d4f-6a8c-4e0a-9d3f-5b7c9d1e3f5a';
const CLIENT_ID = '9b2d4e6f-1a3c-4e5f-8a7b-0c1d2e3f4a5b';
const CLIENT_SECRET = 'sandbox-app-secret-not-for-production';

interface Logged {
  seq: number;
  method: string;
  path: string;
  authorization: string;
}

describe('Graph adapter against the sandbox (msal-node + graph-client over HTTPS)', () => {
  let sb: TestSandbox;
  let clock: number;
  let tokens: GraphTokenProvider;
  let graph: GraphOperations;
  let client: GraphClient;
  const sleeps: number[] = [];

  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(async () => sb.stop());

  beforeEach(async () => {
    await sb.control('POST', '/_sandbox/reset');
    clock = Date.now();
    const agent = createAgent(sb.caFile);
    tokens = new GraphTokenProvider({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      authorityHost: sb.url,
      agent,
      log: silentLogger,
      now: () => clock,
    });
    sleeps.length = 0;
    client = new GraphClient({
      baseUrl: sb.url,
      tokens,
      agent,
      log: silentLogger,
      sleep: async (ms) => void sleeps.push(ms),
    });
    graph = new GraphOperations(client);
  });

  async function requestsSince(seq: number): Promise<Logged[]> {
    const log = (await sb.control('GET', `/_sandbox/requests?since=${seq}`)) as {
      requests: Logged[];
    };
    return log.requests.filter((r) => !r.path.startsWith('/_sandbox/'));
  }
  async function lastSeq(): Promise<number> {
    return ((await sb.control('GET', '/_sandbox/requests')) as { lastSeq: number }).lastSeq;
  }
  const event = (transactionId: string, organizerOid = ORGANIZER.oid) => ({
    organizerOid,
    subject: 'Quarterly review',
    bodyHtml: '<p>Agenda</p>',
    start: new Date(Date.now() + 86_400_000),
    end: new Date(Date.now() + 86_400_000 + 45 * 60_000),
    attendees: [{ email: 'jane@acme.example', name: 'Jane Doe', type: 'required' as const }],
    transactionId,
  });

  it('resolves the organizer UPN to its object id', async () => {
    expect(await graph.getUser(CONTOSO, ORGANIZER.upn)).toMatchObject({
      id: ORGANIZER.oid,
      userPrincipalName: ORGANIZER.upn,
    });
  });

  it('creates a Teams meeting and resolves it with exactly two Graph calls besides the token', async () => {
    const since = await lastSeq();
    const created = await graph.createEvent(CONTOSO, event('tx-happy'));
    expect(created.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    const meeting = await graph.findOnlineMeetingByJoinUrl(
      CONTOSO,
      ORGANIZER.oid,
      created.joinUrl!,
    );
    expect(meeting?.meetingId).toBeTruthy();
    expect(meeting?.chatThreadId).toMatch(/^19:meeting_.*@thread\.v2$/);
    const calls = await requestsSince(since);
    expect(calls.map((c) => `${c.method} ${c.path.replace(/\/users\/[^/]+/, '/users/…')}`)).toEqual(
      [
        `GET /${CONTOSO}/v2.0/.well-known/openid-configuration`,
        `POST /${CONTOSO}/oauth2/v2.0/token`,
        'POST /v1.0/users/…/events',
        'GET /v1.0/users/…/onlineMeetings',
      ],
    );
  });

  it('sends the bearer token only to Graph, never to the authority', async () => {
    const since = await lastSeq();
    await graph.getUser(CONTOSO, ORGANIZER.upn);
    for (const r of await requestsSince(since)) {
      expect(r.authorization).toBe(r.path.startsWith('/v1.0/') ? 'bearer' : 'none');
    }
  });

  it('reports an organizer without Teams as an event without a join URL', async () => {
    expect(
      (await graph.createEvent(CONTOSO, event('tx-unlicensed', UNLICENSED))).joinUrl,
    ).toBeNull();
  });

  it('tells a missing access policy apart from a missing permission', async () => {
    const created = await graph.createEvent(CONTOSO, event('tx-policy'));
    await sb.control('PATCH', `/_sandbox/tenants/${CONTOSO}`, { accessPolicy: { granted: false } });
    const policy = await graph
      .findOnlineMeetingByJoinUrl(CONTOSO, ORGANIZER.oid, created.joinUrl!)
      .catch((e: unknown) => e);
    expect((policy as GraphCallError).failure).toMatchObject({
      reason: 'forbidden',
      detail: 'accessPolicyMissing',
      status: 403,
    });

    await sb.control('PATCH', `/_sandbox/tenants/${CONTOSO}`, {
      consentedRoles: ['User.Read.All'],
    });
    // Consent changes reach new tokens only, as in Entra.
    tokens.invalidate(CONTOSO);
    const role = await graph.createEvent(CONTOSO, event('tx-role')).catch((e: unknown) => e);
    expect((role as GraphCallError).failure).toMatchObject({
      reason: 'forbidden',
      detail: 'permissionMissing',
    });
    expect((role as GraphCallError).failure.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('retries a throttled create, honouring Retry-After, and the transactionId keeps it to one event', async () => {
    await sb.control('POST', '/_sandbox/faults', {
      kind: 'throttle',
      method: 'POST',
      path: '/events$',
      remaining: 2,
      retryAfter: { format: 'decimal', seconds: 1.5 },
    });
    const created = await graph.createEvent(CONTOSO, event('tx-throttled'));
    expect(created.joinUrl).toBeTruthy();
    expect(sleeps).toEqual([1500, 1500]);
    const events = (await sb.control('GET', '/_sandbox/events')) as {
      summary: { events: number; duplicateTransactionIds: number };
    };
    expect(events.summary).toMatchObject({ events: 1, duplicateTransactionIds: 0 });
  });

  it('retries a reset connection and a 503, then gives up after its bounded attempts', async () => {
    await sb.control('POST', '/_sandbox/faults', { kind: 'reset', path: '/users/', remaining: 1 });
    await sb.control('POST', '/_sandbox/faults', {
      kind: 'unavailable',
      path: '/users/',
      remaining: 1,
    });
    expect((await graph.getUser(CONTOSO, ORGANIZER.upn)).id).toBe(ORGANIZER.oid);
    expect(sleeps).toHaveLength(2);

    await sb.control('POST', '/_sandbox/faults', { kind: 'gatewayTimeout', path: '/users/' });
    const err = await graph.getUser(CONTOSO, ORGANIZER.upn).catch((e: unknown) => e);
    expect((err as GraphCallError).failure).toMatchObject({ reason: 'transient', status: 504 });
    expect(sleeps).toHaveLength(2 + 3);
  });

  it('does not wait out a long Retry-After: it hands it back so the caller can reschedule', async () => {
    await sb.control('POST', '/_sandbox/faults', {
      kind: 'throttle',
      path: '/users/',
      retryAfter: { format: 'seconds', seconds: 120 },
    });
    const err = await graph.getUser(CONTOSO, ORGANIZER.upn).catch((e: unknown) => e);
    expect((err as GraphCallError).failure).toMatchObject({
      reason: 'throttled',
      retryAfterMs: 120_000,
    });
    expect(sleeps).toEqual([]);
  });

  it('makes one token request for a hundred concurrent calls at expiry', async () => {
    await tokens.getToken(CONTOSO);
    clock += 3600_000;
    const since = await lastSeq();
    const results = await Promise.all(Array.from({ length: 100 }, () => tokens.getToken(CONTOSO)));
    expect(new Set(results).size).toBe(1);
    const tokenPosts = (await requestsSince(since)).filter((r) =>
      r.path.endsWith('/oauth2/v2.0/token'),
    );
    expect(tokenPosts).toHaveLength(1);
  });

  it('reschedules without touching the body (the join URL stays), and deletes idempotently', async () => {
    const created = await graph.createEvent(CONTOSO, event('tx-move'));
    const start = new Date(Date.now() + 2 * 86_400_000);
    await graph.updateEvent(CONTOSO, ORGANIZER.oid, created.eventId, {
      start,
      end: new Date(start.getTime() + 30 * 60_000),
    });
    const after = (await sb.control('GET', '/_sandbox/events')) as {
      events: { id: string; joinBlobLost: unknown; joinUrl: string | null; start: unknown }[];
    };
    const stored = after.events.find((e) => e.id === created.eventId);
    expect(stored?.joinBlobLost).toBeNull();
    expect(stored?.joinUrl).toBe(created.joinUrl);
    expect(JSON.stringify(stored?.start)).toContain(start.toISOString().slice(0, 19));
    expect(await graph.deleteEvent(CONTOSO, ORGANIZER.oid, created.eventId)).toBe('deleted');
    expect(await graph.deleteEvent(CONTOSO, ORGANIZER.oid, created.eventId)).toBe('alreadyGone');
  });
});
