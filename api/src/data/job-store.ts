import { randomUUID } from 'node:crypto';
import { In, LessThan, type DataSource, type EntityManager, type Repository } from 'typeorm';
import type { Clock } from '../domain/ports/clock';
import type {
  EnqueueRequest,
  EnqueueResult,
  FailOutcome,
  Job,
  TransitionOutcome,
  WorkerQueue,
} from '../domain/ports/job-queue';
import type { Entities } from './entities';
import type { Dialect } from './columns';
import { isDatabaseError, isUniqueViolation, toStorageError } from './storage-errors';
import { inTransaction } from './transaction';

const MAX_PAYLOAD_CHARS = 4000;
const MAX_ERROR_CHARS = 2000;
const PURGE_BATCH = 500;

/** Exponential backoff with jitter: 5 s, 10 s, 20 s … capped at 15 min. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(15 * 60_000, 5_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.5 + random() / 2));
}

const placeholders = (n: number, at: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => at(i)).join(', ');

/**
 * SQL Server claim: lock hints let several workers claim concurrently without blocking each other
 * or taking the same row. The NOT EXISTS probe locks what it reads too, but without READPAST: a
 * running peer that another claim holds must be waited for, never skipped as if it were absent.
 * Parameters: @0 owner, @1 lease expiry, @2 now, @3 limit, @4… kinds.
 */
export function mssqlClaimSql(kinds: number): string {
  const kindList = placeholders(kinds, (i) => `@${4 + i}`);
  return `WITH due AS (
  SELECT TOP (@3) j.*
  FROM jobs j WITH (UPDLOCK, READPAST, ROWLOCK)
  WHERE j.kind IN (${kindList})
    AND j.attempts < j.max_attempts
    AND ((j.state = 'running' AND j.lease_expires_at <= @2)
      OR (j.state = 'pending' AND j.run_after <= @2 AND (j.dedupe_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM jobs r WITH (UPDLOCK, ROWLOCK)
        WHERE r.dedupe_key = j.dedupe_key AND r.state = 'running'))))
  ORDER BY j.run_after
)
UPDATE due
SET state = 'running', lease_owner = @0, lease_expires_at = @1, attempts = attempts + 1, updated_at = @2
OUTPUT inserted.job_id;`;
}

/**
 * SQLite claim: one atomic statement (SQLite serialises writers). Expired leases and due pending
 * jobs are read separately, and pending jobs per kind: each part walks its own index in run order
 * (IX_jobs_kind_claim: state, kind, run_after) and stops at the limit, so neither a long backlog
 * nor a pile of jobs of kinds this worker does not run is read or sorted; only the few oldest of
 * each kind are. Parameters: see `sqliteClaimParams`.
 */
export function sqliteClaimSql(kinds: number): string {
  const kindList = placeholders(kinds, () => '?');
  const perKind = Array.from(
    { length: kinds },
    () => `SELECT * FROM (
      SELECT j.job_id, j.run_after FROM jobs j
      WHERE j.state = 'pending' AND j.kind = ? AND j.run_after <= ? AND j.attempts < j.max_attempts
        AND (j.dedupe_key IS NULL OR NOT EXISTS (
          SELECT 1 FROM jobs r WHERE r.dedupe_key = j.dedupe_key AND r.state = 'running'))
      ORDER BY j.run_after
      LIMIT ?)`,
  ).join('\n    UNION ALL\n    ');
  return `UPDATE jobs
SET state = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ?
WHERE job_id IN (
  SELECT job_id FROM (
    SELECT j.job_id FROM jobs j
    WHERE j.state = 'running' AND j.lease_expires_at <= ?
      AND j.kind IN (${kindList}) AND j.attempts < j.max_attempts
    LIMIT ?)
  UNION ALL
  SELECT job_id FROM (
    ${perKind}
    ORDER BY run_after
    LIMIT ?)
  LIMIT ?
)
RETURNING job_id`;
}

/** Parameters of `sqliteClaimSql`, in order. */
export function sqliteClaimParams(
  kinds: readonly string[],
  owner: string,
  leaseUntil: unknown,
  now: unknown,
  limit: number,
): unknown[] {
  return [
    owner,
    leaseUntil,
    now,
    now,
    ...kinds,
    limit,
    ...kinds.flatMap((kind) => [kind, now, limit]),
    limit,
    limit,
  ];
}

/** The running job was no longer ours when we came to change it. */
class LeaseLost extends Error {}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The durable job queue on the `jobs` table: enqueue, claim with a lease, complete, fail. */
export class JobStore implements WorkerQueue {
  private readonly dialect: Dialect;

  constructor(
    private readonly dataSource: DataSource,
    private readonly entities: Entities,
    private readonly clock: Clock,
    private readonly defaults: { maxAttempts: number },
  ) {
    this.dialect = dataSource.options.type === 'mssql' ? 'mssql' : 'sqlite';
  }

  private repo(manager: EntityManager = this.dataSource.manager): Repository<Job> {
    return manager.getRepository(this.entities.jobs);
  }

