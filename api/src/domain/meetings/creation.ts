import { DomainError } from '../errors';
import { GraphCallError, type CreatedEvent, type GraphFailure } from '../ports/graph';
import type { MeetingDeps } from './deps';
import type { MeetingState, OnlineMeeting } from './types';

/** Why a meeting could not be scheduled, as stored on the row and explained to people. */
export type CreationFailure =
  | 'organizer_not_teams_enabled'
  | 'access_policy_missing'
  | 'permission_missing'
  | 'organizer_not_found'
  | 'creation_timed_out'
  | 'storage_error'
  | 'graph_error';

const retryable = (f: GraphFailure) => f.reason === 'throttled' || f.reason === 'transient';

function explain(code: CreationFailure, m: OnlineMeeting, f?: GraphFailure): string {
  switch (code) {
    case 'organizer_not_teams_enabled':
      return `The organizer account ${m.organizerUpn} cannot create Teams meetings (no Teams licence, or Teams is not allowed for its calendar).`;
    case 'access_policy_missing':
      return `The Teams application access policy does not cover ${m.organizerUpn}; a Teams admin must grant it to this app (Grant-CsApplicationAccessPolicy).`;
    case 'permission_missing':
      return `Microsoft Graph refused a permission (${f?.code ?? 'Forbidden'}); an admin must grant admin consent to the app again.`;
    case 'organizer_not_found':
      return `The organizer account ${m.organizerUpn} has no mailbox or no longer exists.`;
    case 'creation_timed_out':
      return 'The meeting could not be completed in time; its calendar event was removed.';
    case 'storage_error':
      return 'Our database failed while saving the meeting; its calendar event was removed. Schedule it again.';
    case 'graph_error':
      return `Microsoft Graph failed (${f?.code ?? f?.status ?? 'unknown'}, request ${f?.requestId ?? 'n/a'}).`;
  }
}

function failureCode(f: GraphFailure): CreationFailure {
  if (f.reason === 'forbidden')
    return f.detail === 'accessPolicyMissing' ? 'access_policy_missing' : 'permission_missing';
  if (f.reason === 'notFound') return 'organizer_not_found';
  return 'graph_error';
}

class Creation {
  constructor(
    private readonly deps: MeetingDeps,
    private m: OnlineMeeting,
  ) {}

  get meeting(): OnlineMeeting {
    return this.m;
  }

  /** Writes a change if nobody else did in between; false when the row moved on. */
  async save(patch: Partial<OnlineMeeting>): Promise<boolean> {
    const now = this.deps.clock.now();
    const ok = await this.deps.repos.onlineMeetings.updateIfVersion(
      this.m.tenantId,
      this.m.meetingId,
      this.m.version,
      {
        ...patch,
        updatedAt: now,
      },
    );
    if (ok) this.m = { ...this.m, ...patch, version: this.m.version + 1, updatedAt: now };
    return ok;
  }

  async publish(from: MeetingState, reason: string | null): Promise<void> {
    await this.deps.notifier.publish({
      type: 'meeting.stateChanged',
      tenantId: this.m.tenantId,
      meetingId: this.m.meetingId,
      interactionId: this.m.interactionId,
      from,
      to: this.m.state,
      reason,
    });
  }

  /** Deletes the calendar event so no orphan is left; a failure here is retried by recovery. */
  async compensate(eventId: string): Promise<void> {
    await this.deps.graph.deleteEvent(this.m.tenantId, this.m.organizerOid, eventId);
  }

  async fail(code: CreationFailure, failure?: GraphFailure): Promise<OnlineMeeting> {
    const saved = await this.save({
      state: 'failed',
      lastErrorCode: code,
      lastErrorMessage: explain(code, this.m, failure),
    });
    if (!saved) return this.reload();
    await this.deps.repos.interactions.update(
      this.m.tenantId,
      { interactionId: this.m.interactionId },
      { status: 'cancelled', updatedAt: this.deps.clock.now() },
    );
    await this.publish('creating', code);
    return this.m;
  }

  /** Leaves the meeting in `creating`, noting why; the recovery job carries on later. */
  async pending(failure: GraphFailure | null): Promise<OnlineMeeting> {
    const code = failure
      ? failure.reason === 'throttled'
        ? 'graph_throttled'
        : 'graph_unavailable'
      : 'meeting_not_resolved';
    const retryAfter = failure?.retryAfterMs;
    const saved = await this.save({
      lastErrorCode: code,
      lastErrorMessage: failure ? failure.message.slice(0, 1000) : null,
      // When Graph said how long to wait, recovery waits at least that long.
      nextCheckAt: retryAfter ? new Date(this.deps.clock.now().getTime() + retryAfter) : null,
    });
    return saved ? this.m : this.reload();
  }

  async reload(): Promise<OnlineMeeting> {
    const m = await this.deps.repos.onlineMeetings.get(this.m.tenantId, {
      meetingId: this.m.meetingId,
    });
    if (!m) throw new DomainError('not_found', 'The meeting no longer exists.');
    this.m = m;
    return m;
  }
}

