import https from 'node:https';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTls } from '../../sandbox/src/tls';
import { AbortedError } from '../../api/src/domain/errors';
import { GraphCallError } from '../../api/src/domain/ports/graph';
import { GraphClient } from '../../api/src/graph/client';
import { createAgent } from '../../api/src/graph/http';
import { GraphOperations } from '../../api/src/graph/operations';
import { GraphTokenProvider } from '../../api/src/graph/token-provider';
import { silentLogger } from '../../api/src/log/logger';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';

const CONTOSO = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
const ORGANIZER = '3a9e1f52-7c4d-4b8e-9f21-5d6c7b8a9e01';
const CLIENT_ID = '9b2d4e6f-1a3c-4e5f-8a7b-0c1d2e3f4a5b';
const CLIENT_SECRET = 'sandbox-app-secret-not-for-production';

async function failureOf(p: Promise<unknown>) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GraphCallError);
  return (err as GraphCallError).failure;
}

describe('Graph adapter: failures that must not be retried, cancellation, and hosts', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(async () => sb.stop());
  beforeEach(async () => sb.control('POST', '/_sandbox/reset'));

  function adapter(over: { secret?: string; timeoutMs?: number } = {}) {
    const agent = createAgent(sb.caFile);
    const tokens = new GraphTokenProvider({
      clientId: CLIENT_ID,
      clientSecret: over.secret ?? CLIENT_SECRET,
      authorityHost: sb.url,
      agent,
      log: silentLogger,
    });
    const sleeps: number[] = [];
    const client = new GraphClient({
      baseUrl: sb.url,
      tokens,
      agent,
      log: silentLogger,
      timeoutMs: over.timeoutMs,
      sleep: async (ms) => void sleeps.push(ms),
    });
    return { graph: new GraphOperations(client), sleeps };
  }

  async function tokenPosts(since: number) {
    const log = (await sb.control('GET', `/_sandbox/requests?since=${since}`)) as {
      requests: { path: string }[];
    };
    return log.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token')).length;
  }
  const lastSeq = async () =>
    ((await sb.control('GET', '/_sandbox/requests')) as { lastSeq: number }).lastSeq;

  it('maps a wrong client secret (AADSTS7000215) to unauthorized/credentialsInvalid, asked once, never retried', async () => {
    const { graph, sleeps } = adapter({ secret: 'not-the-secret' });
    const since = await lastSeq();
    const f = await failureOf(graph.getUser(CONTOSO, ORGANIZER));
    expect(f).toMatchObject({
      reason: 'unauthorized',
      detail: 'credentialsInvalid',
      code: 'AADSTS7000215',
      status: 401,
    });
    expect(f.message).toMatch(/^AADSTS7000215: Invalid client secret provided/);
    expect(await tokenPosts(since)).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('maps an organization that never consented (AADSTS700016) to forbidden/consentMissing', async () => {
    await sb.control('PATCH', `/_sandbox/tenants/${CONTOSO}`, { adminConsented: false });
    const { graph, sleeps } = adapter();
    expect(await failureOf(graph.getUser(CONTOSO, ORGANIZER))).toMatchObject({
      reason: 'forbidden',
      detail: 'consentMissing',
      code: 'AADSTS700016',
    });
    expect(sleeps).toEqual([]);
  });

  it('maps an unknown tenant (AADSTS90002) to unauthorized/tenantNotFound', async () => {
    const { graph } = adapter();
    expect(
      await failureOf(graph.getUser('00000000-1111-4222-8333-444444444444', ORGANIZER)),
    ).toMatchObject({ reason: 'unauthorized', detail: 'tenantNotFound', code: 'AADSTS90002' });
  });

  it('treats an answer that stopped arriving after its 2xx status as lost (transient), not a refusal', async () => {
    await sb.control('POST', '/_sandbox/faults', {
      kind: 'slowBody',
      path: '/users/',
      latencyMs: 1500,
    });
    const { graph } = adapter({ timeoutMs: 500 });
    expect(await failureOf(graph.getUser(CONTOSO, ORGANIZER))).toMatchObject({
      reason: 'transient',
    });
  });

  it('stops a call and its retries at once when the caller aborts, with an AbortedError', async () => {
    await sb.control('POST', '/_sandbox/faults', { kind: 'hang', path: '/users/' });
    const { graph } = adapter({ timeoutMs: 30_000 });
    const abort = new AbortController();
    const started = Date.now();
    const call = graph.getUser(CONTOSO, ORGANIZER, { signal: abort.signal });
    setTimeout(() => abort.abort(new AbortedError('worker shutting down')), 200);
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
    expect((err as Error).message).toBe('worker shutting down');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stops waiting for a token when the caller aborts', async () => {
    await sb.control('POST', '/_sandbox/faults', { kind: 'hang', path: '/oauth2/v2.0/token$' });
    const { graph } = adapter();
    const abort = new AbortController();
    const started = Date.now();
    const call = graph.getUser(CONTOSO, ORGANIZER, { signal: abort.signal });
    setTimeout(() => abort.abort(new AbortedError('worker shutting down')), 200);
    expect(await call.catch((e: unknown) => e)).toBeInstanceOf(AbortedError);
    // msal's own timeout is 15 s; the abort must not wait for it.
    expect(Date.now() - started).toBeLessThan(10_000);
    await sb.control('DELETE', '/_sandbox/faults');
  });

  it('finds events by transactionId through calendarView pages', async () => {
    const { graph } = adapter();
    const base = Date.now() + 86_400_000;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await graph.createEvent(CONTOSO, {
        organizerOid: ORGANIZER,
        subject: `Same slot ${i}`,
        bodyHtml: '<p>x</p>',
        start: new Date(base),
        end: new Date(base + 30 * 60_000),
        attendees: [],
        transactionId: i === 1 ? 'other-tx' : `tx-${i}`,
      });
      ids.push(created.eventId);
    }
    const window = { start: new Date(base - 60_000), end: new Date(base + 31 * 60_000) };
    expect(await graph.findEventsByTransactionId(CONTOSO, ORGANIZER, 'tx-2', window)).toEqual([
      ids[2],
    ]);
    expect(
      await graph.findEventsByTransactionId(CONTOSO, ORGANIZER, 'tx-2', {
        start: new Date(base + 3600_000),
        end: new Date(base + 7200_000),
      }),
    ).toEqual([]);
  });
});

