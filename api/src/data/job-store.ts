import { randomUUID } from 'node:crypto';
import { In, type DataSource, type EntityManager, type Repository } from 'typeorm';
import type { Clock } from '../domain/ports/clock';
import type { EnqueueRequest, EnqueueResult, Job, JobQueue } from '../domain/ports/job-queue';
import type { Entities } from './entities';
import type { Dialect } from './columns';

const MAX_PAYLOAD_CHARS = 4000;
const MAX_ERROR_CHARS = 2000;

/** Exponential backoff with jitter: 5 s, 10 s, 20 s … capped at 15 min. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(15 * 60_000, 5_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.5 + random() / 2));
}

/** Storage-level outcome of `fail`: retried later, dead-lettered, or the lease was no longer ours. */
export type FailOutcome = 'retry' | 'dead' | 'lost';

/**
 * SQL Server claim: lock hints let several workers claim concurrently without blocking each other
 * or taking the same row. Parameters: @0 owner, @1 lease expiry, @2 now, @3 limit.
 */
export const MSSQL_CLAIM_SQL = `WITH due AS (
  SELECT TOP (@3) j.*
  FROM jobs j WITH (UPDLOCK, READPAST, ROWLOCK)
  WHERE ((j.state = 'pending' AND j.run_after <= @2) OR (j.state = 'running' AND j.lease_expires_at <= @2))
    AND j.attempts < j.max_attempts
    AND (j.dedupe_key IS NULL OR j.state = 'running' OR NOT EXISTS (
      SELECT 1 FROM jobs r WHERE r.dedupe_key = j.dedupe_key AND r.state = 'running'))
  ORDER BY j.run_after
)
UPDATE due
SET state = 'running', lease_owner = @0, lease_expires_at = @1, attempts = attempts + 1, updated_at = @2
OUTPUT inserted.job_id;`;

/** SQLite claim: one atomic statement; SQLite serialises writers, so no two workers get a row. */
export const SQLITE_CLAIM_SQL = `UPDATE jobs
SET state = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ?
WHERE job_id IN (
  SELECT j.job_id FROM jobs j
  WHERE ((j.state = 'pending' AND j.run_after <= ?) OR (j.state = 'running' AND j.lease_expires_at <= ?))
    AND j.attempts < j.max_attempts
    AND (j.dedupe_key IS NULL OR j.state = 'running' OR NOT EXISTS (
      SELECT 1 FROM jobs r WHERE r.dedupe_key = j.dedupe_key AND r.state = 'running'))
  ORDER BY j.run_after
  LIMIT ?
)
RETURNING job_id`;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as {
    code?: string;
    number?: number;
    driverError?: { code?: string; number?: number };
  };
  const code = e?.driverError?.code ?? e?.code;
  const number = e?.driverError?.number ?? e?.number;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || number === 2601 || number === 2627;
}

/** The durable job queue on the `jobs` table: enqueue, claim with a lease, complete, fail. */
export class JobStore implements JobQueue {
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
      const coalesced = await this.coalesce(repo, dedupeKey, runAfter);
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
        dedupeKey && isUniqueViolation(err) ? await this.coalesce(repo, dedupeKey, runAfter) : null;
      if (coalesced) return coalesced;
      throw err;
    }
  }

  /** Joins a pending job with the same key, pulling its run time earlier if asked to. */
  private async coalesce(
    repo: Repository<Job>,
    dedupeKey: string,
    runAfter: Date,
  ): Promise<EnqueueResult | null> {
    const pending = await repo.findOne({ where: { dedupeKey, state: 'pending' } });
    if (!pending) return null;
    if (runAfter < pending.runAfter) {
      await repo.update(
        { jobId: pending.jobId, state: 'pending' },
        { runAfter, updatedAt: this.clock.now() },
      );
    }
    return { jobId: pending.jobId, coalesced: true };
  }

  /** Claims up to `limit` due jobs for `owner`; jobs sharing a dedupe key never run at once. */
  async claim(owner: string, limit: number, leaseMs: number): Promise<Job[]> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const rows: { job_id: string }[] =
      this.dialect === 'mssql'
        ? await this.dataSource.query(MSSQL_CLAIM_SQL, [owner, leaseUntil, now, limit])
        : await this.dataSource.query(SQLITE_CLAIM_SQL, [
            owner,
            this.param(leaseUntil),
            this.param(now),
            this.param(now),
            this.param(now),
            limit,
          ]);
    if (rows.length === 0) return [];
    const jobs = await this.repo().find({ where: { jobId: In(rows.map((r) => r.job_id)) } });
    return jobs.sort((a, b) => a.runAfter.getTime() - b.runAfter.getTime());
  }

  private async transition(jobId: string, owner: string, patch: Partial<Job>): Promise<boolean> {
    const result = await this.repo().update(
      { jobId, state: 'running', leaseOwner: owner },
      { ...patch, updatedAt: this.clock.now() },
    );
    return (result.affected ?? 0) > 0;
  }

  complete(jobId: string, owner: string): Promise<boolean> {
    const now = this.clock.now();
    return this.transition(jobId, owner, {
      state: 'succeeded',
      leaseOwner: null,
      leaseExpiresAt: null,
      finishedAt: now,
    });
  }

  /** Runs the job again at `runAfter` without counting this run as a failed attempt. */
  reschedule(jobId: string, owner: string, runAfter: Date): Promise<boolean> {
    return this.transition(jobId, owner, {
      state: 'pending',
      runAfter,
      attempts: 0,
      leaseOwner: null,
      leaseExpiresAt: null,
    });
  }

  /** Retries with backoff (or at `retryAt`) until max attempts, then dead-letters with the error. */
  async fail(job: Job, owner: string, error: string, retryAt?: Date): Promise<FailOutcome> {
    const lastError = truncate(error, MAX_ERROR_CHARS);
    const dead = job.attempts >= job.maxAttempts;
    const now = this.clock.now();
    const ok = dead
      ? await this.transition(job.jobId, owner, {
          state: 'dead',
          lastError,
          leaseOwner: null,
          leaseExpiresAt: null,
          finishedAt: now,
        })
      : await this.transition(job.jobId, owner, {
          state: 'pending',
          lastError,
          runAfter: retryAt ?? new Date(now.getTime() + backoffMs(job.attempts)),
          leaseOwner: null,
          leaseExpiresAt: null,
        });
    if (!ok) return 'lost';
    return dead ? 'dead' : 'retry';
  }

  extendLease(jobId: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.transition(jobId, owner, {
      leaseExpiresAt: new Date(this.clock.now().getTime() + leaseMs),
    });
  }

  /** Hands a job back (shutdown): claimable again at once, this attempt not counted. */
  async release(job: Job, owner: string): Promise<boolean> {
    return this.transition(job.jobId, owner, {
      state: 'pending',
      attempts: Math.max(0, job.attempts - 1),
      runAfter: this.clock.now(),
      leaseOwner: null,
      leaseExpiresAt: null,
    });
  }

  /** Dead-letters jobs whose worker died on their last allowed attempt. */
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
