import type { Request, Response, Server } from 'restify';
import { AbortedError } from '../domain/errors';
import type { Logger } from '../log/logger';
import type { Problem } from './problem';

export interface FeatureContext {
  /** Aborted when the client goes away or the service shuts down past its drain deadline. */
  signal: AbortSignal;
  log: Logger;
}

export type FeatureHandler = (req: Request, res: Response, ctx: FeatureContext) => Promise<void>;

/** The routes a feature may add; each handler runs only while the service is ready. */
export interface FeatureRoutes {
  get(path: string, handler: FeatureHandler): void;
  post(path: string, handler: FeatureHandler): void;
  put(path: string, handler: FeatureHandler): void;
  patch(path: string, handler: FeatureHandler): void;
  del(path: string, handler: FeatureHandler): void;
}

/**
 * One feature (bot, webhooks, REST API, tab): registers its routes before the server listens.
 * `deps()` returns what the composition root built; it is only called from a handler, so it is
 * always there.
 */
export interface Feature<D> {
  name: string;
  register(routes: FeatureRoutes, deps: () => D): void;
}

type GateState = 'starting' | 'ready' | 'stopping';

const RETRY_AFTER_S = { starting: 5, stopping: 10 } as const;

/**
 * Stands between restify and every feature route: 503 with Retry-After until the service is ready
 * and again once it shuts down (health routes are not gated), and a count of the handlers in
 * flight, so shutdown can wait for them, abort them, and only then close the database.
 */
export class FeatureGate {
  private state: GateState = 'starting';
  private readonly inFlight = new Map<Promise<void>, AbortController>();

  constructor(private readonly log: Logger) {}

  get ready(): boolean {
    return this.state === 'ready';
  }

  open(): void {
    if (this.state === 'starting') this.state = 'ready';
  }

  /** Refuses new feature requests from now on. */
  close(): void {
    this.state = 'stopping';
  }

  routesOn(server: Server): FeatureRoutes {
    // restify wants handlers that are really `async` (checked by constructor name).
    const wrap = (handler: FeatureHandler) => async (req: Request, res: Response) =>
      this.handle(handler, req, res);
    return {
      get: (path, h) => void server.get(path, wrap(h)),
      post: (path, h) => void server.post(path, wrap(h)),
      put: (path, h) => void server.put(path, wrap(h)),
      patch: (path, h) => void server.patch(path, wrap(h)),
      del: (path, h) => void server.del(path, wrap(h)),
    };
  }

  private async handle(handler: FeatureHandler, req: Request, res: Response): Promise<void> {
    if (this.state !== 'ready') {
      const problem: Problem = {
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
        code: this.state === 'starting' ? 'starting' : 'shutting_down',
        detail: `The service is ${this.state === 'starting' ? 'starting' : 'shutting down'}; try again shortly.`,
        requestId: (req as { requestId?: string }).requestId,
      };
      res.setHeader('retry-after', String(RETRY_AFTER_S[this.state]));
      res.setHeader('content-type', 'application/problem+json');
      res.send(503, problem);
      return;
    }
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableEnded) abort.abort(new AbortedError('the client went away'));
    });
    const log = (req.log as unknown as Logger | undefined) ?? this.log;
    const run = handler(req, res, { signal: abort.signal, log });
    const tracked = run.catch(() => undefined);
    this.inFlight.set(tracked, abort);
    try {
      await run;
    } finally {
      this.inFlight.delete(tracked);
    }
  }

  /**
   * Waits up to `timeoutMs` for feature handlers in flight; then aborts the rest and waits up to
   * `graceMs` for them to wind down. Returns how many were still running at the end.
   */
  async drain(timeoutMs: number, graceMs = 2000): Promise<number> {
    if (!(await this.settled(timeoutMs))) {
      for (const abort of this.inFlight.values())
        abort.abort(new AbortedError('service shutting down'));
      if (!(await this.settled(graceMs))) {
        this.log.error({ running: this.inFlight.size }, 'request handlers ignored the abort');
      }
    }
    return this.inFlight.size;
  }

  private async settled(ms: number): Promise<boolean> {
    if (this.inFlight.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
    const all = Promise.all([...this.inFlight.keys()]).then(() => true as const);
    const done = await Promise.race([all, deadline]);
    clearTimeout(timer);
    return done;
  }
}
