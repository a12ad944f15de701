import {
  Client,
  GraphError,
  RetryHandlerOptions,
  type FetchOptions,
} from '@microsoft/microsoft-graph-client';
import type { Agent } from 'undici';
import { AbortedError, asAborted } from '../domain/errors';
import { GraphCallError, type GraphFailure } from '../domain/ports/graph';
import type { Logger } from '../log/logger';
import { isRetryable, mapGraphFailure } from './errors';
import type { TokenSource } from './token-provider';

export interface GraphCall {
  tenantId: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /**
   * Path under /v1.0, e.g. `/users/{id}/events` (segments already URL-encoded), or an absolute
   * `@odata.nextLink`, which must point at the Graph host.
   */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Safe to send again after a failure: GETs, and creates that carry an idempotency key. */
  idempotent: boolean;
  signal?: AbortSignal;
}

export interface GraphClientOptions {
  /** `https://graph.microsoft.com` or the sandbox; without `/v1.0`. */
  baseUrl: string;
  tokens: TokenSource;
  agent: Agent;
  log: Logger;
  timeoutMs?: number;
  maxAttempts?: number;
  /** A Retry-After longer than this is not waited for here: the caller reschedules instead. */
  maxRetryWaitMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Throws when a call would run where it must not (inside a database transaction). */
  assertCallAllowed?: () => void;
}

const MAX_PAGES = 50;

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(asAborted(signal));
    const onAbort = () => {
      clearTimeout(timer);
      if (signal) reject(asAborted(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `work`, or an AbortedError as soon as `signal` aborts (the work itself is left to finish). */
function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(asAborted(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(asAborted(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Exponential backoff with jitter for failures that carry no Retry-After. */
function backoff(attempt: number): number {
  return Math.round(Math.min(8000, 400 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
}

/**
 * The one Graph client: base URL, per-tenant app tokens, timeouts, bounded retries where safe,
 * cancellation, and every failure mapped to a GraphFailure. Tokens go only to the Graph host
 * (`customHosts`); a redirect elsewhere is followed without one, a nextLink elsewhere is refused.
 */
export class GraphClient {
  private readonly clients = new Map<string, Client>();
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxRetryWaitMs: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly origin: string;

  constructor(private readonly options: GraphClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 30_000;
    this.sleep = options.sleep ?? abortableSleep;
    this.origin = new URL(options.baseUrl).origin;
  }

  private clientFor(tenantId: string): Client {
    let client = this.clients.get(tenantId);
    if (!client) {
      const { baseUrl, tokens, agent } = this.options;
      client = Client.initWithMiddleware({
        baseUrl: `${baseUrl}/`,
        customHosts: new Set([new URL(baseUrl).hostname]),
        authProvider: { getAccessToken: () => tokens.getToken(tenantId) },
        // Node's fetch takes undici's dispatcher; only the type declarations differ.
        fetchOptions: { dispatcher: agent } as unknown as FetchOptions,
      });
      this.clients.set(tenantId, client);
    }
    return client;
  }

  /** A nextLink is followed verbatim, but only on the Graph host and under /v1.0. */
  private target(path: string): string {
    if (!/^https?:\/\//i.test(path)) return path;
    const url = new URL(path);
    if (url.origin !== this.origin || !url.pathname.startsWith('/v1.0/')) {
      throw new GraphCallError({
        reason: 'unknown',
        detail: null,
        status: null,
        code: 'ForeignNextLink',
        requestId: null,
        retryAfterMs: null,
        message: `refused to follow a link off the Graph host (${url.host})`,
      });
    }
    return `${url.pathname.slice('/v1.0'.length)}${url.search}`;
  }

  private async once<T>(call: GraphCall): Promise<T> {
    // Token first, outside the SDK: its errors would reach us flattened, without Entra's reason.
    await untilAborted(this.options.tokens.getToken(call.tenantId), call.signal);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    const request = this.clientFor(call.tenantId)
      .api(this.target(call.path))
      .version('v1.0')
      .middlewareOptions([new RetryHandlerOptions(0, 0)])
      .option('signal', signal)
      .headers(call.headers ?? {});
    switch (call.method) {
      case 'GET':
        return (await request.get()) as T;
      case 'POST':
        return (await request.post(call.body)) as T;
      case 'PATCH':
        return (await request.patch(call.body)) as T;
      case 'DELETE':
        return (await request.delete()) as T;
    }
  }

  /** Sends a call, retrying throttling and transient failures when it is safe; throws GraphCallError. */
  async request<T>(call: GraphCall): Promise<T> {
    this.options.assertCallAllowed?.();
    let refreshedToken = false;
    for (let attempt = 1; ; attempt++) {
      if (call.signal?.aborted) throw asAborted(call.signal);
      try {
        return await this.once<T>(call);
      } catch (err) {
        // The caller gave up: not a Graph failure, and nothing to retry.
        if (call.signal?.aborted) throw asAborted(call.signal);
        if (err instanceof AbortedError) throw err;
        const failure = toFailure(err);
        const log = { tenantId: call.tenantId, method: call.method, attempt, ...pick(failure) };
        // A 401 from Graph may be a token revoked early; a refused token request will not improve.
        if (failure.reason === 'unauthorized' && failure.detail === null && !refreshedToken) {
          refreshedToken = true;
          this.options.tokens.invalidate(call.tenantId);
          continue;
        }
        const wait = failure.retryAfterMs ?? backoff(attempt);
        const retry =
          isRetryable(failure.reason) &&
          call.idempotent &&
          attempt < this.maxAttempts &&
          wait <= this.maxRetryWaitMs;
        if (!retry) {
          this.options.log.warn(log, 'graph call failed');
          throw new GraphCallError(failure);
        }
        this.options.log.info({ ...log, waitMs: wait }, 'graph call will be retried');
        await this.sleep(wait, call.signal);
      }
    }
  }

  /** Every item of a collection, following `@odata.nextLink` (bounded). */
  async list<T>(call: Omit<GraphCall, 'method' | 'idempotent'>): Promise<T[]> {
    const items: T[] = [];
    let path: string | undefined = call.path;
    for (let page = 0; path; page++) {
      if (page >= MAX_PAGES) {
        this.options.log.warn({ tenantId: call.tenantId, pages: page }, 'graph paging stopped');
        break;
      }
      const body: { value?: T[]; '@odata.nextLink'?: string } = await this.request({
        ...call,
        path,
        method: 'GET',
        idempotent: true,
      });
      items.push(...(body.value ?? []));
      path = body['@odata.nextLink'];
    }
    return items;
  }
}

function pick(f: GraphFailure) {
  return {
    reason: f.reason,
    detail: f.detail,
    status: f.status,
    code: f.code,
    requestId: f.requestId,
  };
}

function toFailure(err: unknown): GraphFailure {
  if (err instanceof GraphCallError) return err.failure;
  // A 2xx whose body never fully arrived (timeout, reset) is a lost answer, not a refusal.
  if (err instanceof GraphError && err.statusCode >= 400) {
    return mapGraphFailure({
      status: err.statusCode,
      code: err.code,
      message: err.message,
      requestId: err.requestId,
      retryAfter: err.headers?.get('retry-after') ?? null,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return mapGraphFailure({ status: null, network: true, message });
}