async function createEvent(deps: MeetingDeps, m: OnlineMeeting): Promise<CreatedEvent> {
  const attendees = await deps.repos.meetingAttendees.list(m.tenantId, { meetingId: m.meetingId });
  const link = deps.interactionLink(m.tenantId, m.interactionId);
  return deps.graph.createEvent(m.tenantId, {
    organizerOid: m.organizerOid,
    subject: m.subject,
    bodyHtml: `<p>Interaction: <a href="${escapeHtml(link)}">${escapeHtml(m.subject)}</a></p>`,
    start: m.startAt,
    end: m.endAt,
    attendees: attendees.map((a) => ({ email: a.email, name: a.name, type: a.type })),
    transactionId: m.transactionId,
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Looks the new meeting up by its join URL, briefly retrying while Graph catches up. */
async function resolve(deps: MeetingDeps, m: OnlineMeeting, joinUrl: string) {
  for (let attempt = 1; ; attempt++) {
    const ref = await deps.graph.findOnlineMeetingByJoinUrl(m.tenantId, m.organizerOid, joinUrl);
    if (ref || attempt >= deps.timings.resolveAttempts) return ref;
    await deps.sleep(deps.timings.resolveDelayMs * attempt);
  }
}

async function finish(
  deps: MeetingDeps,
  c: Creation,
  event: CreatedEvent,
  overdue: boolean,
): Promise<OnlineMeeting> {
  if (!event.joinUrl) {
    await c.compensate(event.eventId);
    return c.fail('organizer_not_teams_enabled');
  }
  if (overdue) {
    await c.compensate(event.eventId);
    return c.fail('creation_timed_out');
  }
  // Remember the event at once, so a later failure can always be compensated.
  if (!(await c.save({ providerEventId: event.eventId, joinUrl: event.joinUrl })))
    return c.reload();

  let ref;
  try {
    ref = await resolve(deps, c.meeting, event.joinUrl);
  } catch (err) {
    if (!(err instanceof GraphCallError)) throw err;
    if (retryable(err.failure)) return c.pending(err.failure);
    await c.compensate(event.eventId);
    return c.fail(failureCode(err.failure), err.failure);
  }
  if (!ref) return c.pending(null);
  const committed = await c.save({
    state: 'scheduled',
    providerMeetingId: ref.meetingId,
    chatThreadId: ref.chatThreadId,
    lastErrorCode: null,
    lastErrorMessage: null,
  });
  if (!committed) return c.reload();
  await c.publish('creating', null);
  return c.meeting;
}

/**
 * Takes a meeting in `creating` as far as it can: event (idempotent by transactionId), meeting
 * lookup, commit. Permanent failures compensate (delete the event) and mark it failed with a
 * reason; transient ones leave it in `creating` for the recovery job. Used inline and by recovery.
 */
export async function continueCreation(
  deps: MeetingDeps,
  tenantId: string,
  meetingId: string,
): Promise<OnlineMeeting> {
  const found = await deps.repos.onlineMeetings.get(tenantId, { meetingId });
  if (!found) throw new DomainError('not_found', 'The meeting does not exist.');
  const c = new Creation(deps, found);
  if (found.state !== 'creating') return found;
  const overdue =
    deps.clock.now().getTime() - found.createdAt.getTime() > deps.timings.creationDeadlineMs;
  // An event an earlier pass recorded; Graph's transactionId dedupe is not documented to last.
  const earlier = found.providerEventId;

  let event: CreatedEvent;
  try {
    event = await createEvent(deps, c.meeting);
  } catch (err) {
    if (!(err instanceof GraphCallError)) throw err;
    // Never give up on a transient failure: the event may exist, and only an answer tells its id.
    if (retryable(err.failure)) return c.pending(err.failure);
    if (earlier) await c.compensate(earlier);
    return c.fail(failureCode(err.failure), err.failure);
  }
  if (earlier && earlier !== event.eventId) {
    // Graph made a second event for the same transactionId: the first must not stay behind.
    await c.compensate(earlier);
  }
  try {
    return await finish(deps, c, event, overdue);
  } catch (err) {
    if (err instanceof GraphCallError || err instanceof DomainError) throw err;
    await abandonAfterStorageFailure(deps, c, event.eventId);
    throw err;
  }
}

/**
 * The database failed after Graph created the event: remove the event (unless another pass has
 * meanwhile committed the meeting with it) and, if the database lets us, record the failure so
 * recovery does not create it again.
 */
async function abandonAfterStorageFailure(
  deps: MeetingDeps,
  c: Creation,
  eventId: string,
): Promise<void> {
  const now = await deps.repos.onlineMeetings
    .get(c.meeting.tenantId, { meetingId: c.meeting.meetingId })
    .catch(() => null);
  if (now && now.state !== 'creating') return;
  await c.compensate(eventId);
  if (now) await new Creation(deps, now).fail('storage_error').catch(() => undefined);
}
