import type { Attendee, ItemBody } from '@microsoft/microsoft-graph-types';
import { graphError, type Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import type { SandboxTenant, SandboxUser } from '../seed';

/**
 * State shared by the events, onlineMeetings and artifacts modules, kept in the sandbox store so a
 * restarted sandbox still knows what the product created.
 */

export interface StoredEvent {
  id: string;
  tenantId: string;
  /** The mailbox (calendar owner) the event lives in; also the organizer. */
  ownerOid: string;
  iCalUId: string;
  changeKey: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  transactionId: string | null;
  subject: string;
  body: ItemBody;
  start: string;
  end: string;
  originalStartTimeZone: string;
  originalEndTimeZone: string;
  attendees: Attendee[];
  /** Optional writable properties echoed back as sent (location, showAs, categories, …). */
  extra: Record<string, unknown>;
  isOnlineMeeting: boolean;
  onlineMeetingProvider: 'teamsForBusiness' | 'unknown';
  meetingId: string | null;
  /** A PATCH replaced the body without the Teams join information (the product must never do this). */
  joinBlobLost: { at: string; requestId: string } | null;
}

export type MeetingState = 'scheduled' | 'started' | 'ended';

export interface StoredMeeting {
  id: string;
  tenantId: string;
  organizerOid: string;
  eventId: string;
  /** Graph's shape, so other modules (Bot Connector meeting info) can read it as they would Graph's. */
  chatInfo: { threadId: string };
  joinWebUrl: string;
  subject: string;
  startDateTime: string;
  endDateTime: string;
  creationDateTime: string;
  attendees: { address: string; name: string; oid: string | null }[];
  conferenceId: string;
  tollNumber: string;
  meetingCode: string;
  joinMeetingId: string;
  passcode: string;
  state: MeetingState;
  startedAt: string | null;
  endedAt: string | null;
  callId: string | null;
  /** Expired meetings answer artifact calls with this status (404 or 403). */
  expired: { at: string; status: 403 | 404 } | null;
  /** Per-meeting overrides of the artifact settings. */
  contentMode: ContentMode | null;
  paymentRequired: boolean | null;
}

export interface TranscriptLine {
  speaker: string;
  text: string;
  startMs: number;
  endMs: number;
}

export interface StoredArtifact {
  id: string;
  kind: 'recording' | 'transcript';
  tenantId: string;
  organizerOid: string;
  meetingId: string;
  callId: string;
  contentCorrelationId: string;
  createdDateTime: string;
  endDateTime: string;
  /** Sandbox time from which it is listable (meeting end + delay). */
  availableAt: string;
  /** Set (with `seq`) when it became listable and `artifactCreated` was emitted. */
  announced: boolean;
  /** Order of announcement; delta tokens are positions in this order. */
  seq: number;
  sizeBytes: number;
  lines: TranscriptLine[];
  cueGuid: string;
}

export type ContentMode = 'stream' | 'redirect';

export interface ArtifactSettings {
  /** Recording content answered directly (200/206) or with a 302 to a pre-authenticated URL. */
  contentMode: ContentMode;
  /** Content endpoints answer 402 (metered API without billing / quota exhausted). */
  paymentRequired: boolean;
  /** Honour `Range` (206) and advertise `Accept-Ranges: bytes`. */
  ranges: boolean;
  /** Send `Content-Length` on content responses (false: chunked, as some CDNs do). */
  contentLength: boolean;
  /** Host of redirect targets; default `localhost` (another origin, so clients drop Authorization). */
  redirectHost: string | null;
  /**
   * How long after creation a new meeting stays invisible to the JoinWebUrl filter (Teams is
   * eventually consistent; the product retries the lookup briefly). Default 0.
   */
  joinUrlLookupDelayMs: number;
}

export const DEFAULT_SETTINGS: ArtifactSettings = {
  contentMode: 'stream',
  paymentRequired: false,
  ranges: true,
  contentLength: true,
  redirectHost: null,
  joinUrlLookupDelayMs: 0,
};

export function events(sb: Sandbox) {
  return sb.store.collection<StoredEvent>('graph.events');
}
export function deletedEvents(sb: Sandbox) {
  return sb.store.collection<{
    id: string;
    tenantId: string;
    ownerOid: string;
    transactionId: string | null;
    deletedAt: string;
  }>('graph.events.deleted');
}
/** POSTs received per `{ownerOid}|{transactionId}` (a dedupe hit still counts as a POST). */
export function eventPosts(sb: Sandbox) {
  return sb.store.collection<number>('graph.events.posts');
}
export function meetings(sb: Sandbox) {
  return sb.store.collection<StoredMeeting>('onlineMeetings');
}
export function artifacts(sb: Sandbox) {
  return sb.store.collection<StoredArtifact>('graph.meetingArtifacts');
}
export function settings(sb: Sandbox): ArtifactSettings {
  return {
    ...DEFAULT_SETTINGS,
    ...sb.store.collection<ArtifactSettings>('graph.meetingSettings').get('global'),
  };
}
export function saveSettings(sb: Sandbox, s: ArtifactSettings): void {
  sb.store.collection<ArtifactSettings>('graph.meetingSettings').set('global', s);
  sb.store.changed();
}

/** Effective content mode and payment flag for one meeting. */
export function effectiveSettings(sb: Sandbox, m: StoredMeeting): ArtifactSettings {
  const s = settings(sb);
  return {
    ...s,
    contentMode: m.contentMode ?? s.contentMode,
    paymentRequired: m.paymentRequired ?? s.paymentRequired,
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(s: string): boolean {
  return GUID.test(s);
}

/** A user of the tenant by object id or UPN (case-insensitive), as Exchange resolves mailboxes. */
export function findUser(tenant: SandboxTenant, key: string): SandboxUser | undefined {
  const k = key.toLowerCase();
  return tenant.users.find((u) => u.id === k || u.userPrincipalName.toLowerCase() === k);
}

/** A user of the tenant by Entra object id only (Teams paths take the oid). */
export function findUserByOid(tenant: SandboxTenant, oid: string): SandboxUser | undefined {
  return isGuid(oid) ? tenant.users.find((u) => u.id === oid.toLowerCase()) : undefined;
}

/** Whether the Teams application access policy applies now (a grant takes effect after the delay). */
export function accessPolicyEffective(sb: Sandbox, tenant: SandboxTenant): boolean {
  const p = tenant.accessPolicy;
  if (!p.granted) return false;
  return sb.clock.now().getTime() >= Date.parse(p.changedAt) + p.propagationDelayMs;
}

/** 403 unless the tenant's application access policy covers the app; true when the call may go on. */
export function requireAccessPolicy(sb: Sandbox, ctx: Ctx, tenant: SandboxTenant): boolean {
  if (accessPolicyEffective(sb, tenant)) return true;
  graphError(ctx, 403, 'Forbidden', 'No application access policy found for this app.', {
    now: sb.clock.now(),
  });
  return false;
}

/** `https://…/v1.0/$metadata#` on the sandbox host (Graph echoes its own host). */
export function metadata(sb: Sandbox): string {
  return `${sb.baseUrl}/v1.0/$metadata#`;
}

/** The key inside `users('…')` as Graph echoes it: the path key, URL-encoded (`@` → `%40`). */
export function contextKey(key: string): string {
  return encodeURIComponent(key);
}

/** Graph's generic Teams 404. */
export function teamsNotFound(sb: Sandbox, ctx: Ctx, message: string): void {
  graphError(ctx, 404, 'NotFound', message, { now: sb.clock.now() });
}

/**
 * Marks every artifact whose delay has passed as listable, in order, and emits `artifactCreated`
 * for each. Called from timers and before every read, so "listable" and "announced" never disagree.
 */
export function settleArtifacts(sb: Sandbox): void {
  const now = sb.clock.now().getTime();
  const due = [...artifacts(sb).values()]
    .filter((a) => !a.announced && Date.parse(a.availableAt) <= now)
    .sort(
      (a, b) =>
        Date.parse(a.availableAt) - Date.parse(b.availableAt) ||
        a.createdDateTime.localeCompare(b.createdDateTime) ||
        a.kind.localeCompare(b.kind),
    );
  if (due.length === 0) return;
  const seqCol = sb.store.collection<number>('graph.meetingSeq');
  for (const a of due) {
    const seq = (seqCol.get('seq') ?? 0) + 1;
    seqCol.set('seq', seq);
    a.announced = true;
    a.seq = seq;
    sb.store.changed();
    sb.bus.emit('artifactCreated', {
      tenantId: a.tenantId,
      organizerOid: a.organizerOid,
      meetingId: a.meetingId,
      kind: a.kind,
      artifactId: a.id,
    });
  }
}
