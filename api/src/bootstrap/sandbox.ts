import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import type { Config, SandboxEndpoints } from '../config';
import type { Logger } from '../log/logger';
import { StartupError } from '../startup-error';

/** `GET /_sandbox/info` as the product reads it (tenants to register, endpoints to use). */
export interface SandboxInfo extends SandboxEndpoints {
  tenants: {
    tenantId: string;
    displayName: string;
    organizer: { oid: string; upn: string } | null;
    clients: {
      companyName: string;
      emailDomain: string;
      contacts: { name: string; email: string }[];
    }[];
  }[];
}

export interface SandboxConnection {
  info: SandboxInfo;
  /** True when this process started the sandbox (and so stops it). */
  started: boolean;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

async function readInfo(port: number, caFile: string): Promise<SandboxInfo | null> {
  if (!fs.existsSync(caFile)) return null;
  const agent = new Agent({ connect: { ca: fs.readFileSync(caFile, 'utf8') } });
  try {
    const res = await fetch(`https://127.0.0.1:${port}/_sandbox/info`, {
      dispatcher: agent,
      signal: AbortSignal.timeout(2000),
    });
    return res.ok ? ((await res.json()) as SandboxInfo) : null;
  } catch {
    return null;
  } finally {
    await agent.close();
  }
}

/** The sandbox program: run by path (never imported), with tsx from source or node from dist. */
function sandboxCommand(): { command: string; args: string[] } {
  const fromSource = __filename.endsWith('.ts');
  const root = path.resolve(__dirname, '../../..');
  return fromSource
    ? {
        command: path.join(root, 'node_modules/.bin/tsx'),
        args: [path.join(root, 'sandbox/src/main.ts')],
      }
    : { command: process.execPath, args: [path.join(root, 'sandbox/src/main.js')] };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Sandbox mode: uses the local Microsoft cloud already listening on SANDBOX_PORT, or starts it
 * as a separate process (state saved under DATA_DIR/sandbox) and waits until it answers.
 */
export async function connectSandbox(config: Config, log: Logger): Promise<SandboxConnection> {
  const port = config.sandbox.port;
  const caFile = path.join(config.dataDir, 'sandbox', 'ca.pem');
  const running = await readInfo(port, caFile);
  if (running) {
    log.info({ url: running.urls.graph }, 'using the sandbox already running');
    return { info: running, started: false, stop: async () => {} };
  }
  const { command, args } = sandboxCommand();
  const child = spawn(command, args, {
    env: { ...process.env, SANDBOX_PORT: String(port), DATA_DIR: config.dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const until = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < until) {
    if (child.exitCode !== null) break;
    const info = await readInfo(port, caFile);
    if (info) {
      log.info({ url: info.urls.graph, pid: child.pid }, 'sandbox started');
      child.stdout?.removeAllListeners('data');
      child.stdout?.resume();
      return { info, started: true, stop: () => stopChild(child) };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stopChild(child);
  const why = output.trim().split('\n').pop() ?? 'no output';
  throw new StartupError(
    `the sandbox (local Microsoft cloud) did not start on port ${port}: ${why}; set SANDBOX_PORT to a free port or run it alone with npm run sandbox`,
  );
}

/**
 * Tells the sandbox where the bot listens, as an admin sets the messaging endpoint on the Azure
 * Bot resource: the sandbox then sends Teams' own activities (installs, meeting events) there.
 */
export async function registerMessagingEndpoint(
  connection: SandboxConnection,
  caFile: string,
  messagingEndpoint: string,
  appId: string,
): Promise<void> {
  const agent = new Agent({ connect: { ca: fs.readFileSync(caFile, 'utf8') } });
  try {
    const res = await fetch(
      `${new URL(connection.info.urls.graph).origin}/_sandbox/bot/registration`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messagingEndpoint, appId }),
        dispatcher: agent,
        signal: AbortSignal.timeout(5000),
      },
    );
    if (!res.ok)
      throw new StartupError(`the sandbox refused the bot's endpoint: ${await res.text()}`);
  } finally {
    await agent.close();
  }
}
