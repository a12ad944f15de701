import { DatabaseClock } from '../../api/src/data/database-clock';
import {
  JobStore,
  backoffMs,
  sqliteClaimParams,
  sqliteClaimSql,
} from '../../api/src/data/job-store';
import { openTestDb, type TestDb } from '../helpers/db';
import { ManualClock } from '../helpers/clock';

const KINDS = ['capture', 'card', 'reconcile'];

describe('job queue store', () => {
  let db: TestDb;
  let clock: ManualClock;
  let store: JobStore;

  beforeEach(async () => {
    db = await openTestDb();
    clock = new ManualClock();
    store = new JobStore(db.dataSource, db.entities, clock, { maxAttempts: 3 });
  });
  afterEach(async () => db.close());

  it('coalesces a second enqueue of a pending key into the first job', async () => {
    const first = await store.enqueue({
      tenantId: 't1',
      kind: 'capture',
      payload: { m: 1 },
      dedupeKey: 'm1',
    });
    const second = await store.enqueue({
      tenantId: 't1',
      kind: 'capture',
      payload: { m: 1 },
      dedupeKey: 'm1',
    });
    expect(second).toEqual({ jobId: first.jobId, coalesced: true });
    expect(await store.counts()).toEqual({ pending: 1 });
  });

  it('keeps keys of different tenants and kinds apart', async () => {
    const a = await store.enqueue({
      tenantId: 't1',
      kind: 'capture',
      payload: {},
      dedupeKey: 'm1',
    });
    const b = await store.enqueue({
      tenantId: 't2',
      kind: 'capture',
      payload: {},
      dedupeKey: 'm1',
    });
    const c = await store.enqueue({ tenantId: 't1', kind: 'card', payload: {}, dedupeKey: 'm1' });
    expect(new Set([a.jobId, b.jobId, c.jobId]).size).toBe(3);
  });

  it('pulls a coalesced job earlier when the new request is due sooner', async () => {
    const later = new Date(clock.now().getTime() + 60_000);
    const { jobId } = await store.enqueue({
      tenantId: 't1',
      kind: 'capture',
      payload: {},
      dedupeKey: 'm1',
      runAfter: later,
    });
    expect(await store.claim('w1', KINDS, 10, 30_000)).toEqual([]);
    await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {}, dedupeKey: 'm1' });
    const claimed = await store.claim('w1', KINDS, 10, 30_000);
    expect(claimed.map((j) => j.jobId)).toEqual([jobId]);
  });

  it('does not claim a job before its run_after', async () => {
    await store.enqueue({
      tenantId: null,
      kind: 'reconcile',
      payload: {},
      runAfter: new Date(clock.now().getTime() + 5000),
    });
    expect(await store.claim('w1', KINDS, 10, 30_000)).toEqual([]);
    clock.advance(5000);
    expect(await store.claim('w1', KINDS, 10, 30_000)).toHaveLength(1);
  });

  it('accepts a new pending job for a key that is running, but never runs the two at once', async () => {
    const first = await store.enqueue({
      tenantId: 't1',
      kind: 'capture',
      payload: {},
      dedupeKey: 'm1',
    });
    const [running] = await store.claim('w1', KINDS, 10, 30_000);
    expect(running.jobId).toBe(first.jobId);
    const second = await store.enqueue({
      tenantId: 't1',
      kind: 'capture',
      payload: {},
      dedupeKey: 'm1',
    });
    expect(second.coalesced).toBe(false);
    expect(await store.claim('w2', KINDS, 10, 30_000)).toEqual([]);
    await store.complete(running, 'w1');
    expect((await store.claim('w2', KINDS, 10, 30_000)).map((j) => j.jobId)).toEqual([
      second.jobId,
    ]);
  });

  it('makes a job claimable again when its lease expires, and the old owner loses it', async () => {
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {} });
    await store.claim('w1', KINDS, 1, 10_000);
    expect(await store.claim('w2', KINDS, 1, 10_000)).toEqual([]);
    clock.advance(10_001);
    const [reclaimed] = await store.claim('w2', KINDS, 1, 10_000);
    expect(reclaimed).toMatchObject({ jobId, leaseOwner: 'w2', attempts: 2 });
    expect(await store.complete(reclaimed, 'w1')).toBe(false);
    expect(await store.complete(reclaimed, 'w2')).toBe(true);
    expect((await store.get(jobId))?.state).toBe('succeeded');
  });

  it('keeps a lease alive while the owner extends it', async () => {
    await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {} });
    const [job] = await store.claim('w1', KINDS, 1, 10_000);
    clock.advance(8000);
    expect(await store.extendLease(job, 'w1', 10_000)).toBe(true);
    clock.advance(8000);
    expect(await store.claim('w2', KINDS, 1, 10_000)).toEqual([]);
  });

  it('retries a failed job with exponential backoff, then dead-letters it keeping the error', async () => {
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {} });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const [job] = await store.claim('w1', KINDS, 1, 10_000);
      expect(job.attempts).toBe(attempt);
      expect(await store.fail(job, 'w1', `boom ${attempt}`)).toBe('pending');
      const row = await store.get(jobId);
      const delay = row!.runAfter.getTime() - clock.now().getTime();
      expect(row?.state).toBe('pending');
      expect(delay).toBeGreaterThanOrEqual(backoffMs(attempt, () => 0));
      expect(delay).toBeLessThanOrEqual(backoffMs(attempt, () => 1));
      expect(await store.claim('w1', KINDS, 1, 10_000)).toEqual([]);
      clock.advance(delay);
    }
    const [last] = await store.claim('w1', KINDS, 1, 10_000);
    expect(await store.fail(last, 'w1', 'boom 3')).toBe('dead');
    expect(await store.get(jobId)).toMatchObject({
      state: 'dead',
      lastError: 'boom 3',
      attempts: 3,
    });
    clock.advance(24 * 3600_000);
    expect(await store.claim('w1', KINDS, 1, 10_000)).toEqual([]);
  });

  it('doubles the backoff per attempt up to a cap', () => {
    const mid = () => 1;
    expect([1, 2, 3, 4].map((a) => backoffMs(a, mid))).toEqual([5000, 10000, 20000, 40000]);
    expect(backoffMs(30, mid)).toBe(15 * 60_000);
  });

  it('honours an explicit retry time (Retry-After) over the backoff', async () => {
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {} });
    const [job] = await store.claim('w1', KINDS, 1, 10_000);
    const retryAt = new Date(clock.now().getTime() + 120_000);
    await store.fail(job, 'w1', 'throttled', retryAt);
    expect((await store.get(jobId))?.runAfter.toISOString()).toBe(retryAt.toISOString());
  });

  it('dead-letters a job whose worker died on its last attempt', async () => {
    const { jobId } = await store.enqueue({
      tenantId: 't1',
      kind: 'capture',
      payload: {},
      maxAttempts: 1,
    });
    await store.claim('w1', KINDS, 1, 10_000);
    clock.advance(10_001);
    expect(await store.claim('w2', KINDS, 1, 10_000)).toEqual([]);
    expect(await store.reapExpired()).toBe(1);
    expect(await store.get(jobId)).toMatchObject({ state: 'dead' });
    expect((await store.get(jobId))?.lastError).toMatch(/lease expired/);
  });

  it('reschedules without counting an attempt, and hands a job back on release', async () => {
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {} });
    const [job] = await store.claim('w1', KINDS, 1, 10_000);
    await store.reschedule(job, 'w1', new Date(clock.now().getTime() + 1000));
    expect(await store.get(jobId)).toMatchObject({ state: 'pending', attempts: 0 });
    clock.advance(1000);
    const [again] = await store.claim('w1', KINDS, 1, 10_000);
    expect(again.attempts).toBe(1);
    expect(await store.release(again, 'w1')).toBe('pending');
    expect(await store.get(jobId)).toMatchObject({
      state: 'pending',
      attempts: 0,
      leaseOwner: null,
    });
    expect(job.jobId).toBe(jobId);
  });

  it('rejects a payload over the size limit', async () => {
    await expect(
      store.enqueue({ tenantId: 't1', kind: 'capture', payload: { big: 'x'.repeat(5000) } }),
    ).rejects.toThrow(/limit is 4000/);
  });

  describe('a job that runs while the same key is enqueued again', () => {
    // The capture pattern: notifications, meeting end, checks and refresh all enqueue one key.
    async function runningWithPendingPeer() {
      const a = await store.enqueue({
        tenantId: 't1',
        kind: 'capture',
        payload: { n: 1 },
        dedupeKey: 'm1',
      });
      const [running] = await store.claim('w1', KINDS, 10, 30_000);
      expect(running.jobId).toBe(a.jobId);
      const b = await store.enqueue({
        tenantId: 't1',
        kind: 'capture',
        payload: { n: 2 },
        dedupeKey: 'm1',
        runAfter: new Date(clock.now().getTime() + 60_000),
      });
      expect(b.coalesced).toBe(false);
      return { running, peer: b.jobId };
    }

    it('merges into the pending job when it reschedules: the earlier run time, the newer payload', async () => {
      const { running, peer } = await runningWithPendingPeer();
      const soon = new Date(clock.now().getTime() + 5_000);
      expect(await store.reschedule(running, 'w1', soon)).toBe('merged');
      expect(await store.get(running.jobId)).toMatchObject({ state: 'merged', leaseOwner: null });
      const merged = await store.get(peer);
      expect(merged).toMatchObject({ state: 'pending', runAfter: soon });
      expect(JSON.parse(merged!.payload)).toEqual({ n: 2 });
      clock.advance(5_000);
      expect((await store.claim('w2', KINDS, 10, 30_000)).map((j) => j.jobId)).toEqual([peer]);
    });

    it('merges into the pending job when it fails, keeping its error, and the peer keeps its later time', async () => {
      const { running, peer } = await runningWithPendingPeer();
      const later = (await store.get(peer))!.runAfter;
      expect(
        await store.fail(running, 'w1', 'graph throttled', new Date(later.getTime() + 1)),
      ).toBe('merged');
      expect(await store.get(running.jobId)).toMatchObject({
        state: 'merged',
        lastError: 'graph throttled',
      });
      expect((await store.get(peer))?.runAfter).toEqual(later);
    });

    it('merges into the pending job when it is handed back at shutdown, which then runs at once', async () => {
      const { running, peer } = await runningWithPendingPeer();
      expect(await store.release(running, 'w1')).toBe('merged');
      expect((await store.claim('w2', KINDS, 10, 30_000)).map((j) => j.jobId)).toEqual([peer]);
    });

    it('reports the lease lost, and changes nothing, when another worker took the job meanwhile', async () => {
      const { running, peer } = await runningWithPendingPeer();
      clock.advance(30_001);
      const [taken] = await store.claim('w2', KINDS, 10, 30_000);
      expect(taken.jobId).toBe(running.jobId);
      expect(await store.reschedule(running, 'w1', clock.now())).toBe('lost');
      expect((await store.get(running.jobId))?.leaseOwner).toBe('w2');
      expect((await store.get(peer))?.state).toBe('pending');
    });
  });

  it('never loses an enqueue to a claim that takes the pending job between its read and its write', async () => {
    for (let i = 0; i < 20; i++) {
      const key = `k${i}`;
      await store.enqueue({ tenantId: 't1', kind: 'capture', payload: { v: 1 }, dedupeKey: key });
      const [, claimed] = await Promise.all([
        store.enqueue({ tenantId: 't1', kind: 'capture', payload: { v: 2 }, dedupeKey: key }),
        store.claim('w1', KINDS, 10, 60_000),
      ]);
      const rows = await db.dataSource
        .getRepository(db.entities.jobs)
        .find({ where: { dedupeKey: `capture:t1:${key}` } });
      // Either it joined the job before the claim, or it is a job of its own: v2 is never dropped.
      expect(rows.some((j) => (JSON.parse(j.payload) as { v: number }).v === 2)).toBe(true);
      for (const j of claimed) await store.complete(j, 'w1');
    }
  });

  it('keeps the newer payload when a second enqueue coalesces', async () => {
    const { jobId } = await store.enqueue({
      tenantId: 't1',
      kind: 'capture',
      payload: { reason: 'meeting ended' },
      dedupeKey: 'm1',
    });
    await store.enqueue({
      tenantId: 't1',
      kind: 'capture',
      payload: { reason: 'notification' },
      dedupeKey: 'm1',
    });
    expect(JSON.parse((await store.get(jobId))!.payload)).toEqual({ reason: 'notification' });
  });

  it('carries failed attempts into the pending job it merges with, so a failing loop still dead-letters', async () => {
    const { jobId } = await store.enqueue({
      tenantId: 't1',
      kind: 'capture',
      payload: {},
      dedupeKey: 'm1',
    });
    let id = jobId;
    for (let run = 1; run <= 3; run++) {
      const [job] = await store.claim('w1', KINDS, 1, 10_000);
      expect(job).toMatchObject({ jobId: id, attempts: run });
      // While it runs, the same key is enqueued again (as taking a meeting's lease does).
      id = (await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {}, dedupeKey: 'm1' }))
        .jobId;
      const outcome = await store.fail(job, 'w1', 'boom', clock.now());
      expect(outcome).toBe(run < 3 ? 'merged' : 'dead');
    }
    // The job enqueued during the last run still gets its turn, with a fresh count.
    expect((await store.get(id))?.state).toBe('pending');
  });

  it('keeps counting failed attempts across reschedules, so a job that alternates is dead-lettered', async () => {
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {} });
    for (let i = 0; i < 2; i++) {
      const [job] = await store.claim('w1', KINDS, 1, 10_000);
      expect(await store.fail(job, 'w1', 'boom', clock.now())).toBe('pending');
      const [again] = await store.claim('w1', KINDS, 1, 10_000);
      expect(await store.reschedule(again, 'w1', clock.now())).toBe('pending');
    }
    const [last] = await store.claim('w1', KINDS, 1, 10_000);
    expect(last.attempts).toBe(3);
    expect(await store.fail(last, 'w1', 'boom')).toBe('dead');
    expect((await store.get(jobId))?.state).toBe('dead');
  });

  it('claims only the kinds the worker asks for', async () => {
    await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {} });
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'card', payload: {} });
    expect((await store.claim('w1', ['card'], 10, 10_000)).map((j) => j.jobId)).toEqual([jobId]);
    expect(await store.claim('w1', ['card'], 10, 10_000)).toEqual([]);
    expect(await store.claim('w1', [], 10, 10_000)).toEqual([]);
  });

  it('claims expired leases and due jobs oldest first, within the limit', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (
          await store.enqueue({
            tenantId: 't1',
            kind: 'capture',
            payload: { i },
            runAfter: new Date(clock.now().getTime() - (5 - i) * 1000),
          })
        ).jobId,
      );
    }
    const first = await store.claim('w1', KINDS, 2, 10_000);
    expect(first.map((j) => j.jobId)).toEqual(ids.slice(0, 2));
    clock.advance(10_001);
    const next = await store.claim('w2', KINDS, 3, 10_000);
    expect(next.map((j) => j.jobId).sort()).toEqual([...ids.slice(0, 2), ids[2]].sort());
  });

  it('purges succeeded and merged jobs after the retention, dead ones after theirs, never pending', async () => {
    const done = await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {} });
    const dead = await store.enqueue({ tenantId: 't1', kind: 'card', payload: {}, maxAttempts: 1 });
    const waiting = await store.enqueue({
      tenantId: 't1',
      kind: 'reconcile',
      payload: {},
      runAfter: new Date(clock.now().getTime() + 365 * 86_400_000),
    });
    for (const job of await store.claim('w1', KINDS, 10, 10_000)) {
      if (job.jobId === done.jobId) await store.complete(job, 'w1');
      else await store.fail(job, 'w1', 'boom');
    }
    expect((await store.get(dead.jobId))?.state).toBe('dead');
    clock.advance(8 * 86_400_000);
    const purge = () =>
      store.purge({
        finishedBefore: new Date(clock.now().getTime() - 7 * 86_400_000),
        deadBefore: new Date(clock.now().getTime() - 30 * 86_400_000),
      });
    expect(await purge()).toBe(1);
    expect(await store.get(done.jobId)).toBeNull();
    expect(await store.get(dead.jobId)).not.toBeNull();
    clock.advance(30 * 86_400_000);
    expect(await purge()).toBe(1);
    expect(await store.get(waiting.jobId)).not.toBeNull();
  });

  it('claims from an index in run order, per kind, without sorting the due rows (SQLite query plan)', async () => {
    const plan: { id: number; parent: number; detail: string }[] = await db.dataSource.query(
      `EXPLAIN QUERY PLAN ${sqliteClaimSql(2)}`,
      sqliteClaimParams(['capture', 'card'], 'w', 'x', 'x', 5),
    );
    const searches = plan.filter((p) => /^SEARCH j /.test(p.detail)).map((p) => p.detail);
    expect(searches).toEqual([
      expect.stringMatching(/USING INDEX IX_jobs_lease \(state=\? AND lease_expires_at<\?\)/),
      expect.stringMatching(
        /USING INDEX IX_jobs_kind_claim \(state=\? AND kind=\? AND run_after<\?\)/,
      ),
      expect.stringMatching(
        /USING INDEX IX_jobs_kind_claim \(state=\? AND kind=\? AND run_after<\?\)/,
      ),
    ]);
    // A sort may only merge the few rows each part already limited, never sit beside a table read.
    const parentsOfSearches = new Set(
      plan.filter((p) => /^SEARCH j /.test(p.detail)).map((p) => p.parent),
    );
    const sorts = plan.filter((p) => /TEMP B-TREE/.test(p.detail));
    expect(sorts.filter((p) => parentsOfSearches.has(p.parent))).toEqual([]);
  });

  it('finds the due job of its kind behind thousands of due jobs of kinds it does not run', async () => {
    await db.dataSource.query(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
       INSERT INTO jobs (job_id, tenant_id, kind, payload, state, run_after, attempts, max_attempts, created_at, updated_at)
       SELECT 'orphan-' || i, 't1', 'card.refresh', '{}', 'pending', '2026-01-01 00:00:00.000', 0, 3, '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000' FROM n`,
    );
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {} });
    expect((await store.claim('w1', ['capture'], 4, 10_000)).map((j) => j.jobId)).toEqual([jobId]);
  });
});

describe('job queue on the database clock', () => {
  let db: TestDb;
  afterEach(async () => db.close());

  it('compares leases against the database, so a host whose clock runs ten minutes ahead cannot steal a running job', async () => {
    db = await openTestDb();
    const ahead = new DatabaseClock(db.dataSource, () => Date.now() + 10 * 60_000);
    const behind = new DatabaseClock(db.dataSource, () => Date.now() - 10 * 60_000);
    await Promise.all([ahead.sync(), behind.sync()]);
    expect(Math.abs(ahead.now().getTime() - Date.now())).toBeLessThan(60_000);
    expect(ahead.skewMs).toBeGreaterThan(9 * 60_000);
    const slow = new JobStore(db.dataSource, db.entities, behind, { maxAttempts: 3 });
    const fast = new JobStore(db.dataSource, db.entities, ahead, { maxAttempts: 3 });
    await slow.enqueue({ tenantId: 't1', kind: 'capture', payload: {} });
    expect(await slow.claim('behind', KINDS, 1, 60_000)).toHaveLength(1);
    expect(await fast.claim('ahead', KINDS, 1, 60_000)).toEqual([]);
  });
});
