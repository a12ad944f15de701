import https from 'node:https';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SandboxClock } from './clock';
import { Faults, retryAfterHeader } from './faults';
import { graphError, newRequestIds, Router, type Ctx } from './http';
import { RequestLog } from './request-log';
import { Bus, type Sandbox } from './sandbox';
import { Keys } from './keys';
import { seedTenants, type SandboxTenant } from './seed';
import { Store } from './store';
import { ensureTls } from './tls';
import { registerControl } from './control';
import { MODULES } from './modules';

export interface SandboxOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Where the CA and (when `persist`) the state file live, e.g. ./.data/sandbox. */
  dataDir: string;
  persist?: boolean;
}

export interface RunningSandbox {
  url: string;
  port: number;
  caFile: string;
  sandbox: Sandbox;
  log: RequestLog;
  stop(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;
const TICK_MS = 20;

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts the local Microsoft cloud over HTTPS with its own CA. */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const tls = await ensureTls(options.dataDir);
  const store = new Store(options.persist ? path.join(options.dataDir, 'state.json') : null);
  const clock = new SandboxClock();
  const faults = new Faults();
  const router = new Router();
  const log = new RequestLog(clock);
  const resetHooks: (() => void)[] = [];
  const stopHooks: (() => void | Promise<void>)[] = [];
  let timers: { due: number; fn: () => void; id: number }[] = [];
  let timerSeq = 0;
  const tenantsCol = store.collection<SandboxTenant>('tenants');
  const seed = () => {
    for (const t of seedTenants(clock.now())) tenantsCol.set(t.tenantId, t);
  };
  if (!store.load() || tenantsCol.size === 0) seed();

  const sb: Sandbox = {
    router,
    store,
    clock,
    faults,
    tls,
    keys: new Keys(store),
    bus: new Bus(),
    baseUrl: '',
    tenant: (id) => tenantsCol.get(id),
    tenants: () => [...tenantsCol.values()],
    saveTenant: (t) => {
      tenantsCol.set(t.tenantId, t);
      store.changed();
    },
    onReset: (fn) => resetHooks.push(fn),
    onStop: (fn) => stopHooks.push(fn),
    after: (virtualMs, fn) => {
      const id = ++timerSeq;
      timers.push({ due: clock.now().getTime() + virtualMs, fn, id });
      return () => {
        timers = timers.filter((t) => t.id !== id);
      };
    },
  };
  const reset = () => {
    timers = [];
    store.clear();
    faults.clear();
    faults.reseed(1);
    clock.reset();
    log.clear();
    seed();
    sb.keys.reset();
    for (const fn of resetHooks) fn();
    store.changed();
  };
  /** Runs every timer that is due on the sandbox clock. */
  const fireDue = () => {
    const now = clock.now().getTime();
    const due = timers.filter((t) => t.due <= now);
    if (due.length === 0) return;
    timers = timers.filter((t) => t.due > now);
    for (const t of due.sort((a, b) => a.due - b.due)) {
      try {
        t.fn();
      } catch (err) {
        console.error('sandbox: timer failed', err);
      }
    }
  };
  registerControl(sb, { log, reset, fireDue });
  for (const register of MODULES) register(sb);

  const ticker = setInterval(fireDue, TICK_MS);
  ticker.unref();

  const sockets = new Set<Socket>();
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Nothing a client sends may take the sandbox down or leave a request unanswered.
      console.error('sandbox: request failed', err);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: { code: 'InternalServerError', message: 'The sandbox failed.' },
          }),
        );
      } else res.destroy();
    });
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    // Concatenate rather than resolve: a path like `//x` must stay a path, not become a host.
    const raw = req.url ?? '/';
    const url = new URL(`${sb.baseUrl}${raw.startsWith('/') ? raw : `/${raw}`}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req).catch(() => Buffer.alloc(0));
    const ids = newRequestIds(req);
    const ctx: Ctx = {
      req,
      res,
      method,
      url,
      params: {},
      body: body ?? Buffer.alloc(0),
      meta: {},
      ...ids,
    };
    res.setHeader('request-id', ids.requestId);
    res.setHeader('client-request-id', ids.clientRequestId);
    res.on('finish', () => log.record(ctx, res.statusCode, Date.now() - started));
    if (body === null)
      return graphError(ctx, 413, 'RequestEntityTooLarge', 'The request body is too large.');
    const control = url.pathname.startsWith('/_sandbox/');
    if (!control) {
      const fault = faults.pick(method, url.pathname);
      if (fault) {
        ctx.meta.fault = fault.kind;
        const handled = await applyFault(ctx, fault);
        if (handled) return;
      }
    }
    const found = router.match(method, url.pathname);
    if (found === 'no-path') {
      return graphError(
        ctx,
        400,
        'BadRequest',
        `Resource not found for the segment '${url.pathname.split('/').pop() ?? ''}'.`,
      );
    }
    if (found === 'no-method') {
      return graphError(
        ctx,
        405,
        'Request_BadRequest',
        `The HTTP method '${method}' is not supported for this resource.`,
      );
    }
    ctx.params = found.params;
    try {
      await found.handler(ctx);
    } catch (err) {
      console.error('sandbox: handler failed', method, url.pathname, err);
      if (!res.headersSent)
        graphError(ctx, 500, 'InternalServerError', 'The sandbox failed to handle this request.');
      else res.destroy();
    }
  }

  async function applyFault(
    ctx: Ctx,
    fault: ReturnType<Faults['pick']> & object,
  ): Promise<boolean> {
    const now = clock.now();
    const retryAfter = retryAfterHeader(fault, now);
    const headers: Record<string, string> = retryAfter ? { 'retry-after': retryAfter } : {};
    switch (fault.kind) {
      case 'throttle': {
        const code = fault.code ?? 'TooManyRequests';
        const message =
          code === 'ApplicationThrottled'
            ? 'Application is over its MailboxConcurrency limit.'
            : 'Please retry again later.';
        graphError(ctx, 429, code, message, { headers, innerCode: '429', now });
        return true;
      }
      case 'unavailable':
        graphError(ctx, 503, 'serviceNotAvailable', 'Service unavailable.', { headers, now });
        return true;
      case 'gatewayTimeout':
        graphError(ctx, 504, 'UnknownError', 'Gateway timeout.', { headers, now });
        return true;
      case 'reset':
        ctx.req.socket.destroy();
        return true;
      case 'hang':
        return true;
      case 'latency':
        await new Promise((r) => setTimeout(r, fault.latencyMs));
        return false;
      case 'slowBody':
        trickle(ctx.res, fault.latencyMs ?? 100);
        return false;
      case 'dropNotifications':
        return false;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  sb.baseUrl = `https://127.0.0.1:${port}`;

  return {
    url: sb.baseUrl,
    port,
    caFile: tls.caFile,
    sandbox: sb,
    log,
    async stop() {
      clearInterval(ticker);
      for (const fn of stopHooks) await fn();
      store.flush();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

/** Sends whatever the handler writes in small pieces with pauses: a slow body. */
function trickle(res: ServerResponse, pauseMs: number): void {
  const end = res.end.bind(res);
  const write = res.write.bind(res);
  res.end = ((chunk?: unknown) => {
    const data =
      chunk === undefined || typeof chunk === 'function'
        ? Buffer.alloc(0)
        : Buffer.from(chunk as Buffer);
    let offset = 0;
    const step = () => {
      if (res.destroyed) return;
      if (offset >= data.length) {
        end();
        return;
      }
      write(data.subarray(offset, offset + 64));
      offset += 64;
      setTimeout(step, pauseMs);
    };
    step();
    return res;
  }) as typeof res.end;
}
