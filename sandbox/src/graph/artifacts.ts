import { graphError, sendJson, type Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import { meetingForArtifacts, type MeetingAccess } from './meeting-access';
import { redirectToDownload, registerDownloads, serveRecording } from './meeting-content';
import { handleGetAll } from './meeting-getall';
import { scheduleAnnouncements } from './meeting-lifecycle';
import { INVALID_QUERY, parseEqFilter } from './meeting-odata';
import { renderArtifact } from './meeting-shapes';
import {
  artifacts,
  effectiveSettings,
  metadata,
  teamsNotFound,
  type StoredArtifact,
} from './meeting-store';
import { metadataVtt, transcriptVtt } from './vtt';

/** Recordings and transcripts of one meeting (graph-contract §5): list, get, content. */

type Kind = StoredArtifact['kind'];
const SET: Record<Kind, string> = { recording: 'recordings', transcript: 'transcripts' };

function listable(sb: Sandbox, meetingId: string, kind: Kind): StoredArtifact[] {
  return [...artifacts(sb).values()]
    .filter((a) => a.announced && a.meetingId === meetingId && a.kind === kind)
    .sort((a, b) => a.seq - b.seq);
}

function collectionContext(sb: Sandbox, acc: MeetingAccess, kind: Kind): string {
  return `${metadata(sb)}users('${acc.user.id}')/onlineMeetings('${acc.meeting.id}')/${SET[kind]}`;
}

async function list(sb: Sandbox, ctx: Ctx, kind: Kind): Promise<void> {
  const acc = await meetingForArtifacts(sb, ctx, kind);
  if (!acc) return;
  let items = listable(sb, acc.meeting.id, kind);
  const filter = ctx.url.searchParams.get('$filter');
  if (filter !== null) {
    const now = sb.clock.now();
    const parsed = parseEqFilter(filter);
    if ('error' in parsed) return graphError(ctx, 400, 'BadRequest', parsed.error, { now });
    if (kind !== 'transcript' || parsed.property.toLowerCase() !== 'contentcorrelationid') {
      return graphError(
        ctx,
        400,
        'BadRequest',
        `${INVALID_QUERY} Filtering ${SET[kind]} on '${parsed.property}' is not supported.`,
        { now },
      );
    }
    items = items.filter((a) => a.contentCorrelationId === parsed.value);
  }
  sendJson(ctx, 200, {
    '@odata.context': collectionContext(sb, acc, kind),
    '@odata.count': items.length,
    value: items.map((a) => renderArtifact(sb, a)),
  });
}

/** The listable artifact named in the path, or a 404 answered. */
function one(sb: Sandbox, ctx: Ctx, acc: MeetingAccess, kind: Kind): StoredArtifact | undefined {
  const a = artifacts(sb).get(ctx.params.artifactId);
  if (!a || !a.announced || a.meetingId !== acc.meeting.id || a.kind !== kind) {
    teamsNotFound(sb, ctx, `The requested ${kind} was not found.`);
    return undefined;
  }
  return a;
}

async function get(sb: Sandbox, ctx: Ctx, kind: Kind): Promise<void> {
  const acc = await meetingForArtifacts(sb, ctx, kind);
  if (!acc) return;
  const a = one(sb, ctx, acc, kind);
  if (!a) return;
  sendJson(ctx, 200, {
    '@odata.context': `${collectionContext(sb, acc, kind)}/$entity`,
    ...renderArtifact(sb, a),
  });
}

/** Access + artifact + `$format` + metered-API check shared by the content endpoints. */
async function contentOf(
  sb: Sandbox,
  ctx: Ctx,
  kind: Kind,
  formats: string[],
): Promise<{ acc: MeetingAccess; a: StoredArtifact } | undefined> {
  const acc = await meetingForArtifacts(sb, ctx, kind);
  if (!acc) return undefined;
  const a = one(sb, ctx, acc, kind);
  if (!a) return undefined;
  const now = sb.clock.now();
  const format = ctx.url.searchParams.get('$format');
  if (format !== null && !formats.includes(format)) {
    graphError(
      ctx,
      400,
      'BadRequest',
      `The requested format '${format}' is not supported. Supported: ${formats.join(', ')}.`,
      { now },
    );
    return undefined;
  }
  if (effectiveSettings(sb, acc.meeting).paymentRequired) {
    graphError(
      ctx,
      402,
      'PaymentRequired',
      'Evaluation capacity for the month has exceeded for this application. Set up billing for metered APIs to continue.',
      { now },
    );
    return undefined;
  }
  return { acc, a };
}

function sendVtt(ctx: Ctx, text: string): void {
  ctx.res.writeHead(200, {
    'content-type': 'text/vtt',
    'content-length': Buffer.byteLength(text),
  });
  ctx.res.end(text);
}

async function transcriptContent(sb: Sandbox, ctx: Ctx): Promise<void> {
  const found = await contentOf(sb, ctx, 'transcript', ['text/vtt']);
  if (found) sendVtt(ctx, transcriptVtt(found.a));
}

async function transcriptMetadata(sb: Sandbox, ctx: Ctx): Promise<void> {
  const found = await contentOf(sb, ctx, 'transcript', ['text/vtt']);
  if (found) sendVtt(ctx, metadataVtt(found.a));
}

async function recordingContent(sb: Sandbox, ctx: Ctx): Promise<void> {
  const found = await contentOf(sb, ctx, 'recording', ['video/mp4']);
  if (!found) return;
  const s = effectiveSettings(sb, found.acc.meeting);
  if (s.contentMode === 'redirect') redirectToDownload(sb, ctx, found.a, s);
  else serveRecording(sb, ctx, found.a, s);
}

export function register(sb: Sandbox): void {
  const r = sb.router;
  const base = '/v1.0/users/:userId/onlineMeetings/:meetingId';
  for (const kind of ['recording', 'transcript'] as const) {
    r.on('GET', `${base}/${SET[kind]}`, (ctx) => list(sb, ctx, kind));
    r.on('GET', `${base}/${SET[kind]}/:artifactId`, (ctx) => get(sb, ctx, kind));
  }
  r.on('GET', `${base}/recordings/:artifactId/content`, (ctx) => recordingContent(sb, ctx));
  r.on('GET', `${base}/transcripts/:artifactId/content`, (ctx) => transcriptContent(sb, ctx));
  r.on('GET', `${base}/transcripts/:artifactId/metadataContent`, (ctx) =>
    transcriptMetadata(sb, ctx),
  );
  r.on('GET', `${base}/delta`, (ctx) => handleGetAll(sb, ctx, true));
  registerDownloads(sb);
  // Artifacts restored from a saved state still become listable (and announced) on time, once
  // every module (the subscriptions module listens) has registered.
  scheduleAnnouncements(sb, [...artifacts(sb).values()], false);
}
