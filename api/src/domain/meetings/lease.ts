import { randomUUID } from 'node:crypto';
import { DomainError } from '../errors';
import type { Transaction } from '../ports/unit-of-work';
import type { MeetingDeps } from './deps';
import type { OnlineMeeting } from './types';

/** Fields only a lease holder writes (besides whatever its operation changes). */
export type MeetingPatch = Partial<Omit<OnlineMeeting, 'tenantId' | 'meetingId' | 'version'>>;

/** Writes that commit together with a lease holder's change (the outbox, related rows). */
export type AlongWith = (tx: Transaction, meeting: OnlineMeeting) => Promise<void>;

/** Another holder took the meeting over (our lease expired): stop, and undo nothing. */
export class LeaseLostError extends Error {
  constructor(readonly meeting: OnlineMeeting) {
    super('the meeting lease was taken over');
    this.name = 'LeaseLostError';
  }
}

const MAX_CAS_RETRIES = 5;
/** The recovery job that takes over a lease nobody released runs this long after it lapsed. */
const TAKEOVER_MARGIN_MS = 1000;

/** A Graph-side operation on a meeting is running until this time (someone holds its lease). */
export function leaseHeldUntil(m: OnlineMeeting, now: Date): Date | null {
  return m.leaseId && m.leaseUntil && m.leaseUntil > now ? m.leaseUntil : null;
}

/** Whether a lease was taken and never released (its holder died or its outcome was unknown). */
export function leaseAbandoned(m: OnlineMeeting, now: Date): boolean {
  return Boolean(m.leaseId && m.leaseUntil && m.leaseUntil <= now);
}

/** The recovery job for a meeting, in the outbox: it finishes whatever a holder left undone. */
export function enqueueRecovery(tx: Transaction, m: OnlineMeeting, runAfter: Date) {
  return tx.jobs.enqueue({
    kind: 'meeting.recover',
    tenantId: m.tenantId,
    payload: { meetingId: m.meetingId },
    dedupeKey: m.meetingId,
    runAfter,
  });
}

/** Every change others must see (the living card) goes out with the change itself. */
export function enqueueCardRefresh(tx: Transaction, m: OnlineMeeting) {
  return tx.jobs.enqueue({
    kind: 'card.refresh',
    tenantId: m.tenantId,
    payload: { meetingId: m.meetingId },
    dedupeKey: m.meetingId,
  });
}

/** Writes that go with a meeting that will not take place: its interaction ends, its card says so. */
export function endInteraction(now: Date): AlongWith {
  return async (tx, saved) => {
    await tx.repos.interactions.update(
      saved.tenantId,
      { interactionId: saved.interactionId },
      { status: 'cancelled', updatedAt: now },
    );
    await enqueueCardRefresh(tx, saved);
  };
}

/**
 * The right to talk to Graph about one meeting. Only the holder creates, moves, cancels or
 * deletes its calendar event, so two passes never race each other at Graph; every write is a
 * compare-and-set on the row's version, and the holder re-checks it still holds the lease when
 * the row moved. Taking the lease also writes the recovery job for when it lapses, so a holder
 * that dies is taken over.
 */
export class MeetingLease {
  private constructor(
    private readonly deps: MeetingDeps,
    private m: OnlineMeeting,
    readonly id: string,
  ) {}

  get meeting(): OnlineMeeting {
    return this.m;
  }

  /**
   * Takes the lease if nobody holds it (or the holder's lapsed); otherwise says until when it is
   * held. `takeover` (default) writes the recovery job that takes over if this holder dies; the
   * recovery job itself needs none (it runs again).
   */
  static async acquire(
    deps: MeetingDeps,
    meeting: OnlineMeeting,
    opts: { takeover?: boolean } = {},
  ): Promise<MeetingLease | { busyUntil: Date }> {
    const takeover = opts.takeover ?? true;
    let m = meeting;
    for (let i = 0; i < MAX_CAS_RETRIES; i++) {
      const now = deps.clock.now();
      const held = leaseHeldUntil(m, now);
      if (held) return { busyUntil: held };
      const id = randomUUID();
      const leaseUntil = new Date(now.getTime() + deps.timings.leaseMs);
      const patch = { leaseId: id, leaseUntil, updatedAt: now };
      const taken = await deps.uow.run(async (tx) => {
        const ok = await tx.repos.onlineMeetings.updateIfVersion(
          m.tenantId,
          m.meetingId,
          m.version,
          patch,
        );
        if (ok && takeover)
          await enqueueRecovery(tx, m, new Date(leaseUntil.getTime() + TAKEOVER_MARGIN_MS));
        return ok;
      });
      if (taken) return new MeetingLease(deps, { ...m, ...patch, version: m.version + 1 }, id);
      m = await reload(deps, m);
    }
    throw new DomainError('conflict', 'The meeting keeps changing; try again in a moment.');
  }

