import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium unless `CHROMIUM_PATH` says otherwise. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_INSTALL_COMMAND =
  'apt-get update && apt-get install -y chromium fonts-liberation';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function hasChromium(): boolean {
  try {
    fs.accessSync(CHROMIUM_PATH, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * `describe` for browser suites: without Chromium the suite is reported as skipped and the install
 * command goes to stderr (jest hides console output of skipped suites). `REQUIRE_CHROMIUM=1` turns a
 * missing browser into a failure instead (for CI images that must have it).
 */
export function describeInBrowser(name: string, fn: () => void): void {
  if (hasChromium()) {
    describe(name, fn);
    return;
  }
  const why = `no Chromium at ${CHROMIUM_PATH}; install it with: ${CHROMIUM_INSTALL_COMMAND} (or set CHROMIUM_PATH)`;
  if (process.env.REQUIRE_CHROMIUM === '1') {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(why);
      });
    });
    return;
  }
  process.stderr.write(`\n[browser suite skipped] ${name}: ${why}\n\n`);
  describe.skip(name, fn);
}

/** Chromium's `--ignore-certificate-errors-spki-list` entry for a server certificate (PEM). */
export function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Headless Chromium with a fresh profile. `trustServerCerts` (PEM) are accepted by public-key pin,
 * so the sandbox's HTTPS works while every other certificate error still fails. Requests to
 * Microsoft's CDN (teams-js fetches its origin allow-list at import time) are aborted: tests stay offline.
 */
export async function launchBrowser(
  options: { trustServerCerts?: string[] } = {},
): Promise<TestBrowser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-chromium-'));
  const pins = (options.trustServerCerts ?? []).map(spkiHash);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    // A page fulfilled by `context.route` has no address space of its own, so Chromium's Local
    // Network Access treats its calls to 127.0.0.1 (the sandbox) as public → loopback and blocks them.
    permissions: ['local-network-access'],
    args: [
      ...CHROMIUM_ARGS,
      ...(pins.length ? [`--ignore-certificate-errors-spki-list=${pins.join(',')}`] : []),
    ],
  });
  await context.route('https://res.cdn.office.net/**', (route) => route.abort());
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

/** A tiny static file server on 127.0.0.1 (a stand-in for wherever the tab is hosted). */
export async function serveDirectory(
  dir: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.resolve(
      root,
      `.${pathname.endsWith('/') ? `${pathname}index.html` : pathname}`,
    );
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      // Not chained: restify, loaded by other test files in the same worker, makes writeHead return undefined.
      res.writeHead(404);
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Bundles a browser entry point (IIFE) with esbuild into `outFile`, as a production build would. */
export async function bundleForBrowser(entry: string, outFile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile: outFile,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    logLevel: 'silent',
  });
}
