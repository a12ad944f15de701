export const JOB_STATES = ['pending', 'running', 'succeeded', 'dead'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** A row of the durable job queue. */
export interface Job {
  jobId: string;
  /** Null for system-wide jobs (for example reconciliation across tenants). */
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

/** How domain code asks for background work. */
export interface JobQueue {
  enqueue(request: EnqueueRequest): Promise<EnqueueResult>;
}