  /** A Date as the driver stores it, for hand-written SQL. */
  private param(date: Date): unknown {
    const column = this.dataSource
      .getMetadata(this.entities.jobs)
      .findColumnWithPropertyName('runAfter');
    if (!column) throw new Error('jobs.run_after column metadata missing');
    return this.dataSource.driver.preparePersistentValue(date, column);
  }

  /** Adds a job, or joins a pending one with the same key; `manager` puts it in a transaction. */
  async enqueue(request: EnqueueRequest, manager?: EntityManager): Promise<EnqueueResult> {
    const payload = JSON.stringify(request.payload ?? null);
    if (payload.length > MAX_PAYLOAD_CHARS) {
      throw new Error(
        `job payload for ${request.kind} is ${payload.length} chars; the limit is ${MAX_PAYLOAD_CHARS}`,
      );
    }
    const now = this.clock.now();
    const runAfter = request.runAfter ?? now;
    const dedupeKey =
      request.dedupeKey === undefined
        ? null
        : `${request.kind}:${request.tenantId ?? '-'}:${request.dedupeKey}`;
    const repo = this.repo(manager);
    if (dedupeKey) {
      const coalesced = await this.coalesce(repo, dedupeKey, runAfter, payload);
      if (coalesced) return coalesced;
    }
    const job: Job = {
      jobId: randomUUID(),
      tenantId: request.tenantId,
      kind: request.kind,
      dedupeKey,
      payload,
      state: 'pending',
      runAfter,
      attempts: 0,
      maxAttempts: request.maxAttempts ?? this.defaults.maxAttempts,
      leaseOwner: null,
      leaseExpiresAt: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    };
    try {
      await repo.insert(job);
      return { jobId: job.jobId, coalesced: false };
    } catch (err) {
      // Another enqueue of the same key won the race; join it.
      const coalesced =
        dedupeKey && isUniqueViolation(err)
          ? await this.coalesce(repo, dedupeKey, runAfter, payload)
          : null;
      if (coalesced) return coalesced;
      throw err;
    }
  }

  /** Joins a pending job with the same key: the newer payload wins, the earlier run time wins. */
  private async coalesce(
    repo: Repository<Job>,
    dedupeKey: string,
    runAfter: Date,
    payload: string,
  ): Promise<EnqueueResult | null> {
    const pending = await repo.findOne({ where: { dedupeKey, state: 'pending' } });
    if (!pending) return null;
    const joined = await repo.update(
      { jobId: pending.jobId, state: 'pending' },
      {
        payload,
        runAfter: runAfter < pending.runAfter ? runAfter : pending.runAfter,
        updatedAt: this.clock.now(),
      },
    );
    // A worker claimed it between our read and our write: it runs without us, so insert after all.
    if ((joined.affected ?? 0) === 0) return null;
    return { jobId: pending.jobId, coalesced: true };
  }

  async claim(
    owner: string,
    kinds: readonly string[],
    limit: number,
    leaseMs: number,
  ): Promise<Job[]> {
    if (kinds.length === 0 || limit <= 0) return [];
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const rows: { job_id: string }[] =
      this.dialect === 'mssql'
        ? await this.dataSource.query(mssqlClaimSql(kinds.length), [
            owner,
            leaseUntil,
            now,
            limit,
            ...kinds,
          ])
        : await this.dataSource.query(
            sqliteClaimSql(kinds.length),
            sqliteClaimParams(kinds, owner, this.param(leaseUntil), this.param(now), limit),
          );
    if (rows.length === 0) return [];
    const jobs = await this.repo().find({ where: { jobId: In(rows.map((r) => r.job_id)) } });
    return jobs.sort((a, b) => a.runAfter.getTime() - b.runAfter.getTime());
  }

  /** Changes a job this owner is running; false when the lease is no longer ours. */
  private async transition(
    repo: Repository<Job>,
    jobId: string,
    owner: string,
    patch: Partial<Job>,
  ): Promise<boolean> {
    const result = await repo.update(
      { jobId, state: 'running', leaseOwner: owner },
      { ...patch, updatedAt: this.clock.now() },
    );
    return (result.affected ?? 0) > 0;
  }

