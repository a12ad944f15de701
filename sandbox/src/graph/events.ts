import type { ItemBody } from '@microsoft/microsoft-graph-types';
import { graphError, jsonBody, sendEmpty, sendJson, type Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import type { SandboxTenant, SandboxUser } from '../seed';
import { requireApp } from './auth';
import {
  graphTimestamp,
  joinWebUrl,
  newChangeKey,
  newEventId,
  newICalUId,
  newMeetingCodes,
  newThreadId,
  onlineMeetingId,
} from './ids';
import { checkTimes, parseEventBody, type BodyError, type EventInput } from './meeting-event-body';
import { withJoinBlob } from './meeting-join-blob';
import { renderEvent } from './meeting-shapes';
import {
  contextKey,
  deletedEvents,
  eventPosts,
  events,
  findUser,
  meetings,
  metadata,
  type StoredEvent,
  type StoredMeeting,
} from './meeting-store';
import { preferredZone } from './meeting-time';
import { calendarView } from './calendar-view';

/** Calendar events with Teams meetings (graph-contract §3): create, get, update, delete. */

const EXCHANGE_FORBIDDEN = {
  code: 'ErrorAccessDenied',
  message: 'Access is denied. Check credentials and try again.',
};
const WRITE_ROLES = ['Calendars.ReadWrite'];
export const READ_ROLES = ['Calendars.Read', 'Calendars.ReadWrite', 'Calendars.ReadBasic'];

export interface Mailbox {
  tenant: SandboxTenant;
  user: SandboxUser;
  /** The user key exactly as in the path (echoed in `@odata.context`). */
  key: string;
  /** `events` or `calendar/events`. */
  set: string;
}

export async function mailbox(
  sb: Sandbox,
  ctx: Ctx,
  roles: string[],
  set: string,
): Promise<Mailbox | undefined> {
  const app = await requireApp(sb, ctx, { anyRole: roles, forbidden: EXCHANGE_FORBIDDEN });
  if (!app) return undefined;
  const key = ctx.params.user;
  const user = findUser(app.tenant, key);
  if (!user) {
    graphError(ctx, 404, 'ErrorInvalidUser', `The requested user '${key}' is invalid.`, {
      now: sb.clock.now(),
    });
    return undefined;
  }
  return { tenant: app.tenant, user, key, set };
}

function fail(sb: Sandbox, ctx: Ctx, e: BodyError): void {
  graphError(ctx, e.status, e.code, e.message, { now: sb.clock.now() });
}

function respond(sb: Sandbox, ctx: Ctx, status: number, mb: Mailbox, e: StoredEvent): void {
  const zone = preferredZone(ctx.req.headers.prefer);
  const m = e.meetingId ? meetings(sb).get(e.meetingId) : undefined;
  const context = `${metadata(sb)}users('${contextKey(mb.key)}')/${mb.set}/$entity`;
  const headers: Record<string, string> = ctx.req.headers.prefer
    ? { 'preference-applied': `outlook.timezone="${zone.name}"` }
    : {};
  sendJson(ctx, status, renderEvent(e, m, mb.user, zone, context), headers);
}

function attendeeList(tenant: SandboxTenant, e: StoredEvent): StoredMeeting['attendees'] {
  return e.attendees.map((a) => {
    const address = a.emailAddress?.address ?? '';
    const u = tenant.users.find(
      (x) =>
        x.userPrincipalName.toLowerCase() === address.toLowerCase() ||
        (x.mail ?? '').toLowerCase() === address.toLowerCase(),
    );
    return { address, name: a.emailAddress?.name ?? address, oid: u?.id ?? null };
  });
}

/** Creates the Teams onlineMeeting behind an online event (Exchange does this on create). */
function createMeeting(sb: Sandbox, tenant: SandboxTenant, e: StoredEvent): StoredMeeting {
  const threadId = newThreadId();
  const codes = newMeetingCodes();
  const m: StoredMeeting = {
    id: onlineMeetingId(e.ownerOid, threadId),
    tenantId: tenant.tenantId,
    organizerOid: e.ownerOid,
    eventId: e.id,
    chatInfo: { threadId },
    joinWebUrl: joinWebUrl(threadId, tenant.tenantId, e.ownerOid),
    subject: e.subject,
    startDateTime: e.start,
    endDateTime: e.end,
    creationDateTime: graphTimestamp(sb.clock.now()),
    attendees: attendeeList(tenant, e),
    ...codes,
    state: 'scheduled',
    startedAt: null,
    endedAt: null,
    callId: null,
    expired: null,
    contentMode: null,
    paymentRequired: null,
  };
  meetings(sb).set(m.id, m);
  return m;
}

/** Online meeting requested and the organizer's calendar allows Teams (else: silent downgrade). */
function teamsAllowed(user: SandboxUser, input: EventInput): boolean {
  return (
    (input.onlineMeetingProvider ?? 'teamsForBusiness') === 'teamsForBusiness' && user.teamsLicensed
  );
}

async function create(sb: Sandbox, ctx: Ctx, set: string): Promise<void> {
  const mb = await mailbox(sb, ctx, WRITE_ROLES, set);
  if (!mb) return;
  const raw = jsonBody(ctx);
  if (!raw) return;
  const input = parseEventBody(raw, 'create');
  if ('status' in input) return fail(sb, ctx, input);
  const start = input.start?.utc ?? new Date(0);
  const end = input.end?.utc ?? new Date(0);
  const timeError = checkTimes(start, end);
  if (timeError) return fail(sb, ctx, timeError);

  if (input.transactionId !== undefined) {
    const postKey = `${mb.user.id}|${input.transactionId}`;
    eventPosts(sb).set(postKey, (eventPosts(sb).get(postKey) ?? 0) + 1);
    sb.store.changed();
    const original = [...events(sb).values()].find(
      (e) => e.ownerOid === mb.user.id && e.transactionId === input.transactionId,
    );
    if (original) {
      ctx.meta.dedupedTransactionId = input.transactionId;
      return respond(sb, ctx, 201, mb, original);
    }
  }

  const now = sb.clock.now();
  const online = input.isOnlineMeeting === true && teamsAllowed(mb.user, input);
  const e: StoredEvent = {
    id: newEventId(mb.user.id),
    tenantId: mb.tenant.tenantId,
    ownerOid: mb.user.id,
    iCalUId: newICalUId(now),
    changeKey: newChangeKey(mb.user.id),
    createdDateTime: graphTimestamp(now),
    lastModifiedDateTime: graphTimestamp(now),
    transactionId: input.transactionId ?? null,
    subject: input.subject ?? '',
    body: { contentType: 'html', content: '' },
    start: start.toISOString(),
    end: end.toISOString(),
    originalStartTimeZone: input.start?.zone ?? 'UTC',
    originalEndTimeZone: input.end?.zone ?? 'UTC',
    attendees: input.attendees ?? [],
    extra: input.extra,
    isOnlineMeeting: online,
    onlineMeetingProvider: online ? 'teamsForBusiness' : 'unknown',
    meetingId: null,
    joinBlobLost: null,
  };
  const m = online ? createMeeting(sb, mb.tenant, e) : undefined;
  e.meetingId = m?.id ?? null;
  e.body = withJoinBlob(input.body ?? { contentType: 'html', content: '' }, m);
  events(sb).set(e.id, e);
  sb.store.changed();
  respond(sb, ctx, 201, mb, e);
}

/** The event by id in this mailbox, or the 400/404 Exchange gives. */
function findEvent(sb: Sandbox, ctx: Ctx, mb: Mailbox): StoredEvent | undefined {
  const id = ctx.params.eventId;
  if (!/^[A-Za-z0-9+/_-]{20,}={0,2}$/.test(id)) {
    graphError(ctx, 400, 'ErrorInvalidIdMalformed', 'Id is malformed.', { now: sb.clock.now() });
    return undefined;
  }
  const e = events(sb).get(id);
  if (!e || e.ownerOid !== mb.user.id || e.tenantId !== mb.tenant.tenantId) {
    graphError(ctx, 404, 'ErrorItemNotFound', 'The specified object was not found in the store.', {
      now: sb.clock.now(),
    });
    return undefined;
  }
  return e;
}

function applyBody(
  sb: Sandbox,
  ctx: Ctx,
  e: StoredEvent,
  m: StoredMeeting | undefined,
  body: ItemBody,
): void {
  const content = body.content ?? '';
  e.body =
    body.contentType === 'html' && !/<html/i.test(content)
      ? { contentType: 'html', content: `<html>\r\n<body>\r\n${content}\r\n</body>\r\n</html>\r\n` }
      : body;
  if (m && !content.includes(m.joinWebUrl)) {
    e.joinBlobLost = { at: sb.clock.now().toISOString(), requestId: ctx.requestId };
  }
}

async function update(sb: Sandbox, ctx: Ctx, set: string): Promise<void> {
  const mb = await mailbox(sb, ctx, WRITE_ROLES, set);
  if (!mb) return;
  const e = findEvent(sb, ctx, mb);
  if (!e) return;
  const raw = jsonBody(ctx);
  if (!raw) return;
  const input = parseEventBody(raw, 'update');
  if ('status' in input) return fail(sb, ctx, input);
  const invalid = (message: string) =>
    fail(sb, ctx, { status: 400, code: 'ErrorInvalidRequest', message });
  if (input.transactionId !== undefined && input.transactionId !== e.transactionId)
    return invalid('The transactionId of an event cannot be changed after it was created.');
  if (e.isOnlineMeeting && input.isOnlineMeeting === false)
    return invalid(
      'An online meeting cannot be turned back into an event without an online meeting.',
    );
  if (
    e.isOnlineMeeting &&
    input.onlineMeetingProvider &&
    input.onlineMeetingProvider !== e.onlineMeetingProvider
  )
    return invalid('The onlineMeetingProvider of an online meeting cannot be changed.');
  const start = input.start?.utc ?? new Date(e.start);
  const end = input.end?.utc ?? new Date(e.end);
  const timeError = checkTimes(start, end);
  if (timeError) return fail(sb, ctx, timeError);

  let m = e.meetingId ? meetings(sb).get(e.meetingId) : undefined;
  if (input.subject !== undefined) e.subject = input.subject;
  e.start = start.toISOString();
  e.end = end.toISOString();
  if (input.start) e.originalStartTimeZone = input.start.zone;
  if (input.end) e.originalEndTimeZone = input.end.zone;
  if (input.attendees) e.attendees = input.attendees;
  Object.assign(e.extra, input.extra);
  if (!e.isOnlineMeeting && input.isOnlineMeeting === true && teamsAllowed(mb.user, input)) {
    m = createMeeting(sb, mb.tenant, e);
    e.meetingId = m.id;
    e.isOnlineMeeting = true;
    e.onlineMeetingProvider = 'teamsForBusiness';
    if (!input.body) e.body = withJoinBlob(e.body, m);
  }
  if (input.body) applyBody(sb, ctx, e, m, input.body);
  if (m) {
    m.subject = e.subject;
    m.startDateTime = e.start;
    m.endDateTime = e.end;
    m.attendees = attendeeList(mb.tenant, e);
  }
  e.changeKey = newChangeKey(e.ownerOid);
  e.lastModifiedDateTime = graphTimestamp(sb.clock.now());
  sb.store.changed();
  respond(sb, ctx, 200, mb, e);
}

async function get(sb: Sandbox, ctx: Ctx, set: string): Promise<void> {
  const mb = await mailbox(sb, ctx, READ_ROLES, set);
  if (!mb) return;
  const e = findEvent(sb, ctx, mb);
  if (e) respond(sb, ctx, 200, mb, e);
}

async function remove(sb: Sandbox, ctx: Ctx, set: string): Promise<void> {
  const mb = await mailbox(sb, ctx, WRITE_ROLES, set);
  if (!mb) return;
  const e = findEvent(sb, ctx, mb);
  if (!e) return;
  // The backing onlineMeeting (and its artifacts) stays until it expires (graph-contract §3.3).
  events(sb).delete(e.id);
  deletedEvents(sb).set(e.id, {
    id: e.id,
    tenantId: e.tenantId,
    ownerOid: e.ownerOid,
    transactionId: e.transactionId,
    deletedAt: sb.clock.now().toISOString(),
  });
  sb.store.changed();
  sendEmpty(ctx, 204);
}

export function register(sb: Sandbox): void {
  const r = sb.router;
  for (const set of ['events', 'calendar/events']) {
    const base = `/v1.0/users/:user/${set}`;
    r.on('POST', base, (ctx) => create(sb, ctx, set));
    r.on('GET', `${base}/:eventId`, (ctx) => get(sb, ctx, set));
    r.on('PATCH', `${base}/:eventId`, (ctx) => update(sb, ctx, set));
    r.on('DELETE', `${base}/:eventId`, (ctx) => remove(sb, ctx, set));
  }
  for (const view of ['calendarView', 'calendar/calendarView']) {
    r.on('GET', `/v1.0/users/:user/${view}`, (ctx) => calendarView(sb, ctx, view));
  }
}
