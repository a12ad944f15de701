import type { Clock } from '../ports/clock';
import type { GraphPort } from '../ports/graph';
import type { Repositories } from '../ports/repositories';
import type { UnitOfWork } from '../ports/unit-of-work';

export interface MeetingTimings {
  /** When the recovery job first looks at a meeting still in `creating`. */
  recoveryDelayMs: number;
  /** How often and how far apart the new meeting is looked up by its join URL. */
  resolveAttempts: number;
  resolveDelayMs: number;
  /** A meeting not created this long after it was asked for (or by its start, if sooner) is given up. */
  creationDeadlineMs: number;
  /** How long one holder may keep a meeting's lease (one Graph-side operation at a time). */
  leaseMs: number;
  /** How long one pass may spend on Graph calls: well inside the lease, so it ends before the lease. */
  passBudgetMs: number;
}

export const DEFAULT_TIMINGS: MeetingTimings = {
  recoveryDelayMs: 2 * 60_000,
  resolveAttempts: 4,
  resolveDelayMs: 1000,
  creationDeadlineMs: 24 * 3600_000,
  leaseMs: 3 * 60_000,
  passBudgetMs: 2 * 60_000,
};

/** Everything the meeting use cases need; built once in the composition root. */
export interface MeetingDeps {
  repos: Repositories;
  uow: UnitOfWork;
  graph: GraphPort;
  clock: Clock;
  /** Where a person opens an interaction (put in the invitation body). */
  interactionLink(tenantId: string, interactionId: string): string;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  timings: MeetingTimings;
  /** Used (and saved) for a tenant whose settings name no organizer yet. */
  defaultOrganizerUpn?: string;
}

/** Per call: aborted when whoever asked goes away (shutdown, a lost job lease, a closed request). */
export interface CallOptions {
  signal?: AbortSignal;
}
