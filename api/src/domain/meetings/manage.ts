import { DomainError } from '../errors';
import { GraphCallError, type EventAttendeeInput } from '../ports/graph';
import type { TenantContext } from '../tenants/context';
import type { MeetingDeps } from './deps';
import type { OnlineMeeting } from './types';
import { isValidEmail, LIMITS, validateTimes, type MeetingTimes } from './validation';
import { ATTENDEE_TYPES } from './types';

async function load(
  deps: MeetingDeps,
  ctx: TenantContext,
  meetingId: string,
): Promise<OnlineMeeting> {
  const m = await deps.repos.onlineMeetings.get(ctx.tenantId, { meetingId });
  // Another tenant's meeting and a missing one are the same answer.
  if (!m) throw new DomainError('not_found', 'There is no such meeting.');
  return m;
}

function graphUnavailable(err: unknown): never {
  if (err instanceof GraphCallError) {
    const f = err.failure;
    if (f.reason === 'throttled' || f.reason === 'transient') {
      throw new DomainError(
        'unavailable',
        'Microsoft Teams is busy right now; try again in a minute.',
        {
          retryAfterMs: f.retryAfterMs,
        },
      );
    }
    throw new DomainError(
      'conflict',
      `Microsoft Graph refused the change (${f.code ?? f.reason}).`,
      {
        graphCode: f.code,
        requestId: f.requestId,
      },
    );
  }
  throw err;
}

export interface RescheduleRequest extends MeetingTimes {
  /** Replaces the attendee list when given. */
  attendees?: EventAttendeeInput[];
}

/**
 * Moves a scheduled meeting: PATCHes the calendar event (never its body, which holds the join
 * link) as the organizer stored on the row, then records the new times.
 */
export async function rescheduleMeeting(
  deps: MeetingDeps,
  ctx: TenantContext,
  meetingId: string,
  req: RescheduleRequest,
): Promise<OnlineMeeting> {
  validateTimes(req, deps.clock.now());
  const attendees = req.attendees ? normalizeAttendees(req.attendees) : undefined;
  const m = await load(deps, ctx, meetingId);
  if (m.state !== 'scheduled' || !m.providerEventId) {
    throw new DomainError(
      'conflict',
      `Only a scheduled meeting can be moved; this one is ${m.state.replace('_', ' ')}.`,
    );
  }
  const eventId = m.providerEventId;
  const previousAttendees = attendees
    ? await deps.repos.meetingAttendees.list(ctx.tenantId, { meetingId })
    : undefined;
  await deps.graph
    .updateEvent(ctx.tenantId, m.organizerOid, eventId, {
      start: req.start,
      end: req.end,
      attendees,
    })
    .catch(graphUnavailable);
  try {
    return await recordReschedule(deps, ctx, m, req, attendees);
  } catch (err) {
    // Put the calendar back as it was, so it never disagrees with what we stored.
    await deps.graph
      .updateEvent(ctx.tenantId, m.organizerOid, eventId, {
        start: m.startAt,
        end: m.endAt,
        attendees: previousAttendees?.map((a) => ({ email: a.email, name: a.name, type: a.type })),
      })
      .catch(() => undefined);
    throw err;
  }
}

function normalizeAttendees(list: EventAttendeeInput[]): EventAttendeeInput[] {
  if (list.length === 0 || list.length > LIMITS.attendeesMax) {
    throw new DomainError(
      'invalid_input',
      `The meeting can't be moved: invite 1 to ${LIMITS.attendeesMax} people.`,
    );
  }
  const unique = new Map<string, EventAttendeeInput>();
  for (const a of list) {
    const email = a.email.trim().toLowerCase();
    if (!isValidEmail(email)) {
      throw new DomainError(
        'invalid_input',
        `The meeting can't be moved: "${a.email}" is not a valid email address.`,
      );
    }
    const type = a.type ?? 'required';
    if (!ATTENDEE_TYPES.includes(type)) {
      throw new DomainError(
        'invalid_input',
        `The meeting can't be moved: "${type}" is not an attendee type.`,
      );
    }
    if (!unique.has(email)) unique.set(email, { email, name: a.name ?? null, type });
  }
  return [...unique.values()];
}

async function recordReschedule(
  deps: MeetingDeps,
  ctx: TenantContext,
  m: OnlineMeeting,
  req: RescheduleRequest,
  attendees: EventAttendeeInput[] | undefined,
): Promise<OnlineMeeting> {
  const meetingId = m.meetingId;
  const now = deps.clock.now();
  const patch = { startAt: req.start, endAt: req.end, timeZone: req.timeZone, updatedAt: now };
  await deps.uow.run(async (tx) => {
    if (
      !(await tx.repos.onlineMeetings.updateIfVersion(ctx.tenantId, meetingId, m.version, patch))
    ) {
      throw new DomainError(
        'conflict',
        'The meeting changed meanwhile; look at it again and retry.',
      );
    }
    await tx.repos.interactions.update(
      ctx.tenantId,
      { interactionId: m.interactionId },
      {
        startAt: req.start,
        endAt: req.end,
        updatedAt: now,
      },
    );
    if (attendees) {
      for (const old of await tx.repos.meetingAttendees.list(ctx.tenantId, { meetingId })) {
        await tx.repos.meetingAttendees.delete(ctx.tenantId, { meetingId, email: old.email });
      }
      for (const a of attendees) {
        await tx.repos.meetingAttendees.insert(ctx.tenantId, {
          meetingId,
          email: a.email,
          name: a.name,
          type: a.type,
          contactId: null,
        });
      }
    }
  });
  await deps.notifier.publish({
    type: 'meeting.rescheduled',
    tenantId: ctx.tenantId,
    meetingId,
    startAt: req.start,
    endAt: req.end,
  });
  return { ...m, ...patch, version: m.version + 1 };
}

/** Cancels a meeting: deletes the calendar event as its stored organizer (already gone is fine). */
export async function cancelMeeting(
  deps: MeetingDeps,
  ctx: TenantContext,
  meetingId: string,
): Promise<OnlineMeeting> {
  const m = await load(deps, ctx, meetingId);
  if (m.state === 'cancelled' || m.state === 'failed') return m;
  if (m.state === 'creating') {
    throw new DomainError(
      'conflict',
      'The meeting is still being created; cancel it again in a moment.',
    );
  }
  if (m.state !== 'scheduled' && m.state !== 'in_progress') {
    // Deleting the event now would send cancellations for a meeting that already took place.
    throw new DomainError(
      'conflict',
      `The meeting has already taken place (${m.state.replace('_', ' ')}); it cannot be cancelled.`,
    );
  }
  if (m.providerEventId) {
    await deps.graph
      .deleteEvent(ctx.tenantId, m.organizerOid, m.providerEventId)
      .catch(graphUnavailable);
  }
  const now = deps.clock.now();
  await deps.uow.run(async (tx) => {
    await tx.repos.onlineMeetings.update(
      ctx.tenantId,
      { meetingId },
      { state: 'cancelled', nextCheckAt: null, updatedAt: now },
    );
    await tx.repos.interactions.update(
      ctx.tenantId,
      { interactionId: m.interactionId },
      { status: 'cancelled', updatedAt: now },
    );
  });
  await deps.notifier.publish({
    type: 'meeting.stateChanged',
    tenantId: ctx.tenantId,
    meetingId,
    interactionId: m.interactionId,
    from: m.state,
    to: 'cancelled',
    reason: null,
  });
  return { ...m, state: 'cancelled', nextCheckAt: null, updatedAt: now };
}
