import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { startSandbox, type RunningSandbox } from '../../sandbox/src/server';

export interface TestSandbox extends RunningSandbox {
  dir: string;
  /** The sandbox CA's PEM, for clients that take `ca` directly. */
  ca: string;
  /** An undici dispatcher that trusts the sandbox CA (for fetch and the Graph client). */
  agent: Agent;
  /** fetch against the sandbox, trusting its CA; a relative path is resolved against its URL. */
  fetch(input: string, init?: Parameters<typeof undiciFetch>[1]): ReturnType<typeof undiciFetch>;
  /** POST/PATCH/DELETE to the control API with a JSON body; throws on a non-2xx answer. */
  control(method: string, pathname: string, body?: unknown): Promise<unknown>;
}

/** Starts a sandbox on a free port with its own CA in a temp directory (tests talk to it over HTTPS). */
export async function startTestSandbox(): Promise<TestSandbox> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-sandbox-'));
  const running = await startSandbox({ port: 0, dataDir: dir });
  const ca = fs.readFileSync(running.caFile, 'utf8');
  const agent = new Agent({ connect: { ca } });
  const doFetch: TestSandbox['fetch'] = (input, init) =>
    undiciFetch(input.startsWith('/') ? `${running.url}${input}` : input, {
      dispatcher: agent,
      ...init,
    });
  return {
    ...running,
    dir,
    ca,
    agent,
    fetch: doFetch,
    async control(method, pathname, body) {
      const res = await doFetch(pathname, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${pathname} → ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    async stop() {
      await running.stop();
      await agent.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
