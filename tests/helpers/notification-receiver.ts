import http from 'node:http';
import type { ChangeNotificationCollection } from '@microsoft/microsoft-graph-types';

/** A request the fake product webhook received. */
export interface ReceivedRequest {
  method: string;
  /** Path and query exactly as sent. */
  rawUrl: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  body?: string;
  contentType?: string;
  /** Real milliseconds to wait before answering. */
  delayMs?: number;
}

/** The product's handshake done right: 200, text/plain, the decoded token. Anything else: 202. */
export function echoValidation(req: ReceivedRequest): Reply {
  const token = req.query.get('validationToken');
  if (token !== null) return { status: 200, contentType: 'text/plain; charset=utf-8', body: token };
  return { status: 202 };
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** How to answer; replace it per test. */
  respond: (req: ReceivedRequest) => Reply;
  /** Parsed notification POSTs (not handshakes) to `path`. */
  notifications(path: string): ChangeNotificationCollection[];
  close(): Promise<void>;
}

/** A plain-HTTP webhook on 127.0.0.1 that records everything it is sent. */
export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const receiver: Receiver = {
    url: '',
    requests,
    respond: echoValidation,
    notifications: (path) =>
      requests
        .filter((r) => r.path === path && !r.query.has('validationToken'))
        .map((r) => JSON.parse(r.body) as ChangeNotificationCollection),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const received: ReceivedRequest = {
        method: req.method ?? '',
        rawUrl: req.url ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      const reply = receiver.respond(received);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status, reply.contentType ? { 'content-type': reply.contentType } : {});
        res.end(reply.body ?? '');
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return receiver;
}

/** Polls until `check` returns a truthy value (or throws after `timeoutMs` real ms). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 8_000,
): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
