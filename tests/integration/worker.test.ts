import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { JobStore } from '../../api/src/data/job-store';
import { systemClock } from '../../api/src/domain/ports/clock';
import { z } from 'zod';
import {
  JobRegistry,
  PermanentJobError,
  RetryLaterError,
  defineJob,
  type JobContext,
  type JobOutcome,
} from '../../api/src/jobs/registry';
import { Worker } from '../../api/src/jobs/worker';
import { purgeJob, schedulePurge } from '../../api/src/jobs/maintenance-purge';
import { createRepositories } from '../../api/src/data/repositories';
import { silentLogger } from '../../api/src/log/logger';
import { openTestDb, type TestDb } from '../helpers/db';
import { until } from '../helpers/wait';

const waitFor = <T>(fn: () => Promise<T>, ok: (v: T) => boolean) => until(fn, ok, 10_000, 20);

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

describe('worker', () => {
  let db: TestDb;
  let store: JobStore;
  let worker: Worker | undefined;

  beforeEach(async () => {
    db = await openTestDb();
    store = new JobStore(db.dataSource, db.entities, systemClock, { maxAttempts: 2 });
  });
  afterEach(async () => {
    await worker?.stop(1000);
    worker = undefined;
    await db.close();
  });

  type Handler = (
    payload: unknown,
    ctx: JobContext,
  ) => Promise<JobOutcome | undefined> | Promise<void>;
  function startWorker(handlers: Record<string, Handler>, concurrency = 2) {
    const registry = new JobRegistry(
      Object.entries(handlers).map(([kind, run]) =>
        defineJob({ kind, scope: 'tenant', payload: z.unknown(), run }),
      ),
    );
    worker = new Worker(
      store,
      registry,
      { concurrency, pollMs: 10, leaseMs: 10_000, clock: systemClock, abortGraceMs: 200 },
      silentLogger,
    );
    worker.start();
    return worker;
  }

  it('runs a job with its handler and marks it succeeded', async () => {
    const seen: unknown[] = [];
    startWorker({ hello: async (payload) => void seen.push(payload) });
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'hello', payload: { n: 1 } });
    await waitFor(
      () => store.get(jobId),
      (j) => j?.state === 'succeeded',
    );
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('retries a throwing handler and dead-letters it after the last attempt, keeping the error', async () => {
    let calls = 0;
    startWorker({
      flaky: async () => {
        calls++;
        throw new RetryLaterError('graph throttled', 10);
      },
    });
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'flaky', payload: {} });
    const dead = await waitFor(
      () => store.get(jobId),
      (j) => j?.state === 'dead',
    );
    expect(calls).toBe(2);
    expect(dead?.lastError).toBe('RetryLaterError: graph throttled');
  });

  it('reschedules a job whose handler asks to run again later', async () => {
    let calls = 0;
    startWorker({
      poll: async () => (++calls < 3 ? { runAgainAt: new Date(Date.now() + 10) } : undefined),
    });
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'poll', payload: {} });
    await waitFor(
      () => store.get(jobId),
      (j) => j?.state === 'succeeded',
    );
    expect(calls).toBe(3);
  });

  it('leaves a job of a kind it has no handler for to a worker that has one', async () => {
    startWorker({ known: async () => undefined });
    const mystery = await store.enqueue({ tenantId: 't1', kind: 'mystery', payload: {} });
    const known = await store.enqueue({ tenantId: 't1', kind: 'known', payload: {} });
    await waitFor(
      () => store.get(known.jobId),
      (j) => j?.state === 'succeeded',
    );
    expect(await store.get(mystery.jobId)).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('dead-letters at once a payload that breaks its contract, and a tenant job without a tenant', async () => {
    const registry = new JobRegistry([
      defineJob({
        kind: 'typed',
        scope: 'tenant',
        payload: z.object({ meetingId: z.string() }).strict(),
        run: async () => undefined,
      }),
    ]);
    worker = new Worker(
      store,
      registry,
      { concurrency: 2, pollMs: 10, leaseMs: 10_000, clock: systemClock },
      silentLogger,
    );
    worker.start();
    const bad = await store.enqueue({ tenantId: 't1', kind: 'typed', payload: { meeting: 1 } });
    const orphan = await store.enqueue({
      tenantId: null,
      kind: 'typed',
      payload: { meetingId: 'm' },
    });
    const deadBad = await waitFor(
      () => store.get(bad.jobId),
      (j) => j?.state === 'dead',
    );
    expect(deadBad).toMatchObject({ attempts: 1 });
    expect(deadBad?.lastError).toMatch(/breaks its contract: meetingId/);
    const deadOrphan = await waitFor(
      () => store.get(orphan.jobId),
      (j) => j?.state === 'dead',
    );
    expect(deadOrphan?.lastError).toMatch(/has no tenant/);
  });

  it('dead-letters at once when the handler says retrying cannot help', async () => {
    let calls = 0;
    startWorker({
      doomed: async () => {
        calls++;
        throw new PermanentJobError('meeting belongs to nobody');
      },
    });
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'doomed', payload: {} });
    await waitFor(
      () => store.get(jobId),
      (j) => j?.state === 'dead',
    );
    expect(calls).toBe(1);
  });

  it('drains: stop waits for a running job to finish', async () => {
    let release!: () => void;
    const started = new Promise<void>((resolve) => {
      startWorker({ slow: () => new Promise<void>((done) => ((release = done), resolve())) });
    });
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'slow', payload: {} });
    await started;
    const stopping = worker!.stop(5000);
    setTimeout(() => release(), 100);
    await stopping;
    expect((await store.get(jobId))?.state).toBe('succeeded');
  });

  it('hands a job back when it outlives the drain deadline, so another worker can take it', async () => {
    let aborted = false;
    const started = new Promise<void>((resolve) => {
      startWorker({
        stuck: (_payload, { signal }) =>
          new Promise<void>(() => {
            signal.addEventListener('abort', () => (aborted = true));
            resolve();
          }),
      });
    });
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'stuck', payload: {} });
    await started;
    await worker!.stop(100);
    expect(aborted).toBe(true);
    expect(await store.get(jobId)).toMatchObject({
      state: 'pending',
      attempts: 0,
      leaseOwner: null,
    });
  });

  it('stops within its deadline even when every slot is busy with a long job', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    startWorker(
      {
        long: (_payload, { signal }) =>
          new Promise<void>((resolve) => {
            started();
            const timer = setTimeout(resolve, 6000);
            signal.addEventListener('abort', () => clearTimeout(timer));
          }),
      },
      1,
    );
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'long', payload: {} });
    await running;
    const t0 = Date.now();
    await worker!.stop(300);
    // Typically ~0.3 s (deadline) + the abort: the bound only separates "stopped" from "waited 6 s".
    expect(Date.now() - t0).toBeLessThan(4500);
    expect(await store.get(jobId)).toMatchObject({ state: 'pending', leaseOwner: null });
  });

  it('two worker processes on one SQLite file run every job exactly once and never the same job at once', async () => {
    const total = 120;
    for (let i = 0; i < total; i++)
      await store.enqueue({ tenantId: 't1', kind: 'work', payload: { i } });
    await db.dataSource.destroy();
    const logFile = path.join(db.dir, 'runs.log');
    const run = (name: string) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(
          TSX,
          [path.join(ROOT, 'tests/fixtures/queue-worker.ts'), db.file, logFile, name],
          {
            stdio: ['ignore', 'inherit', 'inherit'],
          },
        );
        child.on('error', reject);
        child.on('exit', (code) => resolve(code ?? -1));
      });
    expect(await Promise.all([run('w1'), run('w2')])).toEqual([0, 0]);

    const lines = fs
      .readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    const starts = lines.filter(([e]) => e === 'start');
    expect(starts).toHaveLength(total);
    expect(new Set(starts.map(([, id]) => id)).size).toBe(total);
    expect(new Set(starts.map(([, , w]) => w))).toEqual(new Set(['w1', 'w2']));
    const open = new Set<string>();
    for (const [event, id] of lines) {
      if (event === 'start') {
        expect(open.has(id)).toBe(false);
        open.add(id);
      } else open.delete(id);
    }
    await db.dataSource.initialize();
    expect(await store.counts()).toEqual({ succeeded: total });
  }, 60_000);

  it('purges old finished jobs and processed notifications hourly, as a system job that reschedules itself', async () => {
    const repos = createRepositories(db.dataSource.manager, db.entities, systemClock);
    const old = new Date(Date.now() - 10 * 86_400_000);
    await repos.tenants.upsert('t1', { displayName: 'T', status: 'suspended', consentedAt: null });
    await repos.inbox.insert('t1', {
      dedupeKey: 'n-old',
      subscriptionId: 's',
      kind: 'notification',
      payload: '{}',
      receivedAt: old,
      processedAt: old,
    });
    await repos.inbox.insert('t1', {
      dedupeKey: 'n-unprocessed',
      subscriptionId: 's',
      kind: 'notification',
      payload: '{}',
      receivedAt: old,
      processedAt: null,
    });
    const done = await store.enqueue({ tenantId: 't1', kind: 'x', payload: {} });
    await db.dataSource
      .getRepository(db.entities.jobs)
      .update({ jobId: done.jobId }, { state: 'succeeded', finishedAt: old });
    worker = new Worker(
      store,
      new JobRegistry([
        purgeJob({ jobs: store, repos, clock: systemClock, retention: { days: 7, deadDays: 30 } }),
      ]),
      { concurrency: 1, pollMs: 10, leaseMs: 10_000, clock: systemClock },
      silentLogger,
    );
    const { jobId } = await schedulePurge(store);
    expect((await schedulePurge(store)).jobId).toBe(jobId);
    worker.start();
    const rescheduled = await waitFor(
      () => store.get(jobId),
      (j) => j?.state === 'pending' && j.runAfter.getTime() > Date.now() + 3000_000,
    );
    expect(rescheduled?.tenantId).toBeNull();
    expect(await store.get(done.jobId)).toBeNull();
    expect((await repos.inbox.list('t1')).map((i) => i.dedupeKey)).toEqual(['n-unprocessed']);
  });
});
