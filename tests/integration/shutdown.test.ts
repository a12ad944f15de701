import fs from 'node:fs';
import Database from 'better-sqlite3';
import os from 'node:os';
import path from 'node:path';
import { scheduleMeeting } from '../../api/src/domain/meetings/schedule';
import type { Feature } from '../../api/src/http/features';
import type { Service, ServiceDeps } from '../../api/src/main';
import type { SandboxInfo } from '../../api/src/bootstrap/sandbox';
import { startServiceOnSandbox } from '../helpers/service';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { until } from '../helpers/wait';

interface SandboxEvents {
  events: { id: string; transactionId: string | null }[];
  deleted: { id: string }[];
}

/**
 * Shutdown drains before it closes the database: work still running past the deadline is aborted
 * and winds down first, so nothing fails for want of a database, and nothing is compensated for it.
 */
describe('shutting down with work in flight', () => {
  let sb: TestSandbox;
  let dir: string;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(async () => sb.stop());
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-shutdown-'));
    await sb.control('POST', '/_sandbox/reset');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const env = { SHUTDOWN_TIMEOUT_MS: '300', MEETING_LEASE_MS: '4000', WORKER_POLL_MS: '50' };
  const events = async () => (await sb.control('GET', '/_sandbox/events')) as SandboxEvents;

  it('aborts an inline saga at the deadline, lets it finish its writes before the database closes, and recovery completes it after a restart', async () => {
    const seen: { outcome?: string; databaseOpen?: boolean } = {};
    // Filled in once the service runs; the handler reads them only then.
    const running: { service?: Service; info?: SandboxInfo } = {};
    const feature: Feature<ServiceDeps> = {
      name: 'schedule-for-test',
      register(routes, deps) {
        routes.post('/api/test/schedule', async (_req, res, { signal }) => {
          const { meetings } = deps();
          try {
            const tenant = running.info!.tenants[0];
            const start = new Date(Date.now() + 86_400_000);
            const m = await scheduleMeeting(
              meetings!,
              { tenantId: tenant.tenantId, userOid: tenant.organizer!.oid },
              {
                subject: 'Interrupted',
                start,
                end: new Date(start.getTime() + 30 * 60_000),
                timeZone: 'UTC',
                attendees: [{ email: 'jane@acme.example' }],
              },
              { signal },
            );
            seen.outcome = m.state;
            res.send(200, { state: m.state });
          } finally {
            seen.databaseOpen = running.service?.dataSource.isInitialized;
          }
        });
      },
    };
    // The event gets created; the meeting lookup that follows never answers.
    await sb.control('POST', '/_sandbox/faults', { kind: 'hang', path: '/onlineMeetings$' });
    const started = await startServiceOnSandbox(sb, dir, env, { features: [feature] });
    const { service } = started;
    Object.assign(running, started);
    void fetch(`http://127.0.0.1:${service.port}/api/test/schedule`, { method: 'POST' }).catch(
      () => null,
    );
    await until(events, (e) => e.events.length === 1);
    await service.stop();
    expect(seen).toEqual({ outcome: 'creating', databaseOpen: true });
    expect((await events()).deleted).toEqual([]);

    await sb.control('DELETE', '/_sandbox/faults');
    const again = await startServiceOnSandbox(sb, dir, env);
    try {
      const tenantId = started.info.tenants[0].tenantId;
      const [m] = await until(
        () => again.service.repositories.onlineMeetings.list(tenantId),
        (list) => list[0]?.state === 'scheduled',
      );
      const now = await events();
      expect(now.events.map((e) => e.id)).toEqual([m.providerEventId]);
      expect(now.deleted).toEqual([]);
    } finally {
      await again.service.stop();
    }
  }, 60_000);

  it('hands a running recovery job back uncounted, after its handler wound down, before the database closes', async () => {
    await sb.control('POST', '/_sandbox/faults', {
      kind: 'throttle',
      path: '/events$',
      remaining: 1,
      retryAfter: { format: 'seconds', seconds: 120 },
    });
    const { service, info } = await startServiceOnSandbox(sb, dir, {
      ...env,
      MEETING_RECOVERY_DELAY_MS: '100',
    });
    const tenant = info.tenants[0];
    const start = new Date(Date.now() + 86_400_000);
    const m = await scheduleMeeting(
      { ...service.meetings!, sleep: async () => undefined },
      { tenantId: tenant.tenantId, userOid: tenant.organizer!.oid },
      {
        subject: 'Recovered later',
        start,
        end: new Date(start.getTime() + 30 * 60_000),
        timeZone: 'UTC',
        attendees: [{ email: 'jane@acme.example' }],
      },
    );
    expect(m.state).toBe('creating');
    // Let the recovery job run now, and hang in Graph.
    await service.repositories.onlineMeetings.update(
      tenant.tenantId,
      { meetingId: m.meetingId },
      { creationRetryAt: null },
    );
    await sb.control('POST', '/_sandbox/faults', { kind: 'hang', path: '/events$' });
    const job = await until(
      async () =>
        (await service.dataSource
          .getRepository('jobs')
          .find({ where: { kind: 'meeting.recover' } })) as {
          state: string;
          attempts: number;
          jobId: string;
        }[],
      (jobs) => jobs.some((j) => j.state === 'running'),
    );
    const running = job.find((j) => j.state === 'running')!;
    const attempts = running.attempts;
    await service.stop();
    const db = new Database(path.join(dir, 'interactions.db'), { readonly: true });
    const rows = db
      .prepare(
        `SELECT job_id AS id, state, attempts, lease_owner AS owner, run_after AS runAfter FROM jobs WHERE kind = 'meeting.recover'`,
      )
      .all() as {
      id: string;
      state: string;
      attempts: number;
      owner: string | null;
      runAfter: string;
    }[];
    const meeting = db
      .prepare('SELECT state, lease_until AS leaseUntil FROM online_meetings')
      .get() as {
      state: string;
      leaseUntil: string;
    };
    db.close();
    // Handed back: itself pending again, or merged into the pending recovery job it wrote (the
    // lease takeover), which is then due at once. Never running, never a counted failure.
    const handed = rows.find((r) => r.id === running.jobId)!;
    expect(['pending', 'merged']).toContain(handed.state);
    expect(handed.owner).toBeNull();
    expect(handed.attempts).toBeLessThanOrEqual(attempts);
    const pending = rows.filter((r) => r.state === 'pending');
    expect(pending).toHaveLength(1);
    expect(Date.parse(`${pending[0].runAfter.replace(' ', 'T')}Z`)).toBeLessThanOrEqual(Date.now());
    expect(rows.filter((r) => r.state === 'running' || r.state === 'dead')).toEqual([]);
    // The meeting waits in `creating`, its lease let go, for the next process to finish it.
    expect(meeting.state).toBe('creating');
    expect(Date.parse(`${meeting.leaseUntil.replace(' ', 'T')}Z`)).toBeLessThanOrEqual(Date.now());
    await sb.control('DELETE', '/_sandbox/faults');
  }, 60_000);
});
