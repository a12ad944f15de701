import { sendJson, type Ctx } from '../http';
import { controlError } from '../control';
import type { Sandbox } from '../sandbox';
import { notifyMeetingBot, type MeetingBotDelivery } from '../connector-meeting-events';
import { contentStats } from './meeting-content';
import {
  DEFAULT_ARTIFACT_DELAY_MS,
  DEFAULT_RECORDING_SIZE,
  endMeeting,
  expireMeeting,
  startMeeting,
  type EndOptions,
  type LineInput,
} from './meeting-lifecycle';
import {
  artifacts,
  deletedEvents,
  eventPosts,
  events,
  meetings,
  saveSettings,
  settings,
  settleArtifacts,
  type ArtifactSettings,
  type StoredMeeting,
} from './meeting-store';

/** Control API for meetings: drive their lifecycle, shape their artifacts, inspect calendars. */

type Body = Record<string, unknown>;

/** A JSON object body, or `{}` when there is none; undefined after answering 400. */
function optionalBody(ctx: Ctx): Body | undefined {
  if (ctx.body.length === 0) return {};
  try {
    const v: unknown = JSON.parse(ctx.body.toString('utf8'));
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Body;
  } catch {
    // answered below
  }
  controlError(ctx, 400, 'the body must be a JSON object');
  return undefined;
}

/** A meeting by onlineMeeting id, event id, chat thread id or join URL. */
function findMeeting(sb: Sandbox, ref: string): StoredMeeting | undefined {
  const all = meetings(sb);
  if (all.has(ref)) return all.get(ref);
  const viaEvent = events(sb).get(ref)?.meetingId;
  if (viaEvent) return all.get(viaEvent);
  return [...all.values()].find(
    (m) => m.eventId === ref || m.chatInfo.threadId === ref || m.joinWebUrl === ref,
  );
}

function withMeeting(
  sb: Sandbox,
  ctx: Ctx,
  fn: (m: StoredMeeting) => void | Promise<void>,
): void | Promise<void> {
  const m = findMeeting(sb, ctx.params.ref);
  if (!m) {
    return controlError(
      ctx,
      404,
      `no online meeting ${ctx.params.ref} (give the onlineMeeting id, event id, chat thread id or join URL, URL-encoded); see GET /_sandbox/meetings`,
    );
  }
  return fn(m);
}

function describe(sb: Sandbox, m: StoredMeeting) {
  settleArtifacts(sb);
  return {
    ...m,
    eventExists: events(sb).has(m.eventId),
    artifacts: [...artifacts(sb).values()]
      .filter((a) => a.meetingId === m.id)
      .map((a) => ({
        id: a.id,
        kind: a.kind,
        contentCorrelationId: a.contentCorrelationId,
        createdDateTime: a.createdDateTime,
        endDateTime: a.endDateTime,
        availableAt: a.availableAt,
        listable: a.announced,
        sizeBytes: a.kind === 'recording' ? a.sizeBytes : undefined,
        lines: a.kind === 'transcript' ? a.lines.length : undefined,
      })),
  };
}

const isCount = (v: unknown, max: number) =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;

/** Validates the `end` body; a string says what is wrong. */
function endOptions(b: Body): EndOptions | string {
  for (const k of ['recorded', 'transcribed'])
    if (b[k] !== undefined && typeof b[k] !== 'boolean') return `${k} must be true or false`;
  if (b.recordings !== undefined && !(isCount(b.recordings, 20) && (b.recordings as number) >= 1))
    return 'recordings must be a whole number from 1 to 20 (one recording/transcript per session)';
  for (const k of ['artifactDelayMs', 'recordingDelayMs', 'transcriptDelayMs'])
    if (b[k] !== undefined && !(Number.isFinite(b[k]) && (b[k] as number) >= 0))
      return `${k} must be a number of (sandbox) milliseconds ≥ 0`;
  if (b.recordingSizeBytes !== undefined && !isCount(b.recordingSizeBytes, 20 * 1024 ** 3))
    return 'recordingSizeBytes must be a whole number of bytes from 0 to 20 GiB';
  const t = (b.transcript ?? {}) as { speakers?: unknown; lines?: unknown; lineCount?: unknown };
  if (typeof t !== 'object' || Array.isArray(t)) return 'transcript must be an object';
  if (
    t.speakers !== undefined &&
    !(Array.isArray(t.speakers) && t.speakers.every((s) => typeof s === 'string' && s))
  )
    return 'transcript.speakers must be an array of non-empty names';
  if (t.lineCount !== undefined && !isCount(t.lineCount, 10_000))
    return 'transcript.lineCount must be a whole number from 0 to 10000';
  if (t.lines !== undefined) {
    const ok =
      Array.isArray(t.lines) &&
      t.lines.every(
        (l: LineInput) =>
          typeof l === 'object' &&
          l !== null &&
          typeof l.speaker === 'string' &&
          typeof l.text === 'string' &&
          (l.startMs === undefined || Number.isFinite(l.startMs)) &&
          (l.endMs === undefined || Number.isFinite(l.endMs)),
      );
    if (!ok) return 'transcript.lines must be an array of { speaker, text, startMs?, endMs? }';
  }
  const delay = (b.artifactDelayMs as number | undefined) ?? DEFAULT_ARTIFACT_DELAY_MS;
  return {
    recorded: (b.recorded as boolean | undefined) ?? true,
    transcribed: (b.transcribed as boolean | undefined) ?? true,
    sessions: (b.recordings as number | undefined) ?? 1,
    recordingDelayMs: (b.recordingDelayMs as number | undefined) ?? delay,
    transcriptDelayMs: (b.transcriptDelayMs as number | undefined) ?? delay,
    recordingSizeBytes: (b.recordingSizeBytes as number | undefined) ?? DEFAULT_RECORDING_SIZE,
    lines: (t.lines as LineInput[] | undefined) ?? null,
    speakers: (t.speakers as string[] | undefined) ?? null,
    lineCount: (t.lineCount as number | undefined) ?? 12,
  };
}

