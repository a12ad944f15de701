import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SandboxInfo } from '../../api/src/bootstrap/sandbox';
import { scheduleMeeting } from '../../api/src/domain/meetings/schedule';
import type { OnlineMeeting } from '../../api/src/domain/meetings/types';
import type { Service } from '../../api/src/main';
import { startServiceOnSandbox } from '../helpers/service';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';

const SCHEDULES = 200;
const AT_ONCE = 10;

interface SandboxEvents {
  events: { id: string; transactionId: string | null }[];
  summary: { events: number; duplicateTransactionIds: number };
}

describe('scheduling under injected Graph faults', () => {
  let sb: TestSandbox;
  let dir: string;
  let service: Service;
  let info: SandboxInfo;

  beforeAll(async () => {
    sb = await startTestSandbox();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-faults-'));
    ({ service, info } = await startServiceOnSandbox(sb, dir, {
      WORKER_POLL_MS: '50',
      WORKER_CONCURRENCY: '8',
      MEETING_RECOVERY_DELAY_MS: '1500',
    }));
  });
  afterAll(async () => {
    await service?.stop();
    await sb.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`${SCHEDULES} schedules end with no orphaned or duplicated event, each meeting scheduled or failed with a reason`, async () => {
    await sb.control('POST', '/_sandbox/faults', { seed: 20261127 });
    const graph = '^/v1\\.0/';
    for (const rule of [
      { kind: 'throttle', probability: 0.1, retryAfter: { format: 'decimal', seconds: 0.05 } },
      {
        kind: 'throttle',
        probability: 0.03,
        code: 'ApplicationThrottled',
        retryAfter: { format: 'seconds', seconds: 1 },
      },
      { kind: 'unavailable', probability: 0.05 },
      { kind: 'reset', probability: 0.03 },
      { kind: 'latency', probability: 0.1, latencyMs: 30 },
    ]) {
      await sb.control('POST', '/_sandbox/faults', { ...rule, path: graph });
    }
    const tenant = info.tenants[0];
    const ctx = { tenantId: tenant.tenantId, userOid: tenant.organizer!.oid };
    const deps = {
      ...service.meetings!,
      sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 50))),
    };
    const created: OnlineMeeting[] = [];
    for (let i = 0; i < SCHEDULES; i += AT_ONCE) {
      const batch = Array.from({ length: Math.min(AT_ONCE, SCHEDULES - i) }, (_, j) =>
        scheduleMeeting(deps, ctx, {
          subject: `Review ${i + j}`,
          start: new Date(Date.now() + 86_400_000 + (i + j) * 3600_000),
          end: new Date(Date.now() + 86_400_000 + (i + j) * 3600_000 + 30 * 60_000),
          timeZone: 'UTC',
          attendees: [{ email: 'jane@acme.example' }],
        }),
      );
      created.push(...(await Promise.all(batch)));
    }
    expect(created).toHaveLength(SCHEDULES);

    // Whatever is still in `creating` is the recovery job's to finish, faults and all.
    const deadline = Date.now() + 120_000;
    let meetings = await service.repositories.onlineMeetings.list(ctx.tenantId, {}, { limit: 500 });
    while (meetings.some((m) => m.state === 'creating') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      meetings = await service.repositories.onlineMeetings.list(ctx.tenantId, {}, { limit: 500 });
    }
    await sb.control('DELETE', '/_sandbox/faults');

    expect(meetings).toHaveLength(SCHEDULES);
    const states = meetings.reduce<Record<string, number>>(
      (acc, m) => ({ ...acc, [m.state]: (acc[m.state] ?? 0) + 1 }),
      {},
    );
    expect(Object.keys(states).sort()).toEqual(expect.arrayContaining(['scheduled']));
    for (const m of meetings) {
      expect(['scheduled', 'failed']).toContain(m.state);
      if (m.state === 'failed') expect(m.lastErrorCode).toBeTruthy();
    }
    const events = (await sb.control('GET', '/_sandbox/events')) as SandboxEvents;
    const scheduled = new Map(
      meetings.filter((m) => m.state === 'scheduled').map((m) => [m.transactionId, m]),
    );
    const orphans = events.events.filter(
      (e) => !e.transactionId || !scheduled.has(e.transactionId),
    );
    expect(orphans).toEqual([]);
    expect(events.summary.duplicateTransactionIds).toBe(0);
    expect(events.summary.events).toBe(scheduled.size);
    for (const e of events.events)
      expect(scheduled.get(e.transactionId!)?.providerEventId).toBe(e.id);
  }, 240_000);
});
