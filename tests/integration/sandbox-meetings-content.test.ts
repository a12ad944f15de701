import v8 from 'node:v8';
import vm from 'node:vm';
import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import type { CallRecording } from '@microsoft/microsoft-graph-types';
import fc from 'fast-check';
import { scheduleOnlineMeeting, startMeetingsSandbox } from '../helpers/meetings';
import type { TestSandbox } from '../helpers/sandbox';
import { fetchWithToken, mintGraphAppTokenDirectly } from '../helpers/sandbox-clients';

/** Buffer memory still referenced after a full GC (garbage chunks would blur a plain rss reading). */
function retainedBufferBytes(): number {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  return process.memoryUsage().arrayBuffers;
}

/** Recording bytes (graph-contract §5.3/5.4): Range, redirect mode, 402, streaming without buffering. */

describe('sandbox Graph: recording content', () => {
  let sb: TestSandbox;
  let graph: Client;
  let tenantId: string;
  let oid: string;
  const enc = encodeURIComponent;

  beforeAll(async () => {
    ({
      sb,
      graph,
      tenantId,
      organizer: { id: oid },
    } = await startMeetingsSandbox());
  });
  /** Cancels a body still being read when a test fails (the undici agent waits for it on close). */
  let afterCleanup: () => Promise<void> = async () => {};
  afterAll(async () => {
    await afterCleanup().catch(() => undefined);
    await sb.stop();
  });

  /** A meeting ended with one recording of `size` bytes, listable now; returns its content path. */
  async function recording(size: number): Promise<{ meetingId: string; path: string }> {
    const { meetingId } = await scheduleOnlineMeeting(graph, oid, {
      subject: `Recording of ${size} bytes`,
      start: { dateTime: '2031-04-01T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2031-04-01T11:00:00', timeZone: 'UTC' },
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
    });
    await sb.control('POST', `/_sandbox/meetings/${enc(meetingId)}/end`, {
      artifactDelayMs: 0,
      transcribed: false,
      recordingSizeBytes: size,
    });
    const list = (await graph
      .api(`/users/${oid}/onlineMeetings/${enc(meetingId)}/recordings`)
      .get()) as {
      value: CallRecording[];
    };
    const path = `/v1.0/users/${oid}/onlineMeetings/${enc(meetingId)}/recordings/${enc(list.value[0].id!)}/content`;
    expect(list.value[0].recordingContentUrl).toBe(`${sb.url}${path}`);
    return { meetingId, path };
  }

  /** A fresh token per call: some tests move the sandbox clock past a token's lifetime. */
  const token = () =>
    mintGraphAppTokenDirectly(sb, { tenantId, roles: ['OnlineMeetingRecording.Read.All'] });
  const get = async (path: string, headers: Record<string, string> = {}) =>
    fetchWithToken(sb, await token(), path, { headers });

  describe('a 150 000-byte recording', () => {
    let path: string;
    let full: Buffer;
    beforeAll(async () => {
      ({ path } = await recording(150_000));
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('video/mp4');
      expect(res.headers.get('accept-ranges')).toBe('bytes');
      expect(res.headers.get('content-length')).toBe('150000');
      full = Buffer.from(await res.arrayBuffer());
    });

    it('is a deterministic MP4-looking byte stream', async () => {
      expect(full).toHaveLength(150_000);
      expect(full.subarray(4, 12).toString('ascii')).toBe('ftypisom');
      expect(full.subarray(36, 40).toString('ascii')).toBe('mdat');
      expect(Buffer.from(await (await get(path)).arrayBuffer()).equals(full)).toBe(true);
    });

    it('answers Range with 206 and Content-Range: first bytes, a middle slice, a suffix', async () => {
      for (const [range, start, end] of [
        ['bytes=0-99', 0, 99],
        ['bytes=65530-65545', 65530, 65545],
        ['bytes=-500', 149_500, 149_999],
        ['bytes=149990-', 149_990, 149_999],
        ['bytes=100-999999', 100, 149_999],
      ] as const) {
        const res = await get(path, { range });
        expect([range, res.status, res.headers.get('content-range')]).toEqual([
          range,
          206,
          `bytes ${start}-${end}/150000`,
        ]);
        expect(res.headers.get('content-length')).toBe(String(end - start + 1));
        expect(Buffer.from(await res.arrayBuffer()).equals(full.subarray(start, end + 1))).toBe(
          true,
        );
      }
      const viaClient = await graph
        .api(path.replace('/v1.0', ''))
        .header('Range', 'bytes=10-19')
        .responseType(ResponseType.RAW)
        .get();
      expect(viaClient.status).toBe(206);
      expect(Buffer.from(await viaClient.arrayBuffer()).equals(full.subarray(10, 20))).toBe(true);
    });

    it('answers an unsatisfiable range with 416 and ignores malformed ones', async () => {
      for (const range of ['bytes=150000-', 'bytes=200000-200010', 'bytes=-0']) {
        const res = await get(path, { range });
        expect([range, res.status, res.headers.get('content-range')]).toEqual([
          range,
          416,
          'bytes */150000',
        ]);
      }
      for (const range of ['bytes=9-3', 'items=0-5', 'bytes=0-1,5-6']) {
        const res = await get(path, { range });
        expect([range, res.status]).toEqual([range, 200]);
        await res.arrayBuffer();
      }
    });

    it('gives exactly the bytes asked for any valid Range (property)', async () => {
      const size = full.length;
      const rangeArb = fc.oneof(
        fc.tuple(fc.nat({ max: size - 1 }), fc.nat({ max: size + 1000 })).map(([a, b]) => ({
          header: `bytes=${a}-${Math.max(a, b)}`,
          start: a,
          end: Math.min(Math.max(a, b), size - 1),
        })),
        fc.nat({ max: size - 1 }).map((a) => ({ header: `bytes=${a}-`, start: a, end: size - 1 })),
        fc
          .integer({ min: 1, max: size + 1000 })
          .map((n) => ({ header: `bytes=-${n}`, start: Math.max(0, size - n), end: size - 1 })),
      );
      await fc.assert(
        fc.asyncProperty(rangeArb, async ({ header, start, end }) => {
          const res = await get(path, { range: header });
          expect(res.status).toBe(206);
          expect(Buffer.from(await res.arrayBuffer()).equals(full.subarray(start, end + 1))).toBe(
            true,
          );
        }),
        { numRuns: 40 },
      );
    });

    it('can switch Range support and Content-Length off (the product must not depend on them)', async () => {
      await sb.control('PATCH', '/_sandbox/meetings/settings', {
        ranges: false,
        contentLength: false,
      });
      const res = await get(path, { range: 'bytes=0-9' });
      expect([
        res.status,
        res.headers.get('accept-ranges'),
        res.headers.get('content-length'),
      ]).toEqual([200, null, null]);
      expect(Buffer.from(await res.arrayBuffer()).equals(full)).toBe(true);
      await sb.control('PATCH', '/_sandbox/meetings/settings', {
        ranges: true,
        contentLength: true,
      });
    });
  });

  it('redirect mode: 302 to a pre-authenticated URL on another origin that needs no Authorization', async () => {
    const { meetingId, path } = await recording(70_000);
    const direct = Buffer.from(await (await get(path)).arrayBuffer());
    await sb.control('PATCH', `/_sandbox/meetings/${enc(meetingId)}`, { contentMode: 'redirect' });
    const res = await fetchWithToken(sb, await token(), path, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin).not.toBe(sb.url);
    expect(location.hostname).toBe('localhost');
    expect(location.searchParams.get('tempauth')).toBeTruthy();
    const anonymous = await sb.fetch(location.href);
    expect([anonymous.status, anonymous.headers.get('content-type')]).toEqual([200, 'video/mp4']);
    expect(Buffer.from(await anonymous.arrayBuffer()).equals(direct)).toBe(true);
    const ranged = await sb.fetch(location.href, { headers: { range: 'bytes=-10' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(direct.subarray(-10))).toBe(true);
    // The Graph client follows the redirect itself and drops the token on the other origin.
    const stream = (await graph
      .api(path.replace('/v1.0', ''))
      .getStream()) as ReadableStream<Uint8Array>;
    expect(Buffer.from(await new Response(stream).arrayBuffer()).equals(direct)).toBe(true);
    const log = (await sb.control('GET', '/_sandbox/requests')) as {
      requests: { path: string; authorization: string; status: number }[];
    };
    const downloads = log.requests.filter((r) => r.path.startsWith('/sharepoint/'));
    expect(downloads.length).toBeGreaterThanOrEqual(3);
    expect(downloads.every((r) => r.authorization === 'none')).toBe(true);
    await sb.control('POST', '/_sandbox/clock', { advanceMs: 61 * 60_000 });
    expect((await sb.fetch(location.href)).status).toBe(401);
    await sb.control('PATCH', `/_sandbox/meetings/${enc(meetingId)}`, { contentMode: null });
  });

  it('answers 402 PaymentRequired on content when injected; metadata calls still work', async () => {
    const { meetingId, path } = await recording(1000);
    await sb.control('PATCH', '/_sandbox/meetings/settings', { paymentRequired: true });
    const res = await get(path);
    const body = (await res.json()) as { error: { code: string } };
    expect([res.status, body.error.code]).toEqual([402, 'PaymentRequired']);
    const listed = (await graph
      .api(`/users/${oid}/onlineMeetings/${enc(meetingId)}/recordings`)
      .get()) as {
      value: unknown[];
    };
    expect(listed.value).toHaveLength(1);
    await sb.control('PATCH', '/_sandbox/meetings/settings', { paymentRequired: false });
    expect((await get(path)).status).toBe(200);
  });

  it('streams a 50 MB recording with backpressure, never buffering it', async () => {
    const size = 50 * 1024 * 1024;
    const { path } = await recording(size);
    const stats = () =>
      sb.control('GET', '/_sandbox/meetings/content-stats') as Promise<{
        bytesGenerated: number;
        active: number;
      }>;
    const before = await stats();
    const baseline = retainedBufferBytes();
    const res = await get(path);
    expect(res.headers.get('content-length')).toBe(String(size));
    const reader = res.body!.getReader();
    afterCleanup = () => reader.cancel();
    let received = (await reader.read()).value!.length;
    // The reader pauses: the sandbox must stop producing once the socket buffers are full.
    await new Promise((r) => setTimeout(r, 300));
    const paused = await stats();
    expect(paused.bytesGenerated - before.bytesGenerated).toBeLessThan(16 * 1024 * 1024);
    let chunks = 1;
    let peak = retainedBufferBytes();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
      if (++chunks % 128 === 0) peak = Math.max(peak, retainedBufferBytes());
    }
    expect(received).toBe(size);
    expect(chunks).toBeGreaterThan(100);
    // Sandbox and test share this process: what stays allocated mid-stream is a few chunks, not 50 MB.
    expect(peak - baseline).toBeLessThan(8 * 1024 * 1024);
    const after = await stats();
    expect(after.bytesGenerated - before.bytesGenerated).toBe(size);
    expect(after.active).toBe(0);
  });
});
