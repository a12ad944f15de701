import { randomUUID } from 'node:crypto';
import restify, { type Request, type Response, type Server } from 'restify';
import type { Logger } from '../log/logger';
import { StartupError } from '../startup-error';
import { bodyReader } from './body';
import { FeatureGate, type Feature } from './features';
import { toProblem, type Problem } from './problem';

export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean>;
}

export interface HttpServerOptions {
  log: Logger;
  bodyLimitBytes: number;
  readiness: ReadinessCheck[];
}

export interface HttpServer {
  server: Server;
  /** Adds a feature's routes (before `listen`); they answer 503 until `open()`. */
  register<D>(feature: Feature<D>, deps: () => D): void;
  /** The service is ready: feature routes start answering. */
  open(): void;
  listen(host: string, port: number): Promise<{ port: number }>;
  /**
   * Refuses new feature requests, waits (up to `timeoutMs`) for those in flight, aborts the rest,
   * then stops accepting connections. When this resolves no feature handler touches the database.
   */
  close(timeoutMs: number): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const CHECK_TIMEOUT_MS = 2000;

function withTimeout(check: ReadinessCheck): Promise<boolean> {
  return Promise.race([
    check.check().catch(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(false), CHECK_TIMEOUT_MS).unref()),
  ]);
}

/** The restify server with request ids, a bounded body reader, problem+json errors and health. */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const { log } = options;
  const server = restify.createServer({
    name: 'interactions-for-teams',
    handleUncaughtExceptions: false,
    formatters: {
      'application/problem+json': (_req, _res, body) => JSON.stringify(body),
    },
  });

  server.pre(async (req: Request, res: Response) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    (req as { requestId?: string }).requestId = id;
    res.setHeader('x-request-id', id);
    req.log = log.child({ requestId: id }) as never;
  });
  // Before routing, so an oversized body is refused on any path, matched or not.
  server.pre(bodyReader({ limitBytes: options.bodyLimitBytes }));

  server.on('restifyError', (req: Request, res: Response, err: unknown, cb: () => void) => {
    const requestId = (req as { requestId?: string }).requestId;
    const problem: Problem = { ...toProblem(err), requestId };
    if (problem.status >= 500) log.error({ err, requestId, path: req.path() }, 'request failed');
    if (!res.headersSent) {
      res.setHeader('content-type', 'application/problem+json');
      res.send(problem.status, problem);
    }
    return cb();
  });

  server.on('after', (req: Request, res: Response) => {
    log.info(
      {
        requestId: (req as { requestId?: string }).requestId,
        method: req.method,
        path: req.path(),
        status: res.statusCode,
      },
      'request',
    );
  });

  const gate = new FeatureGate(log);
  const routes = gate.routesOn(server);
  const readiness = [...options.readiness, { name: 'service', check: async () => gate.ready }];

  server.get('/healthz', async (_req: Request, res: Response) => {
    res.send(200, { status: 'ok' });
  });

  server.get('/readyz', async (_req: Request, res: Response) => {
    const results = await Promise.all(
      readiness.map(async (c) => [c.name, await withTimeout(c)] as const),
    );
    const checks = Object.fromEntries(results);
    const ready = results.length > 0 && results.every(([, ok]) => ok);
    res.send(ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', checks });
  });

  return {
    server,
    register(feature, deps) {
      feature.register(routes, deps);
      log.debug({ feature: feature.name }, 'feature registered');
    },
    open: () => gate.open(),
    listen(host, port) {
      return new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) => {
          if (err.code === 'EADDRINUSE') {
            reject(
              new StartupError(
                `port ${port} is already in use: stop the other process or set PORT to a free port`,
              ),
            );
          } else if (err.code === 'EACCES') {
            reject(
              new StartupError(
                `not allowed to listen on port ${port}: set PORT to a port above 1024`,
              ),
            );
          } else {
            reject(
              new StartupError(`cannot listen on ${host}:${port} (${err.code ?? err.message})`, {
                cause: err,
              }),
            );
          }
        };
        // restify re-emits the socket's errors on itself; unhandled, they would crash the process.
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          const address = server.server.address();
          resolve({ port: typeof address === 'object' && address ? address.port : port });
        });
      });
    },
    async close(timeoutMs) {
      gate.close();
      const started = Date.now();
      await gate.drain(timeoutMs);
      const left = Math.max(100, timeoutMs - (Date.now() - started));
      await new Promise<void>((resolve) => {
        if (!server.server.listening) return resolve();
        const timer = setTimeout(() => {
          server.server.closeAllConnections();
          resolve();
        }, left);
        timer.unref();
        server.server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.server.closeIdleConnections();
      });
    },
  };
}
