import {
  GraphCallError,
  type CreateEventInput,
  type CreatedEvent,
  type EventPatch,
  type GraphCallOptions,
  type GraphFailure,
  type GraphPort,
  type GraphUser,
  type OnlineMeetingRef,
} from '../../api/src/domain/ports/graph';
import { asAborted } from '../../api/src/domain/errors';

type Op =
  | 'getUser'
  | 'createEvent'
  | 'findOnlineMeetingByJoinUrl'
  | 'findEventsByTransactionId'
  | 'updateEvent'
  | 'deleteEvent';

export interface FakeEvent {
  id: string;
  organizerOid: string;
  transactionId: string;
  start: Date;
  end: Date;
  attendees: string[];
}

/** What one call of `op` does instead of the default calendar behaviour. */
type Step = (args: unknown[], graph: ScriptedGraph) => Promise<unknown>;

export function graphFailure(
  reason: GraphFailure['reason'],
  extra: Partial<GraphFailure> = {},
): GraphCallError {
  return new GraphCallError({
    reason,
    detail: null,
    status: null,
    code: null,
    requestId: null,
    retryAfterMs: null,
    message: `scripted ${reason}`,
    ...extra,
  });
}

/**
 * A GraphPort at the port boundary: a small in-memory calendar (events deduplicated by
 * transactionId, as the sandbox does), every call recorded, and per-call scripts for failures and
 * for holding a call until the test releases it.
 */
export class ScriptedGraph implements GraphPort {
  readonly calls: { op: Op; args: unknown[] }[] = [];
  readonly events = new Map<string, FakeEvent>();
  private readonly steps = new Map<Op, Step[]>();
  private nextId = 1;
  /** When set, createEvent makes a new event even for a transactionId it has seen. */
  noDedupe = false;

  /** The next call of `op` runs `step` (queued in order). */
  next(op: Op, step: Step): this {
    this.steps.set(op, [...(this.steps.get(op) ?? []), step]);
    return this;
  }

  /** The next call of `op` fails with `err`. */
  failNext(op: Op, err: GraphCallError, times = 1): this {
    for (let i = 0; i < times; i++) this.next(op, async () => Promise.reject(err));
    return this;
  }

  /** The next call of `op` takes effect, but its answer is lost: the caller sees `err`. */
  loseAnswer(op: Op, err: GraphCallError): this {
    return this.next(op, async (args, graph) => {
      await graph.defaultOf(op, args);
      throw err;
    });
  }

  /** The next call of `op` waits until released; `reached` settles when it is waiting. */
  hold(op: Op): { reached: Promise<void>; release(then?: Step): void } {
    let reached!: () => void;
    let release!: (then?: Step) => void;
    const reachedP = new Promise<void>((r) => (reached = r));
    const released = new Promise<Step | undefined>((r) => (release = r));
    this.next(op, async (args, graph) => {
      reached();
      const then = await released;
      return then ? then(args, graph) : graph.defaultOf(op, args);
    });
    return { reached: reachedP, release };
  }

  count(op: Op): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  live(): FakeEvent[] {
    return [...this.events.values()];
  }

  private async run(op: Op, args: unknown[], signal?: AbortSignal): Promise<unknown> {
    this.calls.push({ op, args });
    if (signal?.aborted) throw asAborted(signal);
    const step = this.steps.get(op)?.shift();
    const work = step ? step(args, this) : this.defaultOf(op, args);
    if (!signal) return work;
    return Promise.race([
      work,
      new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(asAborted(signal)), { once: true }),
      ),
    ]);
  }

  /** The calendar's own answer to a call. */
  async defaultOf(op: Op, args: unknown[]): Promise<unknown> {
    switch (op) {
      case 'getUser':
        return {
          id: String(args[1]),
          userPrincipalName: String(args[1]),
          displayName: null,
          mail: null,
        };
      case 'createEvent': {
        const input = args[1] as CreateEventInput;
        const existing = this.live().find((e) => e.transactionId === input.transactionId);
        if (existing && !this.noDedupe) return created(existing);
        const e: FakeEvent = {
          id: `event-${this.nextId++}`,
          organizerOid: input.organizerOid,
          transactionId: input.transactionId,
          start: input.start,
          end: input.end,
          attendees: input.attendees.map((a) => a.email),
        };
        this.events.set(e.id, e);
        return created(e);
      }
      case 'findOnlineMeetingByJoinUrl': {
        const id = /meetup-join\/(.+)$/.exec(String(args[2]))?.[1];
        return id
          ? ({
              meetingId: `om-${id}`,
              chatThreadId: `19:meeting_${id}@thread.v2`,
            } satisfies OnlineMeetingRef)
          : null;
      }
      case 'findEventsByTransactionId': {
        const [, organizerOid, transactionId, window] = args as [
          string,
          string,
          string,
          { start: Date; end: Date },
        ];
        return this.live()
          .filter(
            (e) =>
              e.organizerOid === organizerOid &&
              e.transactionId === transactionId &&
              e.start < window.end &&
              e.end > window.start,
          )
          .map((e) => e.id);
      }
      case 'updateEvent': {
        const [, , eventId, patch] = args as [string, string, string, EventPatch];
        const e = this.events.get(eventId);
        if (!e) throw graphFailure('notFound', { status: 404, code: 'ErrorItemNotFound' });
        if (patch.start) e.start = patch.start;
        if (patch.end) e.end = patch.end;
        if (patch.attendees) e.attendees = patch.attendees.map((a) => a.email);
        return undefined;
      }
      case 'deleteEvent':
        return this.events.delete(String(args[2])) ? 'deleted' : 'alreadyGone';
    }
  }

  getUser(tenantId: string, idOrUpn: string, o?: GraphCallOptions): Promise<GraphUser> {
    return this.run('getUser', [tenantId, idOrUpn], o?.signal) as Promise<GraphUser>;
  }
  createEvent(tenantId: string, input: CreateEventInput, o?: GraphCallOptions) {
    return this.run('createEvent', [tenantId, input], o?.signal) as Promise<CreatedEvent>;
  }
  findOnlineMeetingByJoinUrl(t: string, oid: string, url: string, o?: GraphCallOptions) {
    return this.run(
      'findOnlineMeetingByJoinUrl',
      [t, oid, url],
      o?.signal,
    ) as Promise<OnlineMeetingRef | null>;
  }
  findEventsByTransactionId(
    t: string,
    oid: string,
    tx: string,
    window: { start: Date; end: Date },
    o?: GraphCallOptions,
  ) {
    return this.run('findEventsByTransactionId', [t, oid, tx, window], o?.signal) as Promise<
      string[]
    >;
  }
  updateEvent(t: string, oid: string, id: string, patch: EventPatch, o?: GraphCallOptions) {
    return this.run('updateEvent', [t, oid, id, patch], o?.signal) as Promise<void>;
  }
  deleteEvent(t: string, oid: string, id: string, o?: GraphCallOptions) {
    return this.run('deleteEvent', [t, oid, id], o?.signal) as Promise<'deleted' | 'alreadyGone'>;
  }
}

function created(e: FakeEvent): CreatedEvent {
  return { eventId: e.id, joinUrl: `https://teams.microsoft.com/l/meetup-join/${e.id}` };
}