describe('Graph client: the token goes only to the Graph host', () => {
  interface Seen {
    host: string;
    path: string;
    authorization: string | undefined;
  }
  let dir: string;
  let graphServer: https.Server;
  let otherServer: https.Server;
  let graphUrl: string;
  let otherUrl: string;
  const seen: Seen[] = [];
  let client: GraphClient;

  async function serve(
    tls: { cert: string; key: string },
    name: string,
    handler: (path: string) => { status: number; headers?: Record<string, string>; body?: unknown },
  ) {
    const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      seen.push({ host: name, path: req.url ?? '', authorization: req.headers.authorization });
      const out = handler(req.url ?? '');
      res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers });
      res.end(out.body === undefined ? '' : JSON.stringify(out.body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { server, port: (server.address() as AddressInfo).port };
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-hosts-'));
    const tls = await ensureTls(dir);
    // Two hosts on one machine: Graph at 127.0.0.1, "somewhere else" at localhost.
    const other = await serve(tls, 'other', () => ({
      status: 200,
      body: { value: [{ id: 'x' }] },
    }));
    otherServer = other.server;
    otherUrl = `https://localhost:${other.port}`;
    const graph = await serve(tls, 'graph', (p) => {
      if (p.startsWith('/v1.0/paged'))
        return {
          status: 200,
          body: { value: [{ id: 'a' }], '@odata.nextLink': `${otherUrl}/v1.0/paged?page=2` },
        };
      if (p.startsWith('/v1.0/moved'))
        return { status: 302, headers: { location: `${otherUrl}/download?sig=abc` } };
      return { status: 404, body: { error: { code: 'NotFound', message: 'no' } } };
    });
    graphServer = graph.server;
    graphUrl = `https://127.0.0.1:${graph.port}`;
    client = new GraphClient({
      baseUrl: graphUrl,
      tokens: { getToken: async () => 'secret-graph-token', invalidate: () => undefined },
      agent: createAgent(tls.caFile),
      log: silentLogger,
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    await new Promise((r) => graphServer.close(r));
    await new Promise((r) => otherServer.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => (seen.length = 0));

  it('refuses an @odata.nextLink that points at another host, and sends it nothing', async () => {
    const err = await client.list({ tenantId: 't', path: '/paged' }).catch((e: unknown) => e);
    expect((err as GraphCallError).failure).toMatchObject({ code: 'ForeignNextLink' });
    expect(seen.filter((s) => s.host === 'other')).toEqual([]);
    expect(seen.find((s) => s.host === 'graph')?.authorization).toBe('Bearer secret-graph-token');
  });

  it('follows a redirect to another host without the token', async () => {
    const body = await client.request<{ value: unknown[] }>({
      tenantId: 't',
      method: 'GET',
      path: '/moved',
      idempotent: true,
    });
    expect(body.value).toEqual([{ id: 'x' }]);
    const other = seen.filter((s) => s.host === 'other');
    expect(other).toEqual([{ host: 'other', path: '/download?sig=abc', authorization: undefined }]);
    expect(seen.find((s) => s.host === 'graph')?.authorization).toBe('Bearer secret-graph-token');
  });

  it('refuses to call Graph from inside a database transaction', async () => {
    let inside = true;
    const guarded = new GraphClient({
      baseUrl: graphUrl,
      tokens: { getToken: async () => 't', invalidate: () => undefined },
      agent: createAgent(undefined),
      log: silentLogger,
      assertCallAllowed: () => {
        if (inside) throw new Error('Graph must not be called inside a unit of work');
      },
    });
    await expect(
      guarded.request({ tenantId: 't', method: 'GET', path: '/x', idempotent: true }),
    ).rejects.toThrow(/inside a unit of work/);
    expect(seen).toEqual([]);
    inside = false;
  });
});
