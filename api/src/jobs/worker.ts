import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { AbortedError } from '../domain/errors';
import type { Clock } from '../domain/ports/clock';
import type { Job, WorkerQueue } from '../domain/ports/job-queue';
import type { Logger } from '../log/logger';
import { PermanentJobError, RetryLaterError, type JobRegistry } from './registry';

export interface WorkerOptions {
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  /** The clock leases and retry times are measured against (the database's). */
  clock: Clock;
  id?: string;
  /** After aborting, how long stop() waits for handlers to wind down before handing jobs back. */
  abortGraceMs?: number;
}

const REAP_EVERY_MS = 30_000;

class ShutdownAbort extends AbortedError {
  constructor() {
    super('worker shutting down');
  }
}

class LeaseLostAbort extends AbortedError {
  constructor() {
    super('job lease lost');
  }
}

interface InFlight {
  job: Job;
  done: Promise<void>;
  abort: AbortController;
  heartbeat: NodeJS.Timeout;
}

/** Claims due jobs of the kinds its registry holds and runs them; several workers may share a database. */
export class Worker {
  readonly id: string;
  private readonly inFlight = new Map<string, InFlight>();
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private lastReap = 0;
  /** Settles when stop() is called, so a loop waiting on busy slots notices at once. */
  private stopping: Promise<void> = new Promise(() => undefined);
  private signalStop: () => void = () => undefined;

  constructor(
    private readonly queue: WorkerQueue,
    private readonly registry: JobRegistry,
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
    this.log.info({ workerId: this.id, kinds: this.registry.kinds }, 'worker started');
  }

  /** Makes an idle worker look for jobs now (after an enqueue in this process). */
  poke(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    const kinds = this.registry.kinds;
    while (this.running) {
      let claimed = 0;
      try {
        await this.reapIfDue();
        const free = this.options.concurrency - this.inFlight.size;
        if (free > 0) {
          const jobs = await this.queue.claim(this.id, kinds, free, this.options.leaseMs);
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
    const reaped = await this.queue.reapExpired();
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
        this.queue.extendLease(job, this.id, this.options.leaseMs).then(
          (ok) => {
            if (!ok && !abort.signal.aborted) {
              log.warn('job lease lost; aborting handler');
              abort.abort(new LeaseLostAbort());
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
    const started = Date.now();
    const ms = () => Date.now() - started;
    try {
      const result = await this.registry.run(job, { signal, log });
      if (result && result.runAgainAt) {
        const outcome = await this.queue.reschedule(job, this.id, result.runAgainAt);
        log.info({ ms: ms(), runAgainAt: result.runAgainAt, outcome }, 'job rescheduled');
      } else {
        await this.queue.complete(job, this.id);
        log.info({ ms: ms() }, 'job done');
      }
    } catch (err) {
      if (signal.aborted) {
        // Shutdown hands the job back uncounted; a lost lease means it is someone else's now.
        if (signal.reason instanceof ShutdownAbort) {
          const outcome = await this.queue.release(job, this.id);
          log.warn({ ms: ms(), outcome }, 'job handed back at shutdown');
        } else {
          log.warn({ ms: ms(), reason: String(signal.reason) }, 'job aborted');
        }
        return;
      }
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      if (err instanceof PermanentJobError) {
        await this.queue.deadLetter(job, this.id, message);
        log.error({ err, ms: ms() }, 'job dead-lettered: retrying cannot help');
        return;
      }
      const retryAt =
        err instanceof RetryLaterError
          ? new Date(this.options.clock.now().getTime() + err.retryAfterMs)
          : undefined;
      const outcome = await this.queue.fail(job, this.id, message, retryAt);
      const level = outcome === 'dead' ? 'error' : 'warn';
      log[level]({ err, outcome, ms: ms() }, 'job failed');
    }
  }

  /**
   * Stops claiming and waits for running jobs up to `timeoutMs`; then aborts the rest, gives them a
   * short grace to wind down (they hand their jobs back themselves), and hands back any that did
   * not. When this resolves no handler of this worker is still expected to touch the database.
   */
  async stop(timeoutMs: number): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.signalStop();
    this.poke();
    await this.loop;
    if (!(await settledWithin([...this.inFlight.values()], timeoutMs))) {
      const left = [...this.inFlight.values()];
      for (const f of left) f.abort.abort(new ShutdownAbort());
      const grace = this.options.abortGraceMs ?? 2000;
      if (!(await settledWithin(left, grace))) {
        for (const f of [...this.inFlight.values()]) {
          clearInterval(f.heartbeat);
          this.inFlight.delete(f.job.jobId);
          const outcome = await this.queue.release(f.job, this.id).catch(() => 'lost');
          this.log.error(
            { jobId: f.job.jobId, kind: f.job.kind, outcome },
            'job handler ignored the abort; handed back',
          );
        }
      }
    }
    this.log.info({ workerId: this.id }, 'worker stopped');
  }
}

async function settledWithin(flights: InFlight[], ms: number): Promise<boolean> {
  if (flights.length === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const all = Promise.all(flights.map((f) => f.done)).then(() => true as const);
  const result = await Promise.race([all, deadline]);
  clearTimeout(timer);
  return result;
}
