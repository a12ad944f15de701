import { createHttpServer, type HttpServer } from '../../api/src/http/server';
import type { Feature } from '../../api/src/http/features';
import { silentLogger } from '../../api/src/log/logger';

/** Feature routes behind the readiness gate, on the real restify server over a real socket. */
describe('feature routes', () => {
  let http: HttpServer;
  let base: string;
  const calls: string[] = [];
  let release: () => void = () => undefined;
  const aborted: string[] = [];

  const feature: Feature<{ greeting: string }> = {
    name: 'test',
    register(routes, deps) {
      routes.get('/api/test/hello', async (_req, res) => {
        calls.push('hello');
        res.send(200, { says: deps().greeting });
      });
      routes.post('/api/test/slow', async (_req, res, { signal }) => {
        calls.push('slow');
        await new Promise<void>((resolve) => {
          release = resolve;
          signal.addEventListener('abort', () => {
            aborted.push(String((signal.reason as Error).message));
            resolve();
          });
        });
        res.send(200, { done: true });
      });
    },
  };

  beforeEach(async () => {
    calls.length = 0;
    aborted.length = 0;
    http = createHttpServer({ log: silentLogger, bodyLimitBytes: 1024, readiness: [] });
    http.register(feature, () => ({ greeting: 'hello' }));
    const { port } = await http.listen('127.0.0.1', 0);
    base = `http://127.0.0.1:${port}`;
  });
  afterEach(async () => http.close(100));

  it('answers 503 with Retry-After until the service is ready, while health stays live', async () => {
    const early = await fetch(`${base}/api/test/hello`);
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('5');
    expect(early.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await early.json()).toMatchObject({ status: 503, code: 'starting' });
    expect(calls).toEqual([]);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(((await notReady.json()) as { checks: unknown }).checks).toEqual({ service: false });
    http.open();
    const ready = await fetch(`${base}/api/test/hello`);
    expect(await ready.json()).toEqual({ says: 'hello' });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('waits at shutdown for a request in flight, refusing new ones meanwhile', async () => {
    http.open();
    const slow = fetch(`${base}/api/test/slow`, { method: 'POST' });
    while (!calls.includes('slow')) await new Promise((r) => setTimeout(r, 5));
    const closing = http.close(5000);
    await new Promise((r) => setTimeout(r, 50));
    const refused = await fetch(`${base}/api/test/hello`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: 'shutting_down' });
    release();
    expect((await slow).status).toBe(200);
    await closing;
    expect(aborted).toEqual([]);
  });

  it('aborts a request still running when the drain deadline passes, and resolves only after it wound down', async () => {
    http.open();
    const slow = fetch(`${base}/api/test/slow`, { method: 'POST' }).catch(() => null);
    while (!calls.includes('slow')) await new Promise((r) => setTimeout(r, 5));
    await http.close(200);
    expect(aborted).toEqual(['service shutting down']);
    await slow;
  });
});