  /** The lease of a row inserted with it (the inline pass of a new meeting). */
  static ofInserted(deps: MeetingDeps, m: OnlineMeeting): MeetingLease {
    if (!m.leaseId) throw new Error('the meeting was inserted without a lease');
    return new MeetingLease(deps, m, m.leaseId);
  }

  /**
   * Runs a recovery step under the meeting's lease (without a takeover job: recovery runs again).
   * A lost lease means the new holder carries on; anything else lets the lease lapse for later.
   */
  static async forRecovery<R>(
    deps: MeetingDeps,
    m: OnlineMeeting,
    step: (lease: MeetingLease) => Promise<R>,
  ): Promise<R | { meeting: OnlineMeeting; retryAt: Date | null }> {
    const lease = await MeetingLease.acquire(deps, m, { takeover: false });
    if (!(lease instanceof MeetingLease)) return { meeting: m, retryAt: lease.busyUntil };
    try {
      return await step(lease);
    } catch (err) {
      if (err instanceof LeaseLostError) return { meeting: err.meeting, retryAt: null };
      await lease.lapse({ enqueue: false }).catch(() => undefined);
      throw err;
    }
  }

  /** A signal that aborts with the caller's, and in any case before the lease ends. */
  budget(signal?: AbortSignal): AbortSignal {
    const left = (this.m.leaseUntil?.getTime() ?? 0) - this.deps.clock.now().getTime();
    const ms = Math.max(1, Math.min(this.deps.timings.passBudgetMs, left - TAKEOVER_MARGIN_MS));
    const timeout = AbortSignal.timeout(ms);
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
  }

  /** Writes `patch` (and `along` in the same transaction) while still holding the lease. */
  async save(patch: MeetingPatch, along?: AlongWith): Promise<OnlineMeeting> {
    for (let i = 0; i < MAX_CAS_RETRIES; i++) {
      const now = this.deps.clock.now();
      const full = { ...patch, updatedAt: now };
      const next: OnlineMeeting = { ...this.m, ...full, version: this.m.version + 1 };
      const ok = await this.deps.uow.run(async (tx) => {
        const saved = await tx.repos.onlineMeetings.updateIfVersion(
          this.m.tenantId,
          this.m.meetingId,
          this.m.version,
          full,
        );
        if (saved && along) await along(tx, next);
        return saved;
      });
      if (ok) return (this.m = next);
      // Someone wrote the row meanwhile (a state change that needs no lease): carry on if still ours.
      const now2 = await reload(this.deps, this.m);
      if (now2.leaseId !== this.id) throw new LeaseLostError(now2);
      this.m = now2;
    }
    throw new DomainError('conflict', 'The meeting keeps changing; try again in a moment.');
  }

  /** Writes the outcome and gives the lease up, in one transaction. */
  finish(patch: MeetingPatch = {}, along?: AlongWith): Promise<OnlineMeeting> {
    return this.save({ ...patch, leaseId: null, leaseUntil: null }, along);
  }

  /**
   * The outcome at Graph is unknown (a timeout, an abort, a storage failure after the call): keep
   * the lease but let it lapse now, so the recovery job takes over and makes the calendar match
   * the row: at once (`enqueue`), or when the running recovery job next looks.
   */
  async lapse(opts: { enqueue: boolean }): Promise<void> {
    const now = this.deps.clock.now();
    await this.save({ leaseUntil: now }, async (tx, m) => {
      if (opts.enqueue) await enqueueRecovery(tx, m, now);
    });
  }
}

/** The row as stored now; a meeting that vanished is a bug-level surprise, said plainly. */
export async function reload(deps: MeetingDeps, m: OnlineMeeting): Promise<OnlineMeeting> {
  const fresh = await deps.repos.onlineMeetings.get(m.tenantId, { meetingId: m.meetingId });
  if (!fresh) throw new DomainError('not_found', 'The meeting no longer exists.');
  return fresh;
}
