import {
  Client,
  GraphError,
  RetryHandlerOptions,
  type FetchOptions,
} from '@microsoft/microsoft-graph-client';
import type { Agent } from 'undici';
import { GraphCallError } from '../domain/ports/graph';
import type { Logger } from '../log/logger';
import { isRetryable, mapGraphFailure } from './errors';
import type { GraphTokenProvider } from './token-provider';

export interface GraphCall {
  tenantId: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under /v1.0, e.g. `/users/{id}/events`; segments already URL-encoded. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Safe to send again after a failure: GETs, and creates that carry an idempotency key. */
  idempotent: boolean;
}

export interface GraphClientOptions {
  /** `https://graph.microsoft.com` or the sandbox; without `/v1.0`. */
  baseUrl: string;
  tokens: GraphTokenProvider;
  agent: Agent;
  log: Logger;
  timeoutMs?: number;
  maxAttempts?: number;
  /** A Retry-After longer than this is not waited for here: the caller reschedules instead. */
  maxRetryWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Exponential backoff with jitter for failures that carry no Retry-After. */
function backoff(attempt: number): number {
  return Math.round(Math.min(8000, 400 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
}

/**
 * The one Graph client: base URL, per-tenant app tokens, timeouts, bounded retries where safe, and
 * every failure mapped to a GraphFailure. Tokens go only to the Graph host (`customHosts`).
 */
export class GraphClient {
  private readonly clients = new Map<string, Client>();
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxRetryWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: GraphClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 30_000;
    this.sleep = options.sleep ?? defaultSleep;
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

  private async once<T>(call: GraphCall): Promise<T> {
    const request = this.clientFor(call.tenantId)
      .api(call.path)
      .version('v1.0')
      .middlewareOptions([new RetryHandlerOptions(0, 0)])
      .option('signal', AbortSignal.timeout(this.timeoutMs))
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
    let refreshedToken = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(call);
      } catch (err) {
        const failure = toFailure(err);
        const log = { tenantId: call.tenantId, method: call.method, attempt, ...pick(failure) };
        if (failure.reason === 'unauthorized' && !refreshedToken) {
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
        await this.sleep(wait);
      }
    }
  }
}

function pick(f: GraphCallError['failure']) {
  return { reason: f.reason, status: f.status, code: f.code, requestId: f.requestId };
}

function toFailure(err: unknown): GraphCallError['failure'] {
  if (err instanceof GraphCallError) return err.failure;
  if (err instanceof GraphError && err.statusCode > 0) {
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