  /**
   * Moves a running job back to pending. When a job with the same key is already pending (it was
   * enqueued while this one ran), this one merges into it instead, in one transaction: the pending
   * job keeps its newer payload and takes the earlier run time; this one ends `merged`.
   */
  private async toPending(
    job: Job,
    owner: string,
    patch: { runAfter: Date; attempts: number; lastError?: string },
  ): Promise<TransitionOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(this.dataSource, (manager) =>
          this.toPendingIn(this.repo(manager), job, owner, patch),
        );
      } catch (err) {
        if (err instanceof LeaseLost) return 'lost';
        // SQL Server: an enqueue inserted the pending peer after our read (unique index), or we
        // were picked as a deadlock victim against a claim: both succeed when tried again.
        const again =
          isUniqueViolation(err) || (isDatabaseError(err) && toStorageError(err).transient);
        if (attempt < 3 && again) continue;
        throw err;
      }
    }
  }

  private async toPendingIn(
    repo: Repository<Job>,
    job: Job,
    owner: string,
    patch: { runAfter: Date; attempts: number; lastError?: string },
  ): Promise<TransitionOutcome> {
    const now = this.clock.now();
    const peer = job.dedupeKey
      ? await repo.findOne({ where: { dedupeKey: job.dedupeKey, state: 'pending' } })
      : null;
    if (!peer || peer.jobId === job.jobId) {
      const moved = await this.transition(repo, job.jobId, owner, {
        ...patch,
        state: 'pending',
        leaseOwner: null,
        leaseExpiresAt: null,
      });
      return moved ? 'pending' : 'lost';
    }
    // The peer first, in the order a claim locks them (pending, then its running peer). It takes
    // the earlier run time and keeps this job's failed attempts, so merging never resets a count.
    await repo.update(
      { jobId: peer.jobId, state: 'pending' },
      {
        runAfter: patch.runAfter < peer.runAfter ? patch.runAfter : peer.runAfter,
        attempts: Math.max(peer.attempts, patch.attempts),
        updatedAt: now,
      },
    );
    const merged = await this.transition(repo, job.jobId, owner, {
      state: 'merged',
      ...(patch.lastError !== undefined ? { lastError: patch.lastError } : {}),
      leaseOwner: null,
      leaseExpiresAt: null,
      finishedAt: now,
    });
    // Not ours any more: undo the peer update with the rest of the transaction.
    if (!merged) throw new LeaseLost();
    return 'merged';
  }

  complete(job: Job, owner: string): Promise<boolean> {
    return this.transition(this.repo(), job.jobId, owner, {
      state: 'succeeded',
      leaseOwner: null,
      leaseExpiresAt: null,
      finishedAt: this.clock.now(),
    });
  }

  reschedule(job: Job, owner: string, runAfter: Date): Promise<TransitionOutcome> {
    // Not counted, but earlier failed attempts still are: a job that alternates never loops forever.
    return this.toPending(job, owner, { runAfter, attempts: Math.max(0, job.attempts - 1) });
  }

  async fail(job: Job, owner: string, error: string, retryAt?: Date): Promise<FailOutcome> {
    const lastError = truncate(error, MAX_ERROR_CHARS);
    if (job.attempts >= job.maxAttempts) {
      return (await this.deadLetter(job, owner, lastError)) ? 'dead' : 'lost';
    }
    const now = this.clock.now();
    const runAfter = retryAt ?? new Date(now.getTime() + backoffMs(job.attempts));
    return this.toPending(job, owner, { lastError, runAfter, attempts: job.attempts });
  }

  deadLetter(job: Job, owner: string, error: string): Promise<boolean> {
    return this.transition(this.repo(), job.jobId, owner, {
      state: 'dead',
      lastError: truncate(error, MAX_ERROR_CHARS),
      leaseOwner: null,
      leaseExpiresAt: null,
      finishedAt: this.clock.now(),
    });
  }

  extendLease(job: Job, owner: string, leaseMs: number): Promise<boolean> {
    return this.transition(this.repo(), job.jobId, owner, {
      leaseExpiresAt: new Date(this.clock.now().getTime() + leaseMs),
    });
  }

  release(job: Job, owner: string): Promise<TransitionOutcome> {
    return this.toPending(job, owner, {
      attempts: Math.max(0, job.attempts - 1),
      runAfter: this.clock.now(),
    });
  }

  async reapExpired(): Promise<number> {
    const now = this.clock.now();
    const result = await this.repo()
      .createQueryBuilder()
      .update()
      .set({
        state: 'dead',
        lastError: 'lease expired on the last attempt (worker stopped or crashed)',
        leaseOwner: null,
        leaseExpiresAt: null,
        finishedAt: now,
        updatedAt: now,
      })
      .where('state = :running AND lease_expires_at <= :now AND attempts >= max_attempts', {
        running: 'running',
        now: this.param(now),
      })
      .execute();
    return result.affected ?? 0;
  }

  /** Deletes finished jobs: succeeded and merged ones before `finishedBefore`, dead ones before `deadBefore`. */
  async purge(cutoffs: { finishedBefore: Date; deadBefore: Date }): Promise<number> {
    let total = 0;
    for (const [states, before] of [
      [['succeeded', 'merged'], cutoffs.finishedBefore],
      [['dead'], cutoffs.deadBefore],
    ] as const) {
      for (;;) {
        const batch = await this.repo().find({
          select: { jobId: true },
          where: { state: In([...states]), finishedAt: LessThan(before) },
          take: PURGE_BATCH,
        });
        if (batch.length === 0) break;
        await this.repo().delete({ jobId: In(batch.map((j) => j.jobId)) });
        total += batch.length;
        if (batch.length < PURGE_BATCH) break;
      }
    }
    return total;
  }

  get(jobId: string): Promise<Job | null> {
    return this.repo().findOne({ where: { jobId } });
  }

  /** Job counts by state, for diagnostics. */
  async counts(): Promise<Record<string, number>> {
    const rows: { state: string; n: number | string }[] = await this.repo()
      .createQueryBuilder('j')
      .select('j.state', 'state')
      .addSelect('COUNT(*)', 'n')
      .groupBy('j.state')
      .getRawMany();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }
}
