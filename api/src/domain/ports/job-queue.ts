import { z } from 'zod';

export const JOB_STATES = ['pending', 'running', 'succeeded', 'merged', 'dead'] as const;
/** `merged`: finished by handing its work to a pending job of the same key. */
export type JobState = (typeof JOB_STATES)[number];

/** A row of the durable job queue. */
export interface Job {
  jobId: string;
  /** Null for system-wide jobs (for example purging old rows). */
  tenantId: string | null;
  kind: string;
  /** Stored as `${kind}:${tenantId}:${key}`; unique among pending jobs. */
  dedupeKey: string | null;
  payload: string;
  state: JobState;
  runAfter: Date;
  attempts: number;
  maxAttempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** A request at the storage level: any kind, any JSON payload. */
export interface EnqueueRequest {
  tenantId: string | null;
  kind: string;
  payload: unknown;
  /** A second enqueue with the same key while the first is pending coalesces into it. */
  dedupeKey?: string;
  runAfter?: Date;
  maxAttempts?: number;
}

export interface EnqueueResult {
  jobId: string;
  /** True when an already pending job absorbed this request. */
  coalesced: boolean;
}

const id = z.string().min(1).max(64);

/**
 * Background work the domain asks for, by kind, with the payload each carries. The tenant is on
 * the job row (taken from our own rows), never in the payload.
 */
export const JOB_PAYLOADS = {
  /** Finish or compensate a meeting's Graph side: creation, event cleanup, calendar repair. */
  'meeting.recover': z.object({ meetingId: id }).strict(),
  /** Re-render every posted copy of a meeting's living card. */
  'card.refresh': z.object({ meetingId: id }).strict(),
  /** Look for a meeting's recordings and transcripts now (meeting end, a notification, Refresh). */
  'meeting.capture': z.object({ meetingId: id }).strict(),
  /** Make sure an organizer's transcript and recording subscriptions exist. */
  'subscriptions.ensure': z.object({ organizerOid: id }).strict(),
} as const;

export type JobKind = keyof typeof JOB_PAYLOADS;
export type JobPayload<K extends JobKind> = z.infer<(typeof JOB_PAYLOADS)[K]>;

/** What the domain writes into the outbox, inside the unit of work of the change it follows. */
export interface OutboxRequest<K extends JobKind> {
  kind: K;
  tenantId: string;
  payload: JobPayload<K>;
  /** Coalesces with a pending job of the same kind, tenant and key (earliest time, newest payload). */
  dedupeKey?: string;
  runAfter?: Date;
}

/** How domain code asks for background work: only through a unit of work (the outbox). */
export interface JobQueue {
  enqueue<K extends JobKind>(request: OutboxRequest<K>): Promise<EnqueueResult>;
}

/** Where a job that ran goes next: back to pending, merged into a pending peer, or lost. */
export type TransitionOutcome = 'pending' | 'merged' | 'lost';
/** `fail` also dead-letters a job that used its last attempt. */
export type FailOutcome = TransitionOutcome | 'dead';

/** What a worker needs from the durable queue; every change checks the caller still owns the lease. */
export interface WorkerQueue {
  /** Claims due jobs of these kinds; jobs sharing a dedupe key never run at once. */
  claim(owner: string, kinds: readonly string[], limit: number, leaseMs: number): Promise<Job[]>;
  complete(job: Job, owner: string): Promise<boolean>;
  /** Runs the job again later; this run does not count as a failed attempt. */
  reschedule(job: Job, owner: string, runAfter: Date): Promise<TransitionOutcome>;
  /** Retries with backoff (or at `retryAt`) until the last attempt, then dead-letters. */
  fail(job: Job, owner: string, error: string, retryAt?: Date): Promise<FailOutcome>;
  /** Dead-letters at once: retrying cannot help (for example an invalid payload). */
  deadLetter(job: Job, owner: string, error: string): Promise<boolean>;
  /** Hands a job back (shutdown): claimable again at once, this attempt not counted. */
  release(job: Job, owner: string): Promise<TransitionOutcome>;
  extendLease(job: Job, owner: string, leaseMs: number): Promise<boolean>;
  /** Dead-letters jobs whose worker died on their last allowed attempt. */
  reapExpired(): Promise<number>;
  /** System jobs (no tenant), such as the periodic purge. */
  enqueue(request: EnqueueRequest): Promise<EnqueueResult>;
}
