import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Product {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (and how long after `since` it came). */
  exited: Promise<number | null>;
}

/** Runs the product the way `npm start` does (tsx on api/src/main.ts) in `cwd`. */
export function runProduct(cwd: string, env: Record<string, string>, args: string[] = []): Product {
  const child = spawn(TSX, [path.join(ROOT, 'api/src/main.ts'), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Polls `url` until it answers `status`, or fails after `ms`. */
export async function waitForStatus(url: string, status: number, ms = 20_000): Promise<Response> {
  const until = Date.now() + ms;
  let last = '';
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status === status) return res;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = String(e);
    }
    if (Date.now() > until)
      throw new Error(`${url} did not answer ${status} within ${ms} ms (last: ${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
