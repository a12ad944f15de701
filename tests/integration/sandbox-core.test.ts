import fs from 'node:fs';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';

describe('sandbox core', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(async () => sb.stop());

  it('serves HTTPS with its own CA, which a client must trust explicitly', async () => {
    expect(sb.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(fs.readFileSync(sb.caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
    await expect(fetch(`${sb.url}/_sandbox/info`)).rejects.toThrow();
    expect((await sb.fetch('/_sandbox/info')).status).toBe(200);
  });

  it('describes at least two seeded tenants with the app, organizer, staff, an unlicensed user and demo clients', async () => {
    const info = (await (await sb.fetch('/_sandbox/info')).json()) as {
      app: { clientId: string; clientSecret: string };
      tenants: {
        displayName: string;
        organizer: { upn: string; oid: string };
        staff: unknown[];
        unlicensedUser: unknown;
        clients: unknown[];
      }[];
      urls: Record<string, string>;
    };
    expect(info.app.clientId).toMatch(/^[0-9a-f-]{36}$/);
    expect(info.tenants.map((t) => t.displayName)).toEqual(['Contoso', 'Fabrikam']);
    for (const t of info.tenants) {
      expect(t.organizer.upn).toContain('@');
      expect(t.staff.length).toBeGreaterThan(0);
      expect(t.unlicensedUser).toBeTruthy();
      expect(t.clients.length).toBeGreaterThan(0);
    }
    expect(info.urls.graph).toBe(sb.url);
  });

  it('injects a 429 with Retry-After in each form, then lets requests through again', async () => {
    for (const [format, pattern] of [
      ['seconds', /^7$/],
      ['decimal', /^2\.128$/],
      ['httpDate', /GMT$/],
    ] as const) {
      await sb.control('POST', '/_sandbox/faults', {
        kind: 'throttle',
        path: '^/v1\\.0/',
        remaining: 1,
        retryAfter: { format, seconds: format === 'decimal' ? 2.128 : 7 },
      });
      const res = await sb.fetch('/v1.0/users/nobody');
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toMatch(pattern);
      expect(res.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const body = (await res.json()) as {
        error: { code: string; innerError: { 'request-id': string } };
      };
      expect(body.error.code).toBe('TooManyRequests');
      expect(body.error.innerError['request-id']).toBe(res.headers.get('request-id'));
    }
    expect((await sb.fetch('/v1.0/users/nobody')).status).not.toBe(429);
  });

  it('says what is wrong with a control-API mistake', async () => {
    const res = await sb.fetch('/_sandbox/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'explode' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /^kind must be one of throttle/,
    );
  });

  it('logs every request without keeping tokens', async () => {
    const before = ((await sb.control('GET', '/_sandbox/requests')) as { lastSeq: number }).lastSeq;
    await sb.fetch('/v1.0/users/x', { headers: { authorization: 'Bearer secret-token-value' } });
    const log = (await sb.control('GET', `/_sandbox/requests?since=${before}`)) as {
      requests: { path: string }[];
    };
    expect(log.requests.filter((r) => !r.path.startsWith('/_sandbox/'))).toEqual([
      expect.objectContaining({ method: 'GET', path: '/v1.0/users/x', authorization: 'bearer' }),
    ]);
    expect(JSON.stringify(log)).not.toContain('secret-token-value');
  });

  it('moves its clock forward on request and refuses to move it back', async () => {
    const before = Date.parse(
      ((await sb.control('GET', '/_sandbox/clock')) as { now: string }).now,
    );
    const after = Date.parse(
      ((await sb.control('POST', '/_sandbox/clock', { advanceMs: 3_600_000 })) as { now: string })
        .now,
    );
    expect(after - before).toBeGreaterThanOrEqual(3_600_000);
    await expect(sb.control('POST', '/_sandbox/clock', { advanceMs: -1 })).rejects.toThrow(
      /never goes back/,
    );
  });

  it('answers 503 and 504 faults in Graph error envelopes, 503 with Retry-After when asked', async () => {
    await sb.control('POST', '/_sandbox/faults', {
      kind: 'unavailable',
      path: '^/v1\\.0/',
      remaining: 1,
      retryAfter: { format: 'seconds', seconds: 3 },
    });
    const unavailable = await sb.fetch('/v1.0/users/x');
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('3');
    expect(((await unavailable.json()) as { error: { code: string } }).error.code).toBe(
      'serviceNotAvailable',
    );
    await sb.control('POST', '/_sandbox/faults', { kind: 'gatewayTimeout', remaining: 1 });
    expect((await sb.fetch('/v1.0/users/x')).status).toBe(504);
  });

  it('adds latency, resets connections, hangs and trickles bodies on request', async () => {
    await sb.control('POST', '/_sandbox/faults', { kind: 'latency', latencyMs: 300, remaining: 1 });
    const started = Date.now();
    await sb.fetch('/v1.0/users/x');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    await sb.control('POST', '/_sandbox/faults', { kind: 'reset', remaining: 1 });
    await expect(sb.fetch('/v1.0/users/x')).rejects.toThrow();

    await sb.control('POST', '/_sandbox/faults', { kind: 'hang', remaining: 1 });
    await expect(sb.fetch('/v1.0/users/x', { signal: AbortSignal.timeout(500) })).rejects.toThrow(
      /abort|timeout/i,
    );

    await sb.control('POST', '/_sandbox/faults', { kind: 'slowBody', latencyMs: 50, remaining: 1 });
    const slow = Date.now();
    const res = await sb.fetch('/v1.0/users/x');
    const body = await res.text();
    expect(body).toContain('"error"');
    expect(Date.now() - slow).toBeGreaterThanOrEqual(50 * Math.floor(body.length / 64));
  });

  it('replays the same fault sequence from the same seed', async () => {
    const run = async () => {
      await sb.control('DELETE', '/_sandbox/faults');
      await sb.control('POST', '/_sandbox/faults', { seed: 42 });
      await sb.control('POST', '/_sandbox/faults', { kind: 'gatewayTimeout', probability: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await sb.fetch('/v1.0/users/x')).status);
      await sb.control('DELETE', '/_sandbox/faults');
      return statuses;
    };
    const first = await run();
    expect(first).toContain(504);
    expect(first.some((s) => s !== 504)).toBe(true);
    expect(await run()).toEqual(first);
  });
});
