import { graphError, sendJson, type Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import type { SandboxTenant, SandboxUser } from '../seed';
import { teamsCaller } from './meeting-access';
import { parseOnlineMeetingId } from './ids';
import { registerMeetingControl } from './meeting-control';
import { handleGetAll } from './meeting-getall';
import { INVALID_QUERY, normalizeEscapes, parseEqFilter } from './meeting-odata';
import { renderOnlineMeeting } from './meeting-shapes';
import { meetings, settings, metadata, teamsNotFound, type StoredMeeting } from './meeting-store';

/** Resolving the Teams onlineMeeting of a calendar event (graph-contract §4). */

const MEETING_ROLES = ['OnlineMeetings.Read.All', 'OnlineMeetings.ReadWrite.All'];

function organizer(tenant: SandboxTenant, m: StoredMeeting): SandboxUser {
  const u = tenant.users.find((x) => x.id === m.organizerOid);
  if (!u)
    throw new Error(
      `organizer ${m.organizerOid} of meeting ${m.id} is not a user of ${tenant.tenantId}`,
    );
  return u;
}

async function list(sb: Sandbox, ctx: Ctx): Promise<void> {
  const caller = await teamsCaller(sb, ctx, MEETING_ROLES);
  if (!caller) return;
  const { app, user } = caller;
  const now = sb.clock.now();
  const filter = ctx.url.searchParams.get('$filter');
  if (filter === null) {
    return graphError(
      ctx,
      400,
      'BadRequest',
      `${INVALID_QUERY} Listing online meetings needs $filter on JoinWebUrl or joinMeetingIdSettings/joinMeetingId.`,
      { now },
    );
  }
  const parsed = parseEqFilter(filter);
  if ('error' in parsed) return graphError(ctx, 400, 'BadRequest', parsed.error, { now });
  const property = parsed.property.toLowerCase();
  let match: (m: StoredMeeting) => boolean;
  if (property === 'joinweburl') {
    const wanted = normalizeEscapes(parsed.value);
    match = (m) => normalizeEscapes(m.joinWebUrl) === wanted;
  } else if (property === 'joinmeetingidsettings/joinmeetingid') {
    match = (m) => m.joinMeetingId === parsed.value.replace(/\s/g, '');
  } else {
    return graphError(
      ctx,
      400,
      'BadRequest',
      `${INVALID_QUERY} Filtering on property '${parsed.property}' is not supported; use JoinWebUrl or joinMeetingIdSettings/joinMeetingId.`,
      { now },
    );
  }
  const visibleFrom = now.getTime() - settings(sb).joinUrlLookupDelayMs;
  const found = [...meetings(sb).values()].find(
    (m) =>
      m.tenantId === app.tenant.tenantId &&
      match(m) &&
      Date.parse(m.creationDateTime) <= visibleFrom,
  );
  if (found && found.organizerOid !== user.id) {
    return graphError(
      ctx,
      403,
      'Forbidden',
      'The user in the request path is not the organizer of this meeting. Only the organizer can look up the meeting.',
      { now },
    );
  }
  sendJson(ctx, 200, {
    '@odata.context': `${metadata(sb)}users('${user.id}')/onlineMeetings`,
    value: found ? [renderOnlineMeeting(found, organizer(app.tenant, found))] : [],
  });
}

async function getById(sb: Sandbox, ctx: Ctx): Promise<void> {
  if (/^getAll(Recordings|Transcripts)\b/.test(ctx.params.meetingId))
    return handleGetAll(sb, ctx, false);
  const caller = await teamsCaller(sb, ctx, MEETING_ROLES);
  if (!caller) return;
  const { app, user } = caller;
  const now = sb.clock.now();
  if (ctx.url.searchParams.has('$filter')) {
    return graphError(
      ctx,
      400,
      'BadRequest',
      `${INVALID_QUERY} The requested resource is not a collection. Query options $filter, $orderby, $count, $skip, and $top can be applied only on collections.`,
      { now },
    );
  }
  const id = ctx.params.meetingId;
  const decoded = parseOnlineMeetingId(id);
  if (decoded && decoded.organizerOid !== user.id) {
    return teamsNotFound(sb, ctx, `Organizer Id mismatch User Id: ${user.id}`);
  }
  const m = meetings(sb).get(id);
  if (!m || m.tenantId !== app.tenant.tenantId) {
    return teamsNotFound(sb, ctx, 'The specified online meeting was not found.');
  }
  sendJson(ctx, 200, {
    '@odata.context': `${metadata(sb)}users('${user.id}')/onlineMeetings/$entity`,
    ...renderOnlineMeeting(m, organizer(app.tenant, m)),
  });
}

export function register(sb: Sandbox): void {
  sb.router.on('GET', '/v1.0/users/:userId/onlineMeetings', (ctx) => list(sb, ctx));
  sb.router.on('GET', '/v1.0/users/:userId/onlineMeetings/:meetingId', (ctx) => getById(sb, ctx));
  registerMeetingControl(sb);
}
