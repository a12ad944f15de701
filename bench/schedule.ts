// Schedule throughput and our own overhead per meeting, against the sandbox with no added latency.
// Run: npm run bench:schedule [-- <meetings>]   (results go to stdout; copy them to bench/RESULTS.md)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { loadConfig, withSandbox } from '../api/src/config';
import type { SandboxInfo } from '../api/src/bootstrap/sandbox';
import { registerSandboxTenants } from '../api/src/bootstrap/tenants';
import { scheduleMeeting } from '../api/src/domain/meetings/schedule';
import { silentLogger } from '../api/src/log/logger';
import { startService } from '../api/src/main';
import { startSandbox } from '../sandbox/src/server';

interface Logged {
  seq: number;
  path: string;
  durationMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(name: string, values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  return `${name.padEnd(34)} p50 ${percentile(s, 50).toFixed(2).padStart(7)} ms   p99 ${percentile(s, 99).toFixed(2).padStart(7)} ms`;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 300);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-bench-'));
  const sandbox = await startSandbox({ port: 0, dataDir: path.join(dir, 'sandbox') });
  const agent = new Agent({ connect: { ca: fs.readFileSync(sandbox.caFile, 'utf8') } });
  const get = async <T>(p: string): Promise<T> =>
    (await (await fetch(`${sandbox.url}${p}`, { dispatcher: agent })).json()) as T;
  const info = await get<SandboxInfo>('/_sandbox/info');
  const config = withSandbox(
    loadConfig({
      DATA_DIR: dir,
      PORT: '39780',
      HOST: '127.0.0.1',
      SANDBOX_AUTOSTART: 'false',
      WORKER_ENABLED: 'false',
      LOG_LEVEL: 'silent',
    }),
    info,
  );
  const service = await startService(config, silentLogger);
  await registerSandboxTenants(service.directory, info);
  const tenant = info.tenants[0];
  const ctx = { tenantId: tenant.tenantId, userOid: tenant.organizer!.oid };
  const deps = service.meetings!;
  const request = (i: number) => ({
    subject: `Bench ${i}`,
    start: new Date(Date.now() + 86_400_000 + i * 3600_000),
    end: new Date(Date.now() + 86_400_000 + i * 3600_000 + 1800_000),
    timeZone: 'UTC',
    attendees: [{ email: 'jane@acme.example' }],
  });
  // Warm-up: token, metadata, JIT.
  for (let i = 0; i < 20; i++) await scheduleMeeting(deps, ctx, request(-i - 1));

  // Baseline: the same two Graph calls as bare HTTPS requests (no SDK, no database, no saga).
  const token = (await (
    await fetch(`${sandbox.url}/${tenant.tenantId}/oauth2/v2.0/token`, {
      dispatcher: agent,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: info.app.clientId,
        client_secret: info.app.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      }).toString(),
    })
  ).json()) as { access_token: string };
  const headers = {
    authorization: `Bearer ${token.access_token}`,
    'content-type': 'application/json',
  };
  const baseline: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = request(i);
    const ev = (await (
      await fetch(`${sandbox.url}/v1.0/users/${tenant.organizer!.oid}/events`, {
        dispatcher: agent,
        method: 'POST',
        headers,
        body: JSON.stringify({
          subject: r.subject,
          start: { dateTime: r.start.toISOString().slice(0, 19), timeZone: 'UTC' },
          end: { dateTime: r.end.toISOString().slice(0, 19), timeZone: 'UTC' },
          isOnlineMeeting: true,
          onlineMeetingProvider: 'teamsForBusiness',
          transactionId: `baseline-${i}`,
        }),
      })
    ).json()) as { onlineMeeting: { joinUrl: string } };
    const filter = `JoinWebUrl%20eq%20'${encodeURIComponent(ev.onlineMeeting.joinUrl)}'`;
    await (
      await fetch(
        `${sandbox.url}/v1.0/users/${tenant.organizer!.oid}/onlineMeetings?$filter=${filter}`,
        { dispatcher: agent, headers },
      )
    ).json();
    baseline.push(performance.now() - t0);
  }

  const wall: number[] = [];
  const overhead: number[] = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const before = sandbox.log.lastSeq;
    const t0 = performance.now();
    const m = await scheduleMeeting(deps, ctx, request(i));
    const ms = performance.now() - t0;
    if (m.state !== 'scheduled') throw new Error(`meeting ${i} ended ${m.state}`);
    const waited = (sandbox.log.since(before) as Logged[])
      .filter((r) => r.path.startsWith('/v1.0/'))
      .reduce((a, r) => a + r.durationMs, 0);
    wall.push(ms);
    overhead.push(ms - waited);
  }
  const seconds = (performance.now() - started) / 1000;
  const b50 = percentile(
    [...baseline].sort((a, b) => a - b),
    50,
  );
  const lines = [
    `meetings: ${n} (sequential), node ${process.version}, ${os.cpus().length} cores`,
    `throughput: ${(n / seconds).toFixed(1)} schedules/s`,
    summary('baseline (2 bare HTTPS calls)', baseline),
    summary('schedule, wall time', wall),
    summary('schedule, own overhead', overhead),
    `wall time / baseline (p50): ${(
      percentile(
        [...wall].sort((a, b) => a - b),
        50,
      ) / b50
    ).toFixed(2)}x`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await service.stop();
  await sandbox.stop();
  await agent.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

void main();
