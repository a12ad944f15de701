import { z } from 'zod';
import type { Clock } from '../domain/ports/clock';
import type { EnqueueRequest, EnqueueResult } from '../domain/ports/job-queue';
import type { Repositories } from '../domain/ports/repositories';
import { defineJob } from './registry';

export const PURGE_JOB = 'maintenance.purge';
const DAY_MS = 86_400_000;
const EVERY_MS = 3600_000;

export interface PurgeDeps {
  jobs: { purge(cutoffs: { finishedBefore: Date; deadBefore: Date }): Promise<number> };
  repos: Repositories;
  clock: Clock;
  retention: { days: number; deadDays: number };
}

/**
 * `maintenance.purge` (system, hourly): deletes succeeded and merged jobs and processed inbox rows
 * older than the retention, expired meeting drafts, and dead-lettered jobs after a longer one; pending work is never
 * touched. Runs again an hour later by rescheduling itself.
 */
export function purgeJob(deps: PurgeDeps) {
  return defineJob({
    kind: PURGE_JOB,
    scope: 'system',
    payload: z.object({}).strict(),
    async run(_payload, { log, signal }) {
      const now = deps.clock.now().getTime();
      const before = new Date(now - deps.retention.days * DAY_MS);
      const jobs = await deps.jobs.purge({
        finishedBefore: before,
        deadBefore: new Date(now - deps.retention.deadDays * DAY_MS),
      });
      let inbox = 0;
      let drafts = 0;
      for (const tenantId of await deps.repos.tenants.listTenantIds()) {
        signal.throwIfAborted();
        inbox += await deps.repos.inbox.purgeProcessed(tenantId, before);
        drafts += await deps.repos.meetingDrafts.purgeExpired(tenantId, new Date(now));
      }
      if (jobs + inbox + drafts > 0) log.info({ jobs, inbox, drafts }, 'old rows purged');
      return { runAgainAt: new Date(deps.clock.now().getTime() + EVERY_MS) };
    },
  });
}

/** Makes sure one purge job is scheduled (coalesces with a pending one). */
export function schedulePurge(queue: {
  enqueue(request: EnqueueRequest): Promise<EnqueueResult>;
}): Promise<EnqueueResult> {
  return queue.enqueue({ tenantId: null, kind: PURGE_JOB, payload: {}, dedupeKey: 'purge' });
}
