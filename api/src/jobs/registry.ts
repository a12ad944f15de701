import type { z } from 'zod';
import type { Job } from '../domain/ports/job-queue';
import type { Logger } from '../log/logger';

export interface JobContext {
  /** Aborted when the worker shuts down past its deadline or the job's lease is lost. */
  signal: AbortSignal;
  log: Logger;
  /** The tenant from the job's own row (tenant jobs only); never taken from the payload. */
  tenantId: string;
  job: Job;
}

/** A handler returns `{ runAgainAt }` to run again later without it counting as a failure. */
export interface JobOutcome {
  runAgainAt: Date;
}

/** One kind of background work: its payload contract and its handler. */
export interface JobDefinition<P = unknown> {
  kind: string;
  /** `tenant` jobs carry their tenant on the row; `system` jobs have none. */
  scope: 'tenant' | 'system';
  payload: z.ZodType<P>;
  run(payload: P, ctx: JobContext): Promise<JobOutcome | undefined> | Promise<void>;
}

export function defineJob<P>(definition: JobDefinition<P>): JobDefinition<P> {
  return definition;
}

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

/** Retrying cannot help (a payload that breaks the contract, a job without its tenant). */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/** Kind → payload schema → handler. A worker claims only the kinds its registry holds. */
export class JobRegistry {
  private readonly byKind = new Map<string, JobDefinition>();

  constructor(definitions: readonly JobDefinition<unknown>[]) {
    for (const d of definitions) {
      if (this.byKind.has(d.kind)) throw new Error(`job kind "${d.kind}" registered twice`);
      this.byKind.set(d.kind, d);
    }
  }

  get kinds(): string[] {
    return [...this.byKind.keys()];
  }

  /** Checks the payload against its contract and runs the handler. */
  async run(job: Job, ctx: Omit<JobContext, 'tenantId' | 'job'>): Promise<JobOutcome | undefined> {
    const definition = this.byKind.get(job.kind);
    if (!definition) throw new PermanentJobError(`no handler for job kind "${job.kind}"`);
    let raw: unknown;
    try {
      raw = JSON.parse(job.payload);
    } catch (err) {
      throw new PermanentJobError(`payload of ${job.kind} is not JSON`, { cause: err });
    }
    const parsed = definition.payload.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map(
        (i) => `${i.path.join('.') || '(payload)'}: ${i.message}`,
      );
      throw new PermanentJobError(
        `payload of ${job.kind} breaks its contract: ${issues.join('; ')}`,
      );
    }
    if (definition.scope === 'tenant' && !job.tenantId) {
      throw new PermanentJobError(`${job.kind} is a tenant job but its row has no tenant`);
    }
    return (
      (await definition.run(parsed.data, { ...ctx, tenantId: job.tenantId ?? '', job })) ??
      undefined
    );
  }
}
