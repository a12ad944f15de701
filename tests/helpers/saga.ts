import { JobStore } from '../../api/src/data/job-store';
import { createRepositories } from '../../api/src/data/repositories';
import { TypeOrmUnitOfWork } from '../../api/src/data/unit-of-work';
import { DEFAULT_TIMINGS, type MeetingDeps } from '../../api/src/domain/meetings/deps';
import type { OnlineMeeting } from '../../api/src/domain/meetings/types';
import type { ScheduleRequest } from '../../api/src/domain/meetings/validation';
import type { Job } from '../../api/src/domain/ports/job-queue';
import { ensureTenant } from '../../api/src/domain/tenants/onboarding';
import { ManualClock } from './clock';
import { openTestDb, type TestDb } from './db';
import { ScriptedGraph } from './scripted-graph';

export const TENANT = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
export const ORGANIZER = {
  oid: '3a9e1f52-7c4d-4b8e-9f21-5d6c7b8a9e01',
  upn: 'megan.organizer@contoso.onmicrosoft.com',
};
export const USER = { tenantId: TENANT, userOid: '5d7f9b1c-3e5a-4c7e-9b1d-2f4a6c8e0b3d' };

/** The meeting saga on real SQLite repositories and unit of work, with Graph scripted at its port. */
export interface SagaWorld {
  db: TestDb;
  clock: ManualClock;
  graph: ScriptedGraph;
  jobs: JobStore;
  deps: MeetingDeps;
  meeting(id: string): Promise<OnlineMeeting>;
  /** Jobs of a kind for a meeting (any state). */
  jobsFor(kind: string, meetingId: string): Promise<Job[]>;
  request(over?: Partial<ScheduleRequest>): ScheduleRequest;
  close(): Promise<void>;
}

export async function openSagaWorld(): Promise<SagaWorld> {
  const db = await openTestDb();
  const clock = new ManualClock(Date.parse('2026-06-01T09:00:00.000Z'));
  const jobs = new JobStore(db.dataSource, db.entities, clock, { maxAttempts: 8 });
  const repos = createRepositories(db.dataSource.manager, db.entities, clock);
  const uow = new TypeOrmUnitOfWork(db.dataSource, db.entities, jobs, clock);
  await ensureTenant(
    { uow, clock },
    { tenantId: TENANT, displayName: 'Contoso', organizer: ORGANIZER },
  );
  const graph = new ScriptedGraph();
  const deps: MeetingDeps = {
    repos,
    uow,
    graph,
    clock,
    interactionLink: (_t, id) => `https://app.example/tab/interactions/${id}`,
    sleep: async () => undefined,
    timings: { ...DEFAULT_TIMINGS },
  };
  return {
    db,
    clock,
    graph,
    jobs,
    deps,
    async meeting(id) {
      const m = await repos.onlineMeetings.get(TENANT, { meetingId: id });
      if (!m) throw new Error(`no meeting ${id}`);
      return m;
    },
    async jobsFor(kind, meetingId) {
      const all = await db.dataSource.getRepository(db.entities.jobs).find({ where: { kind } });
      return all.filter(
        (j) => (JSON.parse(j.payload) as { meetingId?: string }).meetingId === meetingId,
      );
    },
    request: (over = {}) => ({
      subject: 'Quarterly review',
      start: new Date(clock.now().getTime() + 86_400_000),
      end: new Date(clock.now().getTime() + 86_400_000 + 45 * 60_000),
      timeZone: 'Europe/London',
      attendees: [{ email: 'jane@acme.example' }],
      ...over,
    }),
    close: () => db.close(),
  };
}
