import { JobStore, backoffMs } from '../../api/src/data/job-store';
import { openTestDb, type TestDb } from '../helpers/db';
import { ManualClock } from '../helpers/clock';

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
    expect(await store.claim('w1', 10, 30_000)).toEqual([]);
    await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {}, dedupeKey: 'm1' });
    const claimed = await store.claim('w1', 10, 30_000);
    expect(claimed.map((j) => j.jobId)).toEqual([jobId]);
  });

  it('does not claim a job before its run_after', async () => {
    await store.enqueue({
      tenantId: null,
      kind: 'reconcile',
      payload: {},
      runAfter: new Date(clock.now().getTime() + 5000),
    });
    expect(await store.claim('w1', 10, 30_000)).toEqual([]);
    clock.advance(5000);
    expect(await store.claim('w1', 10, 30_000)).toHaveLength(1);
  });

  it('accepts a new pending job for a key that is running, but never runs the two at once', async () => {
    const first = await store.enqueue({
      tenantId: 't1',
      kind: 'capture',
      payload: {},
      dedupeKey: 'm1',
    });
    const [running] = await store.claim('w1', 10, 30_000);
    expect(running.jobId).toBe(first.jobId);
    const second = await store.enqueue({
      tenantId: 't1',
      kind: 'capture',
      payload: {},
      dedupeKey: 'm1',
    });
    expect(second.coalesced).toBe(false);
    expect(await store.claim('w2', 10, 30_000)).toEqual([]);
    await store.complete(first.jobId, 'w1');
    expect((await store.claim('w2', 10, 30_000)).map((j) => j.jobId)).toEqual([second.jobId]);
  });

  it('makes a job claimable again when its lease expires, and the old owner loses it', async () => {
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {} });
    await store.claim('w1', 1, 10_000);
    expect(await store.claim('w2', 1, 10_000)).toEqual([]);
    clock.advance(10_001);
    const [reclaimed] = await store.claim('w2', 1, 10_000);
    expect(reclaimed).toMatchObject({ jobId, leaseOwner: 'w2', attempts: 2 });
    expect(await store.complete(jobId, 'w1')).toBe(false);
    expect(await store.complete(jobId, 'w2')).toBe(true);
    expect((await store.get(jobId))?.state).toBe('succeeded');
  });

  it('keeps a lease alive while the owner extends it', async () => {
    await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {} });
    const [job] = await store.claim('w1', 1, 10_000);
    clock.advance(8000);
    expect(await store.extendLease(job.jobId, 'w1', 10_000)).toBe(true);
    clock.advance(8000);
    expect(await store.claim('w2', 1, 10_000)).toEqual([]);
  });

  it('retries a failed job with exponential backoff, then dead-letters it keeping the error', async () => {
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {} });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const [job] = await store.claim('w1', 1, 10_000);
      expect(job.attempts).toBe(attempt);
      expect(await store.fail(job, 'w1', `boom ${attempt}`)).toBe('retry');
      const row = await store.get(jobId);
      const delay = row!.runAfter.getTime() - clock.now().getTime();
      expect(row?.state).toBe('pending');
      expect(delay).toBeGreaterThanOrEqual(backoffMs(attempt, () => 0));
      expect(delay).toBeLessThanOrEqual(backoffMs(attempt, () => 1));
      expect(await store.claim('w1', 1, 10_000)).toEqual([]);
      clock.advance(delay);
    }
    const [last] = await store.claim('w1', 1, 10_000);
    expect(await store.fail(last, 'w1', 'boom 3')).toBe('dead');
    expect(await store.get(jobId)).toMatchObject({
      state: 'dead',
      lastError: 'boom 3',
      attempts: 3,
    });
    clock.advance(24 * 3600_000);
    expect(await store.claim('w1', 1, 10_000)).toEqual([]);
  });

  it('doubles the backoff per attempt up to a cap', () => {
    const mid = () => 1;
    expect([1, 2, 3, 4].map((a) => backoffMs(a, mid))).toEqual([5000, 10000, 20000, 40000]);
    expect(backoffMs(30, mid)).toBe(15 * 60_000);
  });

  it('honours an explicit retry time (Retry-After) over the backoff', async () => {
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {} });
    const [job] = await store.claim('w1', 1, 10_000);
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
    await store.claim('w1', 1, 10_000);
    clock.advance(10_001);
    expect(await store.claim('w2', 1, 10_000)).toEqual([]);
    expect(await store.reapExpired()).toBe(1);
    expect(await store.get(jobId)).toMatchObject({ state: 'dead' });
    expect((await store.get(jobId))?.lastError).toMatch(/lease expired/);
  });

  it('reschedules without counting an attempt, and hands a job back on release', async () => {
    const { jobId } = await store.enqueue({ tenantId: 't1', kind: 'capture', payload: {} });
    const [job] = await store.claim('w1', 1, 10_000);
    await store.reschedule(jobId, 'w1', new Date(clock.now().getTime() + 1000));
    expect(await store.get(jobId)).toMatchObject({ state: 'pending', attempts: 0 });
    clock.advance(1000);
    const [again] = await store.claim('w1', 1, 10_000);
    expect(again.attempts).toBe(1);
    expect(await store.release(again, 'w1')).toBe(true);
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
});
