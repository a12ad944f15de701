import type { SandboxClock } from './clock';
import type { Ctx } from './http';

export interface LoggedRequest {
  seq: number;
  at: string;
  method: string;
  path: string;
  /** The query string, as sent (never carries secrets in Graph calls). */
  query: string;
  status: number;
  /** Whether an Authorization header came with it, and of what kind; the token itself is never kept. */
  authorization: 'none' | 'bearer' | 'basic' | 'other';
  /** Set by modules: tenant of the token, fault applied, etc. */
  meta: Record<string, unknown>;
  durationMs: number;
}

const MAX_ENTRIES = 20_000;

/** Every request the sandbox received, for tests and people to look at. */
export class RequestLog {
  private entries: LoggedRequest[] = [];
  private seq = 0;

  constructor(private readonly clock: SandboxClock) {}

  record(ctx: Ctx, status: number, durationMs: number): void {
    const auth = ctx.req.headers.authorization ?? '';
    const authorization = !auth
      ? 'none'
      : /^bearer /i.test(auth)
        ? 'bearer'
        : /^basic /i.test(auth)
          ? 'basic'
          : 'other';
    this.entries.push({
      seq: ++this.seq,
      at: this.clock.now().toISOString(),
      method: ctx.method,
      path: ctx.url.pathname,
      query: ctx.url.search,
      status,
      authorization,
      meta: ctx.meta,
      durationMs,
    });
    if (this.entries.length > MAX_ENTRIES)
      this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }

  since(seq = 0): LoggedRequest[] {
    return this.entries.filter((e) => e.seq > seq);
  }

  get lastSeq(): number {
    return this.seq;
  }

  clear(): void {
    this.entries = [];
  }
}
