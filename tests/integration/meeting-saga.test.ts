import Database from 'better-sqlite3';
import { AbortedError, DomainError } from '../../api/src/domain/errors';
import { cancelMeeting, rescheduleMeeting } from '../../api/src/domain/meetings/manage';
import { recoverMeeting } from '../../api/src/domain/meetings/recovery';
import { scheduleMeeting } from '../../api/src/domain/meetings/schedule';
import { DEFAULT_TIMINGS } from '../../api/src/domain/meetings/deps';
import { graphFailure } from '../helpers/scripted-graph';
import { JobRegistry } from '../../api/src/jobs/registry';
import { meetingRecoverJob } from '../../api/src/jobs/meeting-recover';
import { Worker } from '../../api/src/jobs/worker';
import { silentLogger } from '../../api/src/log/logger';
import { openSagaWorld, ORGANIZER, TENANT, USER, type SagaWorld } from '../helpers/saga';

const LEASE = DEFAULT_TIMINGS.leaseMs;
const throttled = (ms: number | null = null) =>
  graphFailure('throttled', { status: 429, code: 'TooManyRequests', retryAfterMs: ms });
const unavailable = () => graphFailure('transient', { status: 503, code: 'serviceNotAvailable' });
const policyMissing = () =>
  graphFailure('forbidden', {
    status: 403,
    code: 'Forbidden',
    detail: 'accessPolicyMissing',
    message: 'No application access policy found for this app.',
  });

