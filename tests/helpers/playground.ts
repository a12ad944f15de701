import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { freePort, ROOT, waitForStatus } from './process';
import { until } from './wait';

const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/** A child in its own process group, so stopping it also stops what it started. */
export interface GroupProcess {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Runs `args` with tsx (as the npm scripts do) in a new process group, collecting its output. */
export function spawnGroup(args: string[], env: Record<string, string>): GroupProcess {
  const child = spawn(TSX, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      // The whole group is gone already.
    }
  };
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        signal('SIGTERM');
        const killed = setTimeout(() => signal('SIGKILL'), 8000);
        await exited;
        clearTimeout(killed);
      }
      // Whatever it started and left behind goes with the group.
      signal('SIGKILL');
    },
  };
}

/** Fails with the process's last output if it exits before `task` settles. */
async function whileAlive<T>(p: GroupProcess, what: string, task: Promise<T>): Promise<T> {
  let onExit = (_code: number | null) => {};
  const died = new Promise<never>((_, reject) => {
    onExit = (code) => reject(new Error(`${what} exited (${code}):\n${p.output().slice(-3000)}`));
    p.child.once('exit', onExit);
  });
  try {
    return await Promise.race([task, died]);
  } finally {
    p.child.off('exit', onExit);
  }
}

/** The sandbox's control API, trusting its CA from the product's DATA_DIR. */
export interface SandboxControl {
  get<T>(pathname: string): Promise<T>;
  post<T>(pathname: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export function sandboxControl(port: number, dataDir: string): SandboxControl {
  const agent = new Agent({
    connect: { ca: fs.readFileSync(path.join(dataDir, 'sandbox', 'ca.pem'), 'utf8') },
  });
  const call = async <T>(method: string, pathname: string, body?: unknown): Promise<T> => {
    const res = await fetch(`https://127.0.0.1:${port}${pathname}`, {
      method,
      dispatcher: agent,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${pathname}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  };
  return {
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b ?? {}),
    close: () => agent.close(),
  };
}

export interface RunningProduct extends GroupProcess {
  port: number;
  sandboxPort: number;
  dataDir: string;
}

/** `npm start` in sandbox mode with its own DATA_DIR and free ports; resolves once `/readyz` is 200. */
export async function startProduct(dataDir: string): Promise<RunningProduct> {
  const port = await freePort();
  const sandboxPort = await freePort();
  const p = spawnGroup([path.join(ROOT, 'api/src/main.ts')], {
    DATA_DIR: dataDir,
    PORT: String(port),
    SANDBOX_PORT: String(sandboxPort),
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
  });
  try {
    await whileAlive(
      p,
      'the product',
      waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, 60_000),
    );
  } catch (e) {
    await p.stop();
    throw e;
  }
  return { ...p, port, sandboxPort, dataDir };
}

export interface RunningPlayground extends GroupProcess {
  url: string;
}

/** `npm run playground` against `product`; resolves with the UI's URL once it answers. */
export async function startPlayground(
  product: RunningProduct,
  env: Record<string, string> = {},
): Promise<RunningPlayground> {
  const p = spawnGroup([path.join(ROOT, 'scripts/playground.ts')], {
    PORT: String(product.port),
    SANDBOX_PORT: String(product.sandboxPort),
    DATA_DIR: product.dataDir,
    PLAYGROUND_PORT: String(await freePort()),
    ...env,
  });
  try {
    const url = await whileAlive(
      p,
      'npm run playground',
      until(
        async () => /playground: open (http:\/\/\S+)/.exec(p.output())?.[1],
        (u) => !!u,
        30_000,
        100,
      ),
    );
    await waitForStatus(url!, 200, 15_000);
    return { ...p, url: url! };
  } catch (e) {
    await p.stop();
    throw e;
  }
}

/** How many `kind` jobs the product has finished so far, from its JSON log. */
export function jobsDone(product: GroupProcess, kind: string): number {
  let n = 0;
  for (const line of product.output().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { kind?: unknown; msg?: unknown };
      if (entry.kind === kind && entry.msg === 'job done') n += 1;
    } catch {
      // A line cut in two by the pipe; the next read has it whole.
    }
  }
  return n;
}
