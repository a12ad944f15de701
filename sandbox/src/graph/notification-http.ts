import { Agent, request } from 'undici';

/** What became of one POST to a product webhook. */
export interface PostResult {
  /** The HTTP status, or null when none arrived in time. */
  status: number | null;
  error?: 'timeout' | 'network';
  /** Real milliseconds until the status line arrived (or the attempt failed). */
  durationMs: number;
  contentType?: string;
  /** The response body (only when asked for; at most 64 KiB). */
  text?: string;
}

const MAX_BODY = 64 * 1024;

/**
 * The sandbox's outbound HTTP client for webhooks: POST with a hard timeout, no redirects, TLS ≥ 1.2,
 * and HTTPS targets checked against Node's CA store (Mozilla roots plus NODE_EXTRA_CA_CERTS).
 */
export class WebhookClient {
  private readonly agent = new Agent({
    connect: { minVersion: 'TLSv1.2' },
    keepAliveTimeout: 4_000,
  });
  private readonly inFlight = new Set<AbortController>();

  async post(
    url: string,
    opts: { body: string; contentType: string; timeoutMs: number; readBody?: boolean },
  ): Promise<PostResult> {
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, opts.timeoutMs);
    this.inFlight.add(ac);
    const started = performance.now();
    let durationMs = 0;
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        signal: ac.signal,
        headers: { 'content-type': opts.contentType },
        body: opts.body,
      });
      durationMs = performance.now() - started;
      const contentType = res.headers['content-type'];
      const result: PostResult = {
        status: res.statusCode,
        durationMs,
        contentType: Array.isArray(contentType) ? contentType[0] : contentType,
      };
      if (opts.readBody) result.text = await readLimited(res.body);
      else await res.body.dump({ limit: MAX_BODY });
      return result;
    } catch {
      return {
        status: null,
        error: timedOut ? 'timeout' : 'network',
        durationMs: durationMs || performance.now() - started,
      };
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(ac);
    }
  }

  /** Aborts what is in flight and closes the connections (sandbox stop). */
  async close(): Promise<void> {
    for (const ac of this.inFlight) ac.abort();
    await this.agent.destroy();
  }
}

async function readLimited(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BODY) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