async function domainError(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

describe('the scheduling saga (real SQLite, Graph scripted at its port)', () => {
  let w: SagaWorld;
  beforeEach(async () => {
    w = await openSagaWorld();
  });
  afterEach(async () => w.close());

  describe('creating', () => {
    it('creates the event, resolves the meeting and commits, releasing the lease and writing the card refresh with the change', async () => {
      const m = await scheduleMeeting(w.deps, USER, w.request());
      expect(m).toMatchObject({
        state: 'scheduled',
        providerEventId: 'event-1',
        leaseId: null,
        leaseUntil: null,
        creationRetryAt: null,
        nextCheckAt: null,
      });
      expect(w.graph.calls.map((c) => c.op)).toEqual(['createEvent', 'findOnlineMeetingByJoinUrl']);
      expect(await w.jobsFor('card.refresh', m.meetingId)).toEqual([
        expect.objectContaining({ state: 'pending', tenantId: TENANT }),
      ]);
      // The recovery job is still pending, and finds nothing left to do.
      expect(await recoverMeeting(w.deps, TENANT, m.meetingId)).toEqual({ done: true });
      expect(w.graph.calls).toHaveLength(2);
    });

    it("keeps Graph's Retry-After on the meeting: recovery calls Graph no sooner, then completes", async () => {
      w.graph.failNext('createEvent', throttled(600_000));
      const m = await scheduleMeeting(w.deps, USER, w.request());
      expect(m).toMatchObject({
        state: 'creating',
        lastErrorCode: 'graph_throttled',
        leaseId: null,
      });
      expect(m.creationRetryAt?.getTime()).toBe(w.clock.now().getTime() + 600_000);
      w.clock.advance(120_000);
      const early = await recoverMeeting(w.deps, TENANT, m.meetingId);
      expect(early).toEqual({ done: false, runAgainAt: m.creationRetryAt });
      expect(w.graph.count('createEvent')).toBe(1);
      w.clock.advance(480_000);
      expect(await recoverMeeting(w.deps, TENANT, m.meetingId)).toEqual({ done: true });
      expect(await w.meeting(m.meetingId)).toMatchObject({
        state: 'scheduled',
        creationRetryAt: null,
      });
      expect(w.graph.live()).toHaveLength(1);
    });

    it('checks back less often as a stuck meeting ages, but is there when creation must be given up', async () => {
      const m = await scheduleMeeting(
        w.deps,
        USER,
        w.request({
          start: new Date(w.clock.now().getTime() + 3 * 3600_000),
          end: new Date(w.clock.now().getTime() + 4 * 3600_000),
        }),
      ).then(async (first) => first);
      w.graph.failNext('createEvent', unavailable(), 10);
      // (the first pass succeeded; make a fresh stuck one instead)
      const stuck = await scheduleMeeting(
        w.deps,
        USER,
        w.request({
          start: new Date(w.clock.now().getTime() + 50 * 60_000),
          end: new Date(w.clock.now().getTime() + 80 * 60_000),
        }),
      );
      expect(m.state).toBe('scheduled');
      expect(stuck.state).toBe('creating');
      const wait = async () => {
        const o = await recoverMeeting(w.deps, TENANT, stuck.meetingId);
        if (o.done) throw new Error('done too early');
        return o.runAgainAt.getTime() - w.clock.now().getTime();
      };
      expect(await wait()).toBe(30_000);
      w.clock.advance(40 * 60_000);
      // Age 40 min: a quarter of it would be 10 min, but the start (and give-up) is 10 min away.
      expect(await wait()).toBe(10 * 60_000);
    });

    it('gives up at the start even when Graph asked to wait beyond it', async () => {
      w.graph.failNext('findOnlineMeetingByJoinUrl', throttled(2 * 3600_000));
      const start = new Date(w.clock.now().getTime() + 30 * 60_000);
      const m = await scheduleMeeting(
        w.deps,
        USER,
        w.request({ start, end: new Date(start.getTime() + 30 * 60_000) }),
      );
      expect(m.state).toBe('creating');
      const next = await recoverMeeting(w.deps, TENANT, m.meetingId);
      expect(next).toEqual({ done: false, runAgainAt: start });
      w.clock.advance(30 * 60_000);
      expect(await recoverMeeting(w.deps, TENANT, m.meetingId)).toEqual({ done: true });
      expect(await w.meeting(m.meetingId)).toMatchObject({
        state: 'failed',
        lastErrorCode: 'creation_timed_out',
      });
      expect(w.graph.live()).toEqual([]);
    });

    it('sweeps away a duplicate Graph made when a recovery pass commits, keeping the committed event', async () => {
      const held = w.graph.hold('createEvent');
      const inline = scheduleMeeting(w.deps, USER, w.request());
      await held.reached;
      const [row] = await w.deps.repos.onlineMeetings.list(TENANT);
      w.clock.advance(LEASE + 1000);
      // The late inline pass will get its own event: Graph did not deduplicate this time.
      w.graph.noDedupe = true;
      expect(await recoverMeeting(w.deps, TENANT, row.meetingId)).toEqual({ done: true });
      held.release();
      expect((await inline).state).toBe('scheduled');
      const committed = (await w.meeting(row.meetingId)).providerEventId;
      expect(w.graph.live().map((e) => e.id)).toEqual([committed]);
    });

    it('removes the event of an earlier pass when Graph makes a second one for the same transactionId', async () => {
      w.graph.failNext('findOnlineMeetingByJoinUrl', unavailable());
      const m = await scheduleMeeting(w.deps, USER, w.request());
      expect(m).toMatchObject({ state: 'creating', providerEventId: 'event-1' });
      w.graph.noDedupe = true;
      w.clock.advance(120_000);
      expect(await recoverMeeting(w.deps, TENANT, m.meetingId)).toEqual({ done: true });
      expect(await w.meeting(m.meetingId)).toMatchObject({
        state: 'scheduled',
        providerEventId: 'event-2',
      });
      expect(w.graph.live().map((e) => e.id)).toEqual(['event-2']);
    });

    it('claims the row as failed before removing the event when Graph refuses for good, and says why', async () => {
      w.graph.failNext('findOnlineMeetingByJoinUrl', policyMissing());
      const m = await scheduleMeeting(w.deps, USER, w.request());
      expect(m).toMatchObject({
        state: 'failed',
        lastErrorCode: 'access_policy_missing',
        cleanupPendingAt: null,
        leaseId: null,
      });
      expect(m.lastErrorMessage).toMatch(/Grant-CsApplicationAccessPolicy/);
      expect(w.graph.live()).toEqual([]);
      const ops = w.graph.calls.map((c) => c.op);
      expect(ops.slice(-2)).toEqual(['findEventsByTransactionId', 'deleteEvent']);
      const interaction = await w.deps.repos.interactions.get(TENANT, {
        interactionId: m.interactionId,
      });
      expect(interaction?.status).toBe('cancelled');
      expect(await w.jobsFor('card.refresh', m.meetingId)).toHaveLength(1);
    });

    it('never deletes the event another pass committed: two overlapping passes, the late one loses its claim', async () => {
      // Pass A (inline) waits in the meeting lookup long enough for its lease to lapse.
      const held = w.graph.hold('findOnlineMeetingByJoinUrl');
      const inline = scheduleMeeting(w.deps, USER, w.request());
      await held.reached;
      const [row] = await w.deps.repos.onlineMeetings.list(TENANT);
      w.clock.advance(LEASE + 1000);
      // Pass B (recovery) takes the lapsed lease, gets the same event and commits.
      expect(await recoverMeeting(w.deps, TENANT, row.meetingId)).toEqual({ done: true });
      expect(await w.meeting(row.meetingId)).toMatchObject({
        state: 'scheduled',
        providerEventId: 'event-1',
      });
      // A wakes up to a permanent refusal: it must not compensate a meeting it no longer owns.
      held.release(async () => Promise.reject(policyMissing()));
      const a = await inline;
      expect(a).toMatchObject({ state: 'scheduled', providerEventId: 'event-1' });
      expect(w.graph.count('deleteEvent')).toBe(0);
      expect(w.graph.live().map((e) => e.id)).toEqual(['event-1']);
    });

    it('never commits over a claim: a pass that created the event after the meeting was given up removes what it made', async () => {
      const held = w.graph.hold('createEvent');
      const inline = scheduleMeeting(w.deps, USER, w.request());
      await held.reached;
      const [row] = await w.deps.repos.onlineMeetings.list(TENANT);
      w.clock.advance(LEASE + 1000);
      w.graph.failNext('createEvent', policyMissing());
      await recoverMeeting(w.deps, TENANT, row.meetingId);
      expect(await w.meeting(row.meetingId)).toMatchObject({
        state: 'failed',
        cleanupPendingAt: null,
      });
      held.release(); // Graph creates the event for the late pass after all
      const a = await inline;
      expect(a.state).toBe('failed');
      // Nobody can commit a failed meeting any more: the late pass removes what it made.
      expect(w.graph.live()).toEqual([]);
      expect(await recoverMeeting(w.deps, TENANT, row.meetingId)).toEqual({ done: true });
    });

    it('gives creation up at the start time, removing an event found by its transactionId', async () => {
      // Graph created the event but the answer was lost, then kept failing.
      w.graph.loseAnswer('createEvent', unavailable());
      w.graph.failNext('createEvent', unavailable(), 50);
      const start = new Date(w.clock.now().getTime() + 20 * 60_000);
      const m = await scheduleMeeting(
        w.deps,
        USER,
        w.request({ start, end: new Date(start.getTime() + 30 * 60_000) }),
      );
      expect(m).toMatchObject({ state: 'creating', providerEventId: null });
      expect(w.graph.live()).toHaveLength(1);
      for (let i = 0; i < 3; i++) {
        w.clock.advance(5 * 60_000);
        await recoverMeeting(w.deps, TENANT, m.meetingId);
      }
      expect((await w.meeting(m.meetingId)).state).toBe('creating');
      w.clock.advance(6 * 60_000);
      expect(await recoverMeeting(w.deps, TENANT, m.meetingId)).toEqual({ done: true });
      expect(await w.meeting(m.meetingId)).toMatchObject({
        state: 'failed',
        lastErrorCode: 'creation_timed_out',
        cleanupPendingAt: null,
      });
      expect(w.graph.live()).toEqual([]);
    });

    it('finishes a removal left half done: recovery retries the delete until the event is gone', async () => {
      w.graph.failNext('findOnlineMeetingByJoinUrl', policyMissing());
      w.graph.failNext('deleteEvent', unavailable(), 2);
      const m = await scheduleMeeting(w.deps, USER, w.request());
      expect(m).toMatchObject({ state: 'failed', leaseId: null });
      expect(m.cleanupPendingAt).not.toBeNull();
      expect(w.graph.live()).toHaveLength(1);
      const again = await recoverMeeting(w.deps, TENANT, m.meetingId);
      expect(again.done).toBe(false);
      w.clock.advance(60_000);
      expect(await recoverMeeting(w.deps, TENANT, m.meetingId)).toEqual({ done: true });
      expect(await w.meeting(m.meetingId)).toMatchObject({
        state: 'failed',
        cleanupPendingAt: null,
      });
      expect(w.graph.live()).toEqual([]);
    });

    it('stops a removal Graph refuses for good, and says the event may remain', async () => {
      w.graph.failNext('findOnlineMeetingByJoinUrl', policyMissing());
      w.graph.failNext(
        'deleteEvent',
        graphFailure('forbidden', {
          status: 403,
          code: 'ErrorAccessDenied',
          detail: 'permissionMissing',
        }),
      );
      const m = await scheduleMeeting(w.deps, USER, w.request());
      expect(m).toMatchObject({ state: 'failed', cleanupPendingAt: null });
      expect(m.lastErrorMessage).toMatch(/could not be removed \(ErrorAccessDenied\)/);
      expect(await recoverMeeting(w.deps, TENANT, m.meetingId)).toEqual({ done: true });
    });

    it('undoes nothing when its caller aborts: the lease lapses and recovery finishes with the same event', async () => {
      const abort = new AbortController();
      const held = w.graph.hold('findOnlineMeetingByJoinUrl');
      const inline = scheduleMeeting(w.deps, USER, w.request(), { signal: abort.signal });
      await held.reached;
      abort.abort(new AbortedError('worker shutting down'));
      const m = await inline;
      expect(m).toMatchObject({ state: 'creating', providerEventId: 'event-1' });
      expect(m.leaseUntil!.getTime()).toBeLessThanOrEqual(w.clock.now().getTime());
      expect(w.graph.count('deleteEvent')).toBe(0);
      expect(await recoverMeeting(w.deps, TENANT, m.meetingId)).toEqual({ done: true });
      expect(await w.meeting(m.meetingId)).toMatchObject({
        state: 'scheduled',
        providerEventId: 'event-1',
      });
    });

    it('does not remove the event when the database failed for good after Graph created it but cannot record it either', async () => {
      await w.db.dataSource.query(
        `CREATE TRIGGER refuse_all BEFORE UPDATE ON online_meetings BEGIN SELECT RAISE(ABORT, 'read-only row'); END`,
      );
      const err = await scheduleMeeting(w.deps, USER, w.request()).catch((e: unknown) => e);
      expect(String(err)).toMatch(/read-only row/);
      // It could not claim the row, so it left the event for recovery (which will retry the commit).
      expect(w.graph.count('deleteEvent')).toBe(0);
      await w.db.dataSource.query('DROP TRIGGER refuse_all');
      const [row] = await w.deps.repos.onlineMeetings.list(TENANT);
      w.clock.advance(LEASE + 1000);
      expect(await recoverMeeting(w.deps, TENANT, row.meetingId)).toEqual({ done: true });
      expect(await w.meeting(row.meetingId)).toMatchObject({
        state: 'scheduled',
        providerEventId: 'event-1',
      });
    });

    it('keeps the event when the database is only busy after Graph created it, and recovery commits it', async () => {
      const held = w.graph.hold('createEvent');
      const inline = scheduleMeeting(w.deps, USER, w.request());
      await held.reached;
      // Another process holds SQLite's write lock for longer than the busy timeout.
      const other = new Database(w.db.file);
      other.exec('BEGIN IMMEDIATE');
      held.release();
      const m = await inline;
      other.exec('ROLLBACK');
      other.close();
      expect(m).toMatchObject({ state: 'creating', providerEventId: null });
      expect(w.graph.count('deleteEvent')).toBe(0);
      w.clock.advance(LEASE + 1000);
      expect(await recoverMeeting(w.deps, TENANT, m.meetingId)).toEqual({ done: true });
      expect(await w.meeting(m.meetingId)).toMatchObject({
        state: 'scheduled',
        providerEventId: 'event-1',
      });
      expect(w.graph.live().map((e) => e.id)).toEqual(['event-1']);
    }, 30_000);

    it('uses the default organizer for a tenant that has no settings row yet, and saves it', async () => {
      await w.db.dataSource.query('DELETE FROM tenant_settings');
      const deps = { ...w.deps, defaultOrganizerUpn: ORGANIZER.upn };
      const m = await scheduleMeeting(deps, USER, w.request());
      expect(m).toMatchObject({ state: 'scheduled', organizerOid: ORGANIZER.upn });
      expect(await w.deps.repos.tenantSettings.get(TENANT, {})).toMatchObject({
        organizerUpn: ORGANIZER.upn,
      });
      const [ensure] = await w.db.dataSource
        .getRepository(w.db.entities.jobs)
        .find({ where: { kind: 'subscriptions.ensure' } });
      expect(ensure).toMatchObject({ tenantId: TENANT, state: 'pending' });
    });
  });

  describe('cancelling', () => {
    it('cancels a meeting stuck in creating, removing an event it finds', async () => {
      w.graph.failNext('findOnlineMeetingByJoinUrl', throttled(3600_000));
      const m = await scheduleMeeting(w.deps, USER, w.request());
      expect(m.state).toBe('creating');
      const cancelled = await cancelMeeting(w.deps, USER, m.meetingId);
      expect(cancelled).toMatchObject({
        state: 'cancelled',
        cleanupPendingAt: null,
        leaseId: null,
      });
      expect(w.graph.live()).toEqual([]);
      expect(await recoverMeeting(w.deps, TENANT, m.meetingId)).toEqual({ done: true });
      expect(w.graph.count('createEvent')).toBe(1);
    });

    it('refuses to cancel while a creation pass is running, without touching Graph', async () => {
      const held = w.graph.hold('createEvent');
      const inline = scheduleMeeting(w.deps, USER, w.request());
      await held.reached;
      const [row] = await w.deps.repos.onlineMeetings.list(TENANT);
      const err = await domainError(cancelMeeting(w.deps, USER, row.meetingId));
      expect(err.code).toBe('conflict');
      expect(err.message).toMatch(/being created right now/);
      held.release();
      expect((await inline).state).toBe('scheduled');
    });

    it('cancels after a delete whose answer was lost: recovery finds the event gone and says cancelled', async () => {
      const m = await scheduleMeeting(w.deps, USER, w.request());
      w.graph.loseAnswer('deleteEvent', unavailable());
      const err = await domainError(cancelMeeting(w.deps, USER, m.meetingId));
      expect(err.code).toBe('unavailable');
      expect((await w.meeting(m.meetingId)).state).toBe('scheduled');
      expect(await recoverMeeting(w.deps, TENANT, m.meetingId)).toEqual({ done: true });
      expect(await w.meeting(m.meetingId)).toMatchObject({
        state: 'cancelled',
        lastErrorCode: 'event_deleted',
        leaseId: null,
      });
    });
  });

  describe('rescheduling', () => {
    const later = (w: SagaWorld, days: number) => {
      const start = new Date(w.clock.now().getTime() + days * 86_400_000);
      return { start, end: new Date(start.getTime() + 30 * 60_000), timeZone: 'UTC' };
    };

    it('serialises two reschedules: the second is refused before Graph, and the calendar equals the row', async () => {
      const m = await scheduleMeeting(w.deps, USER, w.request());
      const held = w.graph.hold('updateEvent');
      const first = rescheduleMeeting(w.deps, USER, m.meetingId, later(w, 3));
      await held.reached;
      const err = await domainError(rescheduleMeeting(w.deps, USER, m.meetingId, later(w, 5)));
      expect(err.message).toMatch(/being changed right now/);
      const cancel = await domainError(cancelMeeting(w.deps, USER, m.meetingId));
      expect(cancel.code).toBe('conflict');
      held.release();
      const moved = await first;
      expect(w.graph.count('updateEvent')).toBe(1);
      expect(w.graph.count('deleteEvent')).toBe(0);
      const event = w.graph.events.get('event-1')!;
      expect(event.start).toEqual(moved.startAt);
      expect(moved).toMatchObject({ leaseId: null, startAt: later(w, 3).start });
    });

    it('puts the calendar back as stored when the reschedule could not be saved', async () => {
      const m = await scheduleMeeting(w.deps, USER, w.request());
      await w.db.dataSource.query(
        `CREATE TRIGGER refuse_move BEFORE UPDATE OF start_at ON online_meetings BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
      );
      const target = later(w, 3);
      await expect(rescheduleMeeting(w.deps, USER, m.meetingId, target)).rejects.toThrow(
        /disk full/,
      );
      expect(w.graph.events.get('event-1')!.start).toEqual(target.start);
      await w.db.dataSource.query('DROP TRIGGER refuse_move');
      expect(await recoverMeeting(w.deps, TENANT, m.meetingId)).toEqual({ done: true });
      expect(w.graph.events.get('event-1')!.start).toEqual(m.startAt);
      expect(await w.meeting(m.meetingId)).toMatchObject({ startAt: m.startAt, leaseId: null });
    });

    it('repairs the calendar after a PATCH whose answer was lost', async () => {
      const m = await scheduleMeeting(w.deps, USER, w.request());
      w.graph.loseAnswer('updateEvent', unavailable());
      const err = await domainError(rescheduleMeeting(w.deps, USER, m.meetingId, later(w, 2)));
      expect(err.code).toBe('unavailable');
      expect(await recoverMeeting(w.deps, TENANT, m.meetingId)).toEqual({ done: true });
      expect(w.graph.events.get('event-1')!.start).toEqual(m.startAt);
      expect(w.graph.events.get('event-1')!.attendees).toEqual(['jane@acme.example']);
    });

    it('stops repairing the calendar once the meeting is over, saying it is out of step', async () => {
      const m = await scheduleMeeting(w.deps, USER, w.request());
      w.graph.failNext('updateEvent', unavailable(), 100);
      await domainError(rescheduleMeeting(w.deps, USER, m.meetingId, later(w, 2)));
      const first = await recoverMeeting(w.deps, TENANT, m.meetingId);
      expect(first.done).toBe(false);
      w.clock.advance(m.endAt.getTime() - w.clock.now().getTime() + 1);
      expect(await recoverMeeting(w.deps, TENANT, m.meetingId)).toEqual({ done: true });
      expect(await w.meeting(m.meetingId)).toMatchObject({
        lastErrorCode: 'calendar_out_of_sync',
        leaseId: null,
      });
    });

    it('keeps the row when Graph refuses the move, and says what to fix', async () => {
      const m = await scheduleMeeting(w.deps, USER, w.request());
      w.graph.failNext(
        'updateEvent',
        graphFailure('unauthorized', { code: 'AADSTS7000215', detail: 'credentialsInvalid' }),
      );
      const err = await domainError(rescheduleMeeting(w.deps, USER, m.meetingId, later(w, 2)));
      expect(err.code).toBe('forbidden');
      expect(err.message).toMatch(/renew the client secret/);
      expect(await w.meeting(m.meetingId)).toMatchObject({ startAt: m.startAt, leaseId: null });
    });
  });

  it('dead-letters a recovery job that keeps failing, even though each pass takes the lease anew', async () => {
    const m = await scheduleMeeting(w.deps, USER, w.request());
    // A PATCH whose answer is lost leaves the lease lapsed; every repair then breaks (a bug, say).
    w.graph.loseAnswer('updateEvent', unavailable());
    for (let i = 0; i < 50; i++)
      w.graph.next('updateEvent', async () => Promise.reject(new Error('bug')));
    await domainError(
      rescheduleMeeting(w.deps, USER, m.meetingId, {
        start: new Date(w.clock.now().getTime() + 2 * 86_400_000),
        end: new Date(w.clock.now().getTime() + 2 * 86_400_000 + 1800_000),
        timeZone: 'UTC',
      }),
    );
    const worker = new Worker(
      w.jobs,
      new JobRegistry([meetingRecoverJob(w.deps)]),
      { concurrency: 1, pollMs: 5, leaseMs: 60_000, clock: w.clock },
      silentLogger,
    );
    worker.start();
    try {
      const until = Date.now() + 20_000;
      let jobs = await w.jobsFor('meeting.recover', m.meetingId);
      while (!jobs.some((j) => j.state === 'dead') && Date.now() < until) {
        w.clock.advance(3600_000);
        await new Promise((r) => setTimeout(r, 20));
        jobs = await w.jobsFor('meeting.recover', m.meetingId);
      }
      expect(jobs.filter((j) => j.state === 'dead')).toHaveLength(1);
      expect(jobs.filter((j) => j.state === 'pending' || j.state === 'running')).toEqual([]);
      expect(w.graph.count('updateEvent')).toBeLessThanOrEqual(1 + 8);
    } finally {
      await worker.stop(1000);
    }
  });
});
