import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Job } from '../domain/ports/job-queue';
import type { JobStore } from '../data/job-store';
import type { Logger } from '../log/logger';

export interface JobContext {
  /** Aborted when the worker drains past its deadline or the lease is lost. */
  signal: AbortSignal;
  log: Logger;
}

/** A handler returns `{ runAgainAt }` to run again later without it counting as a failure. */
export interface JobOutcome {
  runAgainAt: Date;
}

export type JobHandler = (
  job: Job,
  ctx: JobContext,
) => Promise<JobOutcome | undefined> | Promise<void>;

/** Thrown by a handler to retry at a known time (for example Graph's Retry-After). */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

export interface WorkerOptions {
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  id?: string;
}

const REAP_EVERY_MS = 30_000;

/** Claims due jobs and runs their handlers; several workers (processes) may share one database. */
export class Worker {
  readonly id: string;
  private readonly inFlight = new Map<
    string,
    { job: Job; done: Promise<void>; abort: AbortController; heartbeat: NodeJS.Timeout }
  >();
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private lastReap = 0;
  /** Settles when stop() is called, so a loop waiting on busy slots notices at once. */
  private stopping: Promise<void> = new Promise(() => undefined);
  private signalStop: () => void = () => undefined;

  constructor(
    private readonly store: JobStore,
    private readonly handlers: ReadonlyMap<string, JobHandler>,
    private readonly options: WorkerOptions,
    private readonly log: Logger,
  ) {
    this.id = options.id ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = new Promise<void>((resolve) => (this.signalStop = resolve));
    this.loop = this.run();
    this.log.info({ workerId: this.id, kinds: [...this.handlers.keys()] }, 'worker started');
  }

  /** Makes an idle worker look for jobs now (after an enqueue in this process). */
  poke(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        await this.reapIfDue();
        const free = this.options.concurrency - this.inFlight.size;
        if (free > 0) {
          const jobs = await this.store.claim(this.id, free, this.options.leaseMs);
          claimed = jobs.length;
          for (const job of jobs) this.execute(job);
        }
      } catch (err) {
        this.log.error({ err, workerId: this.id }, 'job claim failed');
      }
      if (claimed === 0 && this.running) await this.sleep(this.options.pollMs);
      else if (this.inFlight.size >= this.options.concurrency && this.running)
        await Promise.race([...[...this.inFlight.values()].map((f) => f.done), this.stopping]);
    }
  }

  private async reapIfDue(): Promise<void> {
    if (Date.now() - this.lastReap < REAP_EVERY_MS) return;
    this.lastReap = Date.now();
    const reaped = await this.store.reapExpired();
    if (reaped > 0)
      this.log.warn({ reaped }, 'dead-lettered jobs whose lease expired on their last attempt');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private execute(job: Job): void {
    const abort = new AbortController();
    const log = this.log.child({
      jobId: job.jobId,
      kind: job.kind,
      tenantId: job.tenantId,
      attempt: job.attempts,
    });
    const heartbeat = setInterval(
      () => {
        this.store.extendLease(job.jobId, this.id, this.options.leaseMs).then(
          (ok) => {
            if (!ok) {
              log.warn('job lease lost; aborting handler');
              abort.abort(new Error('lease lost'));
            }
          },
          (err: unknown) => log.warn({ err }, 'job lease extension failed'),
        );
      },
      Math.max(1000, Math.floor(this.options.leaseMs / 3)),
    );
    const done = this.runHandler(job, abort.signal, log)
      .catch((err: unknown) => log.error({ err }, 'job bookkeeping failed'))
      .finally(() => {
        clearInterval(heartbeat);
        this.inFlight.delete(job.jobId);
        this.poke();
      });
    this.inFlight.set(job.jobId, { job, done, abort, heartbeat });
  }

  private async runHandler(job: Job, signal: AbortSignal, log: Logger): Promise<void> {
    const handler = this.handlers.get(job.kind);
    if (!handler) {
      const outcome = await this.store.fail(
        job,
        this.id,
        `no handler registered for job kind "${job.kind}"`,
      );
      log.error({ outcome }, 'job kind has no handler');
      return;
    }
    const started = Date.now();
    try {
      const result = await handler(job, { signal, log });
      if (result && result.runAgainAt) {
        await this.store.reschedule(job.jobId, this.id, result.runAgainAt);
        log.info({ ms: Date.now() - started, runAgainAt: result.runAgainAt }, 'job rescheduled');
      } else {
        await this.store.complete(job.jobId, this.id);
        log.info({ ms: Date.now() - started }, 'job done');
      }
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      const retryAt =
        err instanceof RetryLaterError ? new Date(Date.now() + err.retryAfterMs) : undefined;
      const outcome = await this.store.fail(job, this.id, message, retryAt);
      const level = outcome === 'dead' ? 'error' : 'warn';
      log[level]({ err, outcome, ms: Date.now() - started }, 'job failed');
    }
  }

  /** Stops claiming, waits for running jobs up to `timeoutMs`, then aborts and hands back the rest. */
  async stop(timeoutMs: number): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.signalStop();
    this.poke();
    await this.loop;
    const deadline = new Promise<'timeout'>((r) =>
      setTimeout(() => r('timeout'), timeoutMs).unref(),
    );
    const all = Promise.all([...this.inFlight.values()].map((f) => f.done));
    if ((await Promise.race([all, deadline])) === 'timeout') {
      const left = [...this.inFlight.values()];
      for (const f of left) {
        clearInterval(f.heartbeat);
        f.abort.abort(new Error('worker shutting down'));
        this.inFlight.delete(f.job.jobId);
      }
      for (const f of left) {
        const released = await this.store.release(f.job, this.id).catch(() => false);
        this.log.warn(
          { jobId: f.job.jobId, kind: f.job.kind, released },
          'job handed back at shutdown',
        );
      }
    }
    this.log.info({ workerId: this.id }, 'worker stopped');
  }
}
