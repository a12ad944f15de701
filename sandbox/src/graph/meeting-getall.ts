import { graphError, sendJson, type Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import { ARTIFACT_ROLES, teamsCaller } from './meeting-access';
import { INVALID_QUERY, parseEqFilter, parseFunctionCall } from './meeting-odata';
import { odataType, renderArtifact } from './meeting-shapes';
import {
  artifacts,
  meetings,
  metadata,
  settleArtifacts,
  type StoredArtifact,
} from './meeting-store';

/**
 * `getAllRecordings` / `getAllTranscripts(meetingOrganizerUserId='…',startDateTime=…,endDateTime=…)`
 * and their `/delta` (graph-contract §5.1/5.2): every artifact of an organizer's meetings, paged
 * with `$top` and an opaque `skipToken` in absolute `@odata.nextLink`s, delta ending in
 * `@odata.deltaLink`.
 */

type Kind = StoredArtifact['kind'];

interface PageState {
  v: 1;
  kind: Kind;
  oid: string;
  start: number | null;
  end: number | null;
  top: number;
  /** Only artifacts announced after this position (`seq`). */
  after: number;
  delta: boolean;
}

const DEFAULT_TOP = 100;
const MAX_TOP = 100;
const FUNCTIONS: Record<string, Kind> = {
  getallrecordings: 'recording',
  getalltranscripts: 'transcript',
};
const NAMES: Record<Kind, string> = {
  recording: 'getAllRecordings',
  transcript: 'getAllTranscripts',
};
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/;

function encodeToken(s: PageState): string {
  return Buffer.from(JSON.stringify(s), 'utf8').toString('base64url');
}

function decodeToken(token: string): PageState | undefined {
  try {
    const s = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as PageState;
    return s.v === 1 && typeof s.after === 'number' && typeof s.top === 'number' ? s : undefined;
  } catch {
    return undefined;
  }
}

function link(sb: Sandbox, s: PageState): string {
  return (
    `${sb.baseUrl}/v1.0/users/${s.oid}/onlineMeetings/${NAMES[s.kind]}(meetingOrganizerUserId='${s.oid}')` +
    `${s.delta ? '/delta' : ''}?skipToken=${encodeToken(s)}`
  );
}

function parseTime(v: string | undefined): number | null | 'bad' {
  if (v === undefined || v === '') return null;
  return ISO.test(v) ? Date.parse(v) : 'bad';
}

/** The first page's state from the function parameters and query, or an error message. */
function firstPage(
  ctx: Ctx,
  kind: Kind,
  params: Record<string, string>,
  delta: boolean,
): PageState | string {
  let oid = params.meetingOrganizerUserId;
  const filter = ctx.url.searchParams.get('$filter');
  if (filter !== null) {
    const f = parseEqFilter(filter);
    if ('error' in f) return f.error;
    if (f.property.toLowerCase() !== 'meetingorganizer/user/id')
      return `${INVALID_QUERY} Filtering on '${f.property}' is not supported; use MeetingOrganizer/User/Id.`;
    oid = oid ?? f.value;
  }
  if (!oid)
    return `The parameter 'meetingOrganizerUserId' is required (or $filter=MeetingOrganizer/User/Id eq '{userId}').`;
  if (oid.toLowerCase() !== ctx.params.userId.toLowerCase())
    return `meetingOrganizerUserId '${oid}' must be the user in the request path.`;
  const start = parseTime(params.startDateTime);
  const end = parseTime(params.endDateTime);
  if (start === 'bad' || end === 'bad')
    return `${INVALID_QUERY} startDateTime and endDateTime must be ISO 8601 date-times in UTC, e.g. 2025-06-01T00:00:00Z.`;
  const topRaw = ctx.url.searchParams.get('$top');
  const top = topRaw === null ? DEFAULT_TOP : Number(topRaw);
  if (!Number.isInteger(top) || top < 1) return `Invalid value '${topRaw}' for query option $top.`;
  return {
    v: 1,
    kind,
    oid: oid.toLowerCase(),
    start,
    end,
    top: Math.min(top, MAX_TOP),
    after: 0,
    delta,
  };
}

export async function handleGetAll(sb: Sandbox, ctx: Ctx, delta: boolean): Promise<void> {
  const segment = ctx.params.meetingId;
  const call = parseFunctionCall(segment);
  const kind = 'name' in call ? FUNCTIONS[call.name.toLowerCase()] : undefined;
  if (!kind || 'error' in call) {
    const message =
      'error' in call
        ? call.error
        : `Resource not found for the segment '${delta ? 'delta' : segment}'.`;
    return graphError(ctx, 400, 'BadRequest', message, { now: sb.clock.now() });
  }
  const caller = await teamsCaller(sb, ctx, ARTIFACT_ROLES[kind]);
  if (!caller) return;
  const { app, user } = caller;
  const now = sb.clock.now();

  const token = ctx.url.searchParams.get('skipToken') ?? ctx.url.searchParams.get('$skiptoken');
  let state: PageState | string;
  if (token !== null) {
    const s = decodeToken(token);
    state =
      s && s.kind === kind && s.oid === user.id && s.delta === delta
        ? s
        : 'The skip token is not valid for this request.';
  } else state = firstPage(ctx, kind, call.params, delta);
  if (typeof state === 'string') return graphError(ctx, 400, 'BadRequest', state, { now });

  settleArtifacts(sb);
  const s = state;
  const expired = new Set([...meetings(sb).values()].filter((m) => m.expired).map((m) => m.id));
  const candidates = [...artifacts(sb).values()]
    .filter((a) => {
      const created = Date.parse(a.createdDateTime);
      return (
        a.announced &&
        a.kind === kind &&
        a.organizerOid === s.oid &&
        a.tenantId === app.tenant.tenantId &&
        a.seq > s.after &&
        !expired.has(a.meetingId) &&
        (s.start === null || created >= s.start) &&
        (s.end === null || created <= s.end)
      );
    })
    .sort((a, b) => a.seq - b.seq);
  const page = candidates.slice(0, s.top);
  const body: Record<string, unknown> = {
    '@odata.context': `${metadata(sb)}Collection(${kind === 'recording' ? 'callRecording' : 'callTranscript'})`,
    '@odata.count': page.length,
  };
  if (candidates.length > page.length) {
    body['@odata.nextLink'] = link(sb, { ...s, after: page[page.length - 1].seq });
  } else if (delta) {
    const latest = sb.store.collection<number>('graph.meetingSeq').get('seq') ?? 0;
    body['@odata.deltaLink'] = link(sb, { ...s, after: Math.max(latest, s.after) });
  }
  body.value = page.map((a) => ({ '@odata.type': odataType(a.kind), ...renderArtifact(sb, a) }));
  sendJson(ctx, 200, body);
}
