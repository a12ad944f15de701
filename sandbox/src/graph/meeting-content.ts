import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { Readable, pipeline } from 'node:stream';
import { graphError, sendEmpty, type Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import {
  artifacts,
  effectiveSettings,
  meetings,
  type ArtifactSettings,
  type StoredArtifact,
} from './meeting-store';

/**
 * Recording bytes: a deterministic MP4-looking byte stream of the configured size, generated on
 * the fly (AES-CTR keystream, so any offset is computable) and streamed with backpressure — never
 * held in memory. Serves `Range` (206/416) and, in redirect mode, a pre-authenticated download URL.
 */

const CHUNK = 64 * 1024;
const ZEROS = Buffer.alloc(CHUNK);

/** `ftyp isom` box followed by the header of one `mdat` box spanning the rest. */
function mp4Header(size: number): Buffer {
  const ftyp = Buffer.concat([
    Buffer.from([0x00, 0x00, 0x00, 0x20]),
    Buffer.from('ftypisom', 'ascii'),
    Buffer.from([0x00, 0x00, 0x02, 0x00]),
    Buffer.from('isomiso2avc1mp41', 'ascii'),
  ]);
  const mdat = Buffer.alloc(8);
  mdat.writeUInt32BE(Math.min(0xffffffff, Math.max(0, size - 32)));
  mdat.write('mdat', 4, 'ascii');
  return Buffer.concat([ftyp, mdat]);
}

interface Stats {
  streams: number;
  active: number;
  bytesGenerated: number;
  redirects: number;
}
const STATS = new WeakMap<Sandbox, Stats>();

/** Content streaming counters (for tests that check nothing is buffered). */
export function contentStats(sb: Sandbox): Stats {
  let s = STATS.get(sb);
  if (!s) {
    s = { streams: 0, active: 0, bytesGenerated: 0, redirects: 0 };
    STATS.set(sb, s);
  }
  return s;
}

/** Bytes `start..end` (inclusive) of the recording seeded by `seed`, produced on demand. */
class RecordingBytes extends Readable {
  private pos: number;
  private readonly cipher;
  private readonly header: Buffer;

  constructor(
    seed: string,
    size: number,
    start: number,
    private readonly end: number,
    private readonly stats: Stats,
  ) {
    super({ highWaterMark: CHUNK });
    this.pos = start;
    const key = createHash('sha256').update(seed).digest().subarray(0, 16);
    const iv = Buffer.alloc(16);
    iv.writeBigUInt64BE(BigInt(Math.floor(start / 16)), 8);
    this.cipher = createCipheriv('aes-128-ctr', key, iv);
    this.cipher.update(ZEROS.subarray(0, start % 16));
    this.header = mp4Header(size);
  }

  override _read(): void {
    if (this.pos > this.end) {
      this.push(null);
      return;
    }
    const len = Math.min(CHUNK, this.end - this.pos + 1);
    const buf = this.cipher.update(ZEROS.subarray(0, len));
    if (this.pos < this.header.length) {
      this.header.copy(buf, 0, this.pos, Math.min(this.header.length, this.pos + len));
    }
    this.pos += len;
    this.stats.bytesGenerated += len;
    this.push(buf);
  }
}

/** A single byte range of `size`, 'unsatisfiable', or undefined (no/ignored Range: send it all). */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  const end = m[2] === '' ? size - 1 : Number(m[2]);
  return { start, end: Math.min(end, size - 1) };
}

/** Streams recording bytes with Range support as the settings allow. */
export function serveRecording(
  sb: Sandbox,
  ctx: Ctx,
  a: StoredArtifact,
  s: ArtifactSettings,
): void {
  const size = a.sizeBytes;
  const range = s.ranges ? parseRange(ctx.req.headers.range, size) : undefined;
  const base: Record<string, string | number> = { 'content-type': 'video/mp4' };
  if (s.ranges) base['accept-ranges'] = 'bytes';
  if (range === 'unsatisfiable') {
    return graphError(
      ctx,
      416,
      'RequestedRangeNotSatisfiable',
      'The requested range is not satisfiable.',
      {
        now: sb.clock.now(),
        headers: { 'content-range': `bytes */${size}` },
      },
    );
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const headers = { ...base };
  if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  if (s.contentLength || range) headers['content-length'] = Math.max(0, end - start + 1);
  ctx.res.writeHead(range ? 206 : 200, headers);
  if (ctx.method === 'HEAD' || size === 0) {
    ctx.res.end();
    return;
  }
  const stats = contentStats(sb);
  stats.streams++;
  stats.active++;
  pipeline(new RecordingBytes(a.id, size, start, end, stats), ctx.res, () => {
    stats.active--;
  });
}

interface DownloadToken {
  artifactId: string;
  expiresAt: string;
}

function tokens(sb: Sandbox) {
  return sb.store.collection<DownloadToken>('graph.downloadTokens');
}

const TOKEN_LIFETIME_MS = 60 * 60_000;

/** 302 to a pre-authenticated download URL on another origin (SharePoint-like `tempauth`). */
export function redirectToDownload(
  sb: Sandbox,
  ctx: Ctx,
  a: StoredArtifact,
  s: ArtifactSettings,
): void {
  const now = sb.clock.now().getTime();
  for (const [k, t] of tokens(sb)) if (Date.parse(t.expiresAt) <= now) tokens(sb).delete(k);
  const token = randomBytes(32).toString('base64url');
  tokens(sb).set(token, {
    artifactId: a.id,
    expiresAt: new Date(now + TOKEN_LIFETIME_MS).toISOString(),
  });
  sb.store.changed();
  const requestHost = new URL(sb.baseUrl).host;
  const host = s.redirectHost ?? requestHost.replace(/^127\.0\.0\.1(?=:|$)/, 'localhost');
  const uniqueId = createHash('sha256').update(a.id).digest('hex').slice(0, 32);
  contentStats(sb).redirects++;
  sendEmpty(ctx, 302, {
    location: `https://${host}/sharepoint/_layouts/15/download.aspx?UniqueId=${uniqueId}&tempauth=${token}`,
  });
}

/** The pre-authenticated download: no Authorization header, the token in the URL is the grant. */
function download(sb: Sandbox, ctx: Ctx): void {
  const token = ctx.url.searchParams.get('tempauth') ?? '';
  const t = tokens(sb).get(token);
  const unauthorized = (why: string) => {
    const text = JSON.stringify({ error_description: why });
    ctx.res.writeHead(401, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    ctx.res.end(text);
  };
  if (!t) return unauthorized('Invalid audience Uri or token.');
  if (Date.parse(t.expiresAt) <= sb.clock.now().getTime())
    return unauthorized('Invalid JWT token. The token is expired.');
  const a = artifacts(sb).get(t.artifactId);
  const m = a ? meetings(sb).get(a.meetingId) : undefined;
  if (!a || !m) return unauthorized('Invalid audience Uri or token.');
  serveRecording(sb, ctx, a, effectiveSettings(sb, m));
}

export function registerDownloads(sb: Sandbox): void {
  sb.router.on('GET', '/sharepoint/_layouts/15/download.aspx', (ctx) => download(sb, ctx));
  sb.onReset(() => STATS.delete(sb));
}
