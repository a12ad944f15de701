import type { Clock } from '../ports/clock';
import type { GraphPort } from '../ports/graph';
import type { Notifier } from '../ports/notifier';
import type { Repositories } from '../ports/repositories';
import type { UnitOfWork } from '../ports/unit-of-work';

export interface MeetingTimings {
  /** When the recovery job first looks at a meeting still in `creating`. */
  recoveryDelayMs: number;
  /** How often and how far apart the new meeting is looked up by its join URL. */
  resolveAttempts: number;
  resolveDelayMs: number;
  /** A meeting that cannot be completed by then is compensated and marked failed. */
  creationDeadlineMs: number;
}

export const DEFAULT_TIMINGS: MeetingTimings = {
  recoveryDelayMs: 2 * 60_000,
  resolveAttempts: 4,
  resolveDelayMs: 1000,
  creationDeadlineMs: 60 * 60_000,
};

/** Everything the meeting use cases need; built once in the composition root. */
export interface MeetingDeps {
  repos: Repositories;
  uow: UnitOfWork;
  graph: GraphPort;
  clock: Clock;
  notifier: Notifier;
  /** Where a person opens an interaction (put in the invitation body). */
  interactionLink(tenantId: string, interactionId: string): string;
  sleep(ms: number): Promise<void>;
  timings: MeetingTimings;
  /** Used (and saved) for a tenant whose settings name no organizer yet. */
  defaultOrganizerUpn?: string;
}

/** Job kind of the recovery job that finishes or compensates a meeting left in `creating`. */
export const RECOVER_MEETING_JOB = 'meeting.recover';
