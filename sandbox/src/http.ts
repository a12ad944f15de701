import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  params: Record<string, string>;
  body: Buffer;
  /** The request id Graph-style responses carry (`request-id` header, `innerError`). */
  requestId: string;
  clientRequestId: string;
  /** Facts modules add for the request log (tenant of the token, fault applied, …). */
  meta: Record<string, unknown>;
}

export type Handler = (ctx: Ctx) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/** A small router: `/v1.0/users/:id/events` style patterns; `*` matches the rest of the path. */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const source = path
      .split('/')
      .map((seg) => {
        if (seg === '*') {
          keys.push('rest');
          return '(.*)';
        }
        if (seg.startsWith(':')) {
          keys.push(seg.slice(1));
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), keys, handler });
    return this;
  }

  /** The handler for a request, or why there is none (404 path / 405 method). */
  match(
    method: string,
    pathname: string,
  ): { handler: Handler; params: Record<string, string> } | 'no-path' | 'no-method' {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(pathname);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = safeDecode(m[i + 1])));
      return { handler: route.handler, params };
    }
    return pathMatched ? 'no-method' : 'no-path';
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function sendJson(
  ctx: Ctx,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  ctx.res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  ctx.res.end(text);
}

export function sendEmpty(ctx: Ctx, status: number, headers: Record<string, string> = {}): void {
  ctx.res.writeHead(status, headers);
  ctx.res.end();
}

/** `2025-06-10T09:12:44` — Graph's innerError date: UTC without a zone. */
export function graphDate(d: Date): string {
  return d.toISOString().slice(0, 19);
}

/** Graph's error envelope with the real codes; branch on `code`, never `message`. */
export function graphError(
  ctx: Ctx,
  status: number,
  code: string,
  message: string,
  extra: { headers?: Record<string, string>; innerCode?: string; now?: Date } = {},
): void {
  sendJson(
    ctx,
    status,
    {
      error: {
        code,
        message,
        innerError: {
          ...(extra.innerCode ? { code: extra.innerCode } : {}),
          date: graphDate(extra.now ?? new Date()),
          'request-id': ctx.requestId,
          'client-request-id': ctx.clientRequestId,
        },
      },
    },
    extra.headers,
  );
}

/** JSON body or a 400 in Graph's words. */
export function jsonBody<T = Record<string, unknown>>(ctx: Ctx): T | undefined {
  if (ctx.body.length === 0) {
    graphError(ctx, 400, 'BadRequest', 'Empty Payload. JSON content expected.');
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(ctx.body.toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('not an object');
    return value as T;
  } catch {
    graphError(
      ctx,
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
    return undefined;
  }
}

export function newRequestIds(req: IncomingMessage): {
  requestId: string;
  clientRequestId: string;
} {
  const requestId = randomUUID();
  const sent = req.headers['client-request-id'];
  return {
    requestId,
    clientRequestId: typeof sent === 'string' && sent.length <= 100 ? sent : requestId,
  };
}
