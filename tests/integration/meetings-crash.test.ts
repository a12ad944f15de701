import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { freePort, ROOT } from '../helpers/process';
import { startServiceOnSandbox } from '../helpers/service';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { until } from '../helpers/wait';

interface SandboxEvents {
  events: { id: string; transactionId: string | null }[];
  summary: { events: number; duplicateTransactionIds: number };
}

const LEASE_MS = '5000';

describe('a crash between Graph creating the event and our commit', () => {
  let sb: TestSandbox;
  let dir: string;
  beforeAll(async () => {
    sb = await startTestSandbox();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-crash-'));
  });
  afterAll(async () => {
    await sb.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is finished by the recovery job after a restart, leaving exactly one calendar event', async () => {
    // The event is created, but its response trickles so slowly that the process dies waiting.
    await sb.control('POST', '/_sandbox/faults', {
      kind: 'slowBody',
      method: 'POST',
      path: '/events$',
      latencyMs: 2000,
    });
    const child = spawn(
      path.join(ROOT, 'node_modules/.bin/tsx'),
      [
        path.join(ROOT, 'tests/fixtures/schedule-and-wait.ts'),
        dir,
        sb.url,
        sb.caFile,
        String(await freePort()),
      ],
      // Its own process group: tsx runs the script in a child node process, which must die too.
      { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const created = await until(
      async () => ((await sb.control('GET', '/_sandbox/events')) as SandboxEvents).events,
      (events) => events.some((e) => e.transactionId !== null),
      30_000,
    );
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    expect(out).not.toContain('scheduled without being killed');
    const transactionId = created.find((e) => e.transactionId)!.transactionId;

    const db = new Database(path.join(dir, 'interactions.db'), { readonly: true });
    const row = db
      .prepare(
        'SELECT state, transaction_id AS tx, provider_event_id AS eventId FROM online_meetings',
      )
      .get();
    db.close();
    expect(row).toEqual({ state: 'creating', tx: transactionId, eventId: null });

    await sb.control('DELETE', '/_sandbox/faults');
    // The dead process's lease on the meeting lapses, then recovery takes over.
    const { service, info } = await startServiceOnSandbox(sb, dir, {
      WORKER_POLL_MS: '100',
      MEETING_LEASE_MS: LEASE_MS,
    });
    try {
      const meetings = await until(
        () => service.repositories.onlineMeetings.list(info.tenants[0].tenantId),
        (list) => list.length === 1 && list[0].state === 'scheduled',
        30_000,
      );
      expect(meetings[0].providerEventId).toBe(created.find((e) => e.transactionId)!.id);
      const events = (await sb.control('GET', '/_sandbox/events')) as SandboxEvents;
      expect(events.summary).toMatchObject({ events: 1, duplicateTransactionIds: 0 });
    } finally {
      await service.stop();
    }
  }, 90_000);
});