const MODES = ['stream', 'redirect'];

function patchSettings(sb: Sandbox, ctx: Ctx): void {
  const b = optionalBody(ctx);
  if (!b) return;
  const next: ArtifactSettings = { ...settings(sb) };
  if (b.contentMode !== undefined) {
    if (!MODES.includes(String(b.contentMode)))
      return controlError(ctx, 400, 'contentMode must be "stream" or "redirect"');
    next.contentMode = b.contentMode as ArtifactSettings['contentMode'];
  }
  for (const k of ['paymentRequired', 'ranges', 'contentLength'] as const) {
    if (b[k] === undefined) continue;
    if (typeof b[k] !== 'boolean') return controlError(ctx, 400, `${k} must be true or false`);
    next[k] = b[k];
  }
  if (b.joinUrlLookupDelayMs !== undefined) {
    if (!(Number.isFinite(b.joinUrlLookupDelayMs) && (b.joinUrlLookupDelayMs as number) >= 0))
      return controlError(ctx, 400, 'joinUrlLookupDelayMs must be a number of milliseconds ≥ 0');
    next.joinUrlLookupDelayMs = b.joinUrlLookupDelayMs as number;
  }
  if (b.redirectHost !== undefined) {
    if (
      b.redirectHost !== null &&
      !(typeof b.redirectHost === 'string' && /^[A-Za-z0-9.-]+(:\d+)?$/.test(b.redirectHost))
    )
      return controlError(
        ctx,
        400,
        'redirectHost must be a host name (optionally with :port) or null',
      );
    next.redirectHost = b.redirectHost;
  }
  saveSettings(sb, next);
  sendJson(ctx, 200, next);
}

function patchMeeting(sb: Sandbox, ctx: Ctx, m: StoredMeeting): void {
  const b = optionalBody(ctx);
  if (!b) return;
  if (
    b.contentMode !== undefined &&
    b.contentMode !== null &&
    !MODES.includes(String(b.contentMode))
  )
    return controlError(
      ctx,
      400,
      'contentMode must be "stream", "redirect" or null (use the global setting)',
    );
  if (
    b.paymentRequired !== undefined &&
    b.paymentRequired !== null &&
    typeof b.paymentRequired !== 'boolean'
  )
    return controlError(
      ctx,
      400,
      'paymentRequired must be true, false or null (use the global setting)',
    );
  if (b.contentMode !== undefined) m.contentMode = b.contentMode as StoredMeeting['contentMode'];
  if (b.paymentRequired !== undefined) m.paymentRequired = b.paymentRequired as boolean | null;
  sb.store.changed();
  sendJson(ctx, 200, describe(sb, m));
}

function listEvents(sb: Sandbox, ctx: Ctx): void {
  const tenantId = ctx.url.searchParams.get('tenantId');
  const userId = ctx.url.searchParams.get('userId');
  const keep = (e: { tenantId: string; ownerOid: string }) =>
    (!tenantId || e.tenantId === tenantId) && (!userId || e.ownerOid === userId);
  const list = [...events(sb).values()].filter(keep);
  const transactions = [...eventPosts(sb).entries()]
    .map(([key, posts]) => {
      const [ownerOid, transactionId] = [key.slice(0, 36), key.slice(37)];
      const count = list.filter(
        (e) => e.ownerOid === ownerOid && e.transactionId === transactionId,
      ).length;
      return { ownerOid, transactionId, posts, events: count };
    })
    .filter((t) => !userId || t.ownerOid === userId);
  sendJson(ctx, 200, {
    events: list.map((e) => ({
      id: e.id,
      tenantId: e.tenantId,
      ownerOid: e.ownerOid,
      subject: e.subject,
      start: e.start,
      end: e.end,
      transactionId: e.transactionId,
      isOnlineMeeting: e.isOnlineMeeting,
      onlineMeetingProvider: e.onlineMeetingProvider,
      meetingId: e.meetingId,
      joinUrl: e.meetingId ? (meetings(sb).get(e.meetingId)?.joinWebUrl ?? null) : null,
      createdDateTime: e.createdDateTime,
      lastModifiedDateTime: e.lastModifiedDateTime,
      joinBlobLost: e.joinBlobLost,
    })),
    transactions,
    deleted: [...deletedEvents(sb).values()].filter(keep),
    summary: {
      events: list.length,
      withoutTransactionId: list.filter((e) => e.transactionId === null).length,
      duplicateTransactionIds: transactions.filter((t) => t.events > 1).length,
      joinBlobLost: list.filter((e) => e.joinBlobLost).length,
    },
  });
}

export function registerMeetingControl(sb: Sandbox): void {
  const r = sb.router;
  r.on('GET', '/_sandbox/events', (ctx) => listEvents(sb, ctx));
  r.on('GET', '/_sandbox/meetings/settings', (ctx) => sendJson(ctx, 200, settings(sb)));
  r.on('PATCH', '/_sandbox/meetings/settings', (ctx) => patchSettings(sb, ctx));
  r.on('GET', '/_sandbox/meetings/content-stats', (ctx) => sendJson(ctx, 200, contentStats(sb)));
  r.on('GET', '/_sandbox/meetings', (ctx) => {
    const tenantId = ctx.url.searchParams.get('tenantId');
    const organizerOid = ctx.url.searchParams.get('organizerOid');
    const list = [...meetings(sb).values()].filter(
      (m) =>
        (!tenantId || m.tenantId === tenantId) &&
        (!organizerOid || m.organizerOid === organizerOid),
    );
    sendJson(ctx, 200, { meetings: list.map((m) => describe(sb, m)) });
  });
  r.on('GET', '/_sandbox/meetings/:ref', (ctx) =>
    withMeeting(sb, ctx, (m) => sendJson(ctx, 200, describe(sb, m))),
  );
  r.on('PATCH', '/_sandbox/meetings/:ref', (ctx) =>
    withMeeting(sb, ctx, (m) => patchMeeting(sb, ctx, m)),
  );
  r.on('POST', '/_sandbox/meetings/:ref/start', (ctx) =>
    withMeeting(sb, ctx, async (m) => {
      if (m.state !== 'scheduled')
        return controlError(ctx, 409, `the meeting has already ${m.state}`);
      startMeeting(sb, m, sb.clock.now());
      const botDeliveries = await notifyMeetingBot(sb, m, 'start');
      sendJson(ctx, 200, { ...describe(sb, m), botDeliveries });
    }),
  );
  r.on('POST', '/_sandbox/meetings/:ref/end', (ctx) =>
    withMeeting(sb, ctx, async (m) => {
      const b = optionalBody(ctx);
      if (!b) return;
      if (m.state === 'ended') return controlError(ctx, 409, 'the meeting has already ended');
      const o = endOptions(b);
      if (typeof o === 'string') return controlError(ctx, 400, o);
      const botDeliveries: MeetingBotDelivery[] = [];
      if (m.state === 'scheduled') {
        const duration = Date.parse(m.endDateTime) - Date.parse(m.startDateTime);
        startMeeting(sb, m, new Date(sb.clock.now().getTime() - Math.max(duration, 60_000)));
        botDeliveries.push(...(await notifyMeetingBot(sb, m, 'start')));
      }
      endMeeting(sb, m, o);
      botDeliveries.push(...(await notifyMeetingBot(sb, m, 'end')));
      sendJson(ctx, 200, { ...describe(sb, m), botDeliveries });
    }),
  );
  r.on('POST', '/_sandbox/meetings/:ref/expire', (ctx) =>
    withMeeting(sb, ctx, (m) => {
      const b = optionalBody(ctx);
      if (!b) return;
      const status = b.status ?? 404;
      if (status !== 403 && status !== 404)
        return controlError(ctx, 400, 'status must be 403 or 404');
      expireMeeting(sb, m, status);
      sendJson(ctx, 200, describe(sb, m));
    }),
  );
}
