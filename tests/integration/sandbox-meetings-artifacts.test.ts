import { PageIterator, type Client } from '@microsoft/microsoft-graph-client';
import type { CallRecording, CallTranscript, Event } from '@microsoft/microsoft-graph-types';
import { scheduleOnlineMeeting, startMeetingsSandbox } from '../helpers/meetings';
import type { TestSandbox } from '../helpers/sandbox';
import {
  fetchWithToken,
  graphClientFor,
  graphErrorOf as errorOf,
  mintGraphAppTokenDirectly,
} from '../helpers/sandbox-clients';

/** Recordings and transcripts (graph-contract §5) through the real Graph client. */

describe('sandbox Graph: meeting recordings and transcripts', () => {
  let sb: TestSandbox;
  let graph: Client;
  let tenantId: string;
  let oid: string;
  let staffOid: string;
  const seen: { kind: string; artifactId: string }[] = [];
  const lifecycle: string[] = [];

  beforeAll(async () => {
    ({
      sb,
      graph,
      tenantId,
      staffOid,
      organizer: { id: oid },
    } = await startMeetingsSandbox());
    sb.sandbox.bus.on('artifactCreated', (e) => seen.push(e));
    sb.sandbox.bus.on('meetingStarted', (e) => lifecycle.push(`started ${e.meetingId}`));
    sb.sandbox.bus.on('meetingEnded', (e) => lifecycle.push(`ended ${e.meetingId}`));
  });
  afterAll(async () => sb.stop());

  const advance = (ms: number) => sb.control('POST', '/_sandbox/clock', { advanceMs: ms });
  const enc = encodeURIComponent;

  /** An online event as the product creates it, and its meeting id resolved from the join URL. */
  function scheduleMeeting(subject: string): Promise<{ meetingId: string; event: Event }> {
    return scheduleOnlineMeeting(graph, oid, {
      subject,
      start: { dateTime: '2031-03-02T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2031-03-02T10:30:00', timeZone: 'UTC' },
      attendees: [
        { emailAddress: { address: 'adele.vance@contoso.onmicrosoft.com', name: 'Adele Vance' } },
      ],
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
    });
  }

  const list = (meetingId: string, set: 'recordings' | 'transcripts') =>
    graph.api(`/users/${oid}/onlineMeetings/${enc(meetingId)}/${set}`).get() as Promise<{
      '@odata.context': string;
      '@odata.count': number;
      value: (CallRecording & CallTranscript)[];
    }>;

  it('lists nothing before the meeting ends and until the artifact delay has passed', async () => {
    const { meetingId, event } = await scheduleMeeting('Artifacts appear late');
    expect((await list(meetingId, 'recordings')).value).toEqual([]);
    await sb.control('POST', `/_sandbox/meetings/${enc(meetingId)}/start`);
    await advance(30 * 60_000);
    expect((await list(meetingId, 'transcripts')).value).toEqual([]);
    await sb.control('POST', `/_sandbox/meetings/${enc(meetingId)}/end`, {
      artifactDelayMs: 10 * 60_000,
    });
    expect((await list(meetingId, 'recordings')).value).toEqual([]);
    await advance(9 * 60_000);
    expect((await list(meetingId, 'transcripts')).value).toEqual([]);
    expect(seen.filter((e) => e.kind)).toHaveLength(0);
    await advance(60_000);
    const recordings = await list(meetingId, 'recordings');
    const transcripts = await list(meetingId, 'transcripts');
    expect(seen.map((e) => e.kind).sort()).toEqual(['recording', 'transcript']);
    expect(lifecycle).toEqual([`started ${meetingId}`, `ended ${meetingId}`]);
    expect(recordings['@odata.context']).toBe(
      `${sb.url}/v1.0/$metadata#users('${oid}')/onlineMeetings('${meetingId}')/recordings`,
    );
    expect([recordings['@odata.count'], transcripts['@odata.count']]).toEqual([1, 1]);
    const [r, t] = [recordings.value[0], transcripts.value[0]];
    expect(r.contentCorrelationId).toBe(t.contentCorrelationId);
    expect(r.contentCorrelationId).toMatch(/^[0-9a-f-]{36}-0$/);
    expect(r.callId).toBe(t.callId);
    const decoded = Buffer.from(t.id!, 'base64').toString();
    expect(decoded).toMatch(new RegExp(`^V2##1${oid}${tenantId}${event.iCalUId}##[0-9a-f-]{36}$`));
    expect(t).toMatchObject({
      meetingId,
      transcriptContentUrl: `${sb.url}/v1.0/users/${oid}/onlineMeetings/${enc(meetingId)}/transcripts/${enc(t.id!)}/content`,
      meetingOrganizer: {
        application: null,
        device: null,
        user: {
          '@odata.type': '#microsoft.graph.teamworkUserIdentity',
          id: oid,
          displayName: null,
          userIdentityType: 'aadUser',
          tenantId,
        },
      },
    });
    expect(r.recordingContentUrl).toMatch(/\/recordings\/.+\/content$/);
    expect(Date.parse(t.endDateTime!)).toBeGreaterThan(Date.parse(t.createdDateTime!));
    const filtered = (await graph
      .api(`/users/${oid}/onlineMeetings/${enc(meetingId)}/transcripts`)
      .filter(`contentCorrelationId eq '${t.contentCorrelationId}'`)
      .get()) as { value: CallTranscript[] };
    expect(filtered.value.map((x) => x.id)).toEqual([t.id]);
    const one = (await graph
      .api(`/users/${oid}/onlineMeetings/${enc(meetingId)}/transcripts/${enc(t.id!)}`)
      .get()) as CallTranscript;
    expect(one.id).toBe(t.id);
    const missing = await errorOf(
      graph.api(`/users/${oid}/onlineMeetings/${enc(meetingId)}/recordings/${enc(t.id!)}`).get(),
    );
    expect([missing.statusCode, missing.code]).toEqual([404, 'NotFound']);
    const attendee = await errorOf(
      graph.api(`/users/${staffOid}/onlineMeetings/${enc(meetingId)}/recordings`).get(),
    );
    expect([attendee.statusCode, attendee.message]).toEqual([
      404,
      `Organizer Id mismatch User Id: ${staffOid}`,
    ]);
  });

  it('serves the transcript as WebVTT with cue ids, timestamps and voices, plus metadataContent', async () => {
    const { meetingId } = await scheduleMeeting('Transcript content');
    await sb.control('POST', `/_sandbox/meetings/${enc(meetingId)}/end`, {
      artifactDelayMs: 0,
      recorded: false,
      transcript: {
        lines: [
          { speaker: 'Megan Organizer', text: "Let's start <now> & then review." },
          { speaker: 'Jane Doe', text: 'Numbers are up.', startMs: 9_000, endMs: 11_500 },
        ],
      },
    });
    expect((await list(meetingId, 'recordings')).value).toEqual([]);
    const t = (await list(meetingId, 'transcripts')).value[0];
    const token = await mintGraphAppTokenDirectly(sb, {
      tenantId,
      roles: ['OnlineMeetingTranscript.Read.All'],
    });
    const base = `/v1.0/users/${oid}/onlineMeetings/${enc(meetingId)}/transcripts/${enc(t.id!)}`;
    for (const query of ['', '?$format=text/vtt']) {
      const res = await fetchWithToken(sb, token, `${base}/content${query}`);
      expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/vtt']);
      const cues = parseVtt(await res.text());
      expect(cues).toEqual([
        {
          id: expect.stringMatching(/^[0-9a-f-]{36}\/14-0$/),
          start: '00:00:03.120',
          end: '00:00:07.480',
          speaker: 'Megan Organizer',
          text: "Let's start <now> & then review.",
        },
        {
          id: expect.stringMatching(/^[0-9a-f-]{36}\/15-0$/),
          start: '00:00:09.000',
          end: '00:00:11.500',
          speaker: 'Jane Doe',
          text: 'Numbers are up.',
        },
      ]);
    }
    const docx = await fetchWithToken(
      sb,
      token,
      `${base}/content?$format=${enc('application/vnd.openxmlformats-officedocument.wordprocessingml.document')}`,
    );
    expect(docx.status).toBe(400);
    const meta = await (await fetchWithToken(sb, token, `${base}/metadataContent`)).text();
    const payloads = meta
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(payloads[1]).toMatchObject({
      speakerName: 'Jane Doe',
      spokenText: 'Numbers are up.',
      spokenLanguage: 'en-us',
    });
    expect(payloads[1].startDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/);
  });

  it('generates a default transcript spoken by the organizer and attendees', async () => {
    const { meetingId } = await scheduleMeeting('Default transcript');
    await sb.control('POST', `/_sandbox/meetings/${enc(meetingId)}/end`, {
      artifactDelayMs: 0,
      transcript: { lineCount: 4 },
    });
    const t = (await list(meetingId, 'transcripts')).value[0];
    const stream = (await graph
      .api(`/users/${oid}/onlineMeetings/${enc(meetingId)}/transcripts/${enc(t.id!)}/content`)
      .getStream()) as ReadableStream<Uint8Array>;
    const cues = parseVtt(await new Response(stream).text());
    expect(cues.map((c) => c.speaker)).toEqual([
      'Megan Organizer',
      'Adele Vance',
      'Megan Organizer',
      'Adele Vance',
    ]);
  });

  it('pages getAllTranscripts with absolute nextLinks and ends delta with a deltaLink', async () => {
    const fresh = graphClientFor(sb, { tenantId });
    const baseline = (await fresh
      .api(`/users/${oid}/onlineMeetings/getAllTranscripts(meetingOrganizerUserId='${oid}')/delta`)
      .get()) as { '@odata.deltaLink': string; value: unknown[] };
    for (const subject of ['Paging A', 'Paging B', 'Paging C']) {
      const { meetingId } = await scheduleMeeting(subject);
      await sb.control('POST', `/_sandbox/meetings/${enc(meetingId)}/end`, {
        artifactDelayMs: 1000,
        recordings: 2,
      });
    }
    await advance(1000);
    const first = (await fresh
      .api(
        `/users/${oid}/onlineMeetings/getAllTranscripts(meetingOrganizerUserId='${oid}',startDateTime=2020-01-01T00:00:00Z)`,
      )
      .top(2)
      .get()) as {
      '@odata.context': string;
      '@odata.nextLink'?: string;
      value: Record<string, unknown>[];
    };
    expect(first['@odata.context']).toBe(`${sb.url}/v1.0/$metadata#Collection(callTranscript)`);
    expect(first.value.every((v) => v['@odata.type'] === '#microsoft.graph.callTranscript')).toBe(
      true,
    );
    expect(first['@odata.nextLink']).toMatch(
      new RegExp(
        `^${sb.url.replace(/\./g, '\\.')}/v1\\.0/users/${oid}/onlineMeetings/getAllTranscripts\\(meetingOrganizerUserId='${oid}'\\)\\?skipToken=[\\w-]+$`,
      ),
    );
    const token = await mintGraphAppTokenDirectly(sb, {
      tenantId,
      roles: ['OnlineMeetingTranscript.Read.All'],
    });
    const ids: string[] = first.value.map((v) => String(v.id));
    let next = first['@odata.nextLink'];
    let pages = 1;
    while (next) {
      const page = (await (await fetchWithToken(sb, token, next)).json()) as {
        '@odata.nextLink'?: string;
        value: { id: string }[];
      };
      expect(page.value.length).toBeLessThanOrEqual(2);
      ids.push(...page.value.map((v) => v.id));
      next = page['@odata.nextLink'];
      pages++;
    }
    const total = baseline.value.length + 6;
    expect(new Set(ids).size).toBe(total);
    expect(pages).toBe(Math.ceil(total / 2));
    expect(pages).toBeGreaterThanOrEqual(3);

    const collected: string[] = [];
    const iterator = new PageIterator(
      fresh,
      (await fresh
        .api(`/users/${oid}/onlineMeetings/getAllTranscripts(meetingOrganizerUserId='${oid}')`)
        .top(3)
        .get()) as never,
      (item: { id: string }) => {
        collected.push(item.id);
        return true;
      },
    );
    await iterator.iterate();
    expect(collected.sort()).toEqual([...ids].sort());

    // delta: following the baseline deltaLink verbatim gives only the six new transcripts.
    let link: string | undefined = baseline['@odata.deltaLink'];
    expect(link).toMatch(
      /\/getAllTranscripts\(meetingOrganizerUserId='[^']+'\)\/delta\?skipToken=/,
    );
    const delta: string[] = [];
    let deltaLink: string | undefined;
    while (link) {
      const page = (await fresh.api(link).get()) as {
        '@odata.nextLink'?: string;
        '@odata.deltaLink'?: string;
        value: { id: string }[];
      };
      delta.push(...page.value.map((v) => v.id));
      link = page['@odata.nextLink'];
      deltaLink = page['@odata.deltaLink'];
    }
    expect(delta).toHaveLength(6);
    const again = (await fresh.api(deltaLink!).get()) as {
      value: unknown[];
      '@odata.deltaLink': string;
    };
    expect(again.value).toEqual([]);
    expect(again['@odata.deltaLink']).toBeTruthy();
  });

  it('validates getAll* parameters and roles', async () => {
    const path = (params: string) => `/users/${oid}/onlineMeetings/getAllRecordings(${params})`;
    for (const params of [
      '',
      `meetingOrganizerUserId='${staffOid}'`,
      `meetingOrganizerUserId='${oid}',startDateTime=yesterday`,
    ]) {
      const err = await errorOf(graph.api(path(params)).get());
      expect([params, err.statusCode, err.code]).toEqual([params, 400, 'BadRequest']);
    }
    const byFilter = (await graph
      .api(path(''))
      .filter(`MeetingOrganizer/User/Id eq '${oid}'`)
      .get()) as { value: unknown[] };
    expect(byFilter.value.length).toBeGreaterThan(0);
    const future = (await graph
      .api(path(`meetingOrganizerUserId='${oid}',startDateTime=2099-01-01T00:00:00Z`))
      .get()) as { value: unknown[] };
    expect(future.value).toEqual([]);
    const transcriptOnly = graphClientFor(sb, {
      tenantId,
      roles: ['OnlineMeetingTranscript.Read.All'],
    });
    const denied = await errorOf(transcriptOnly.api(path(`meetingOrganizerUserId='${oid}'`)).get());
    expect([denied.statusCode, denied.code]).toEqual([403, 'Forbidden']);
  });

  it('answers artifact calls of an expired meeting with 404 (or 403 when configured)', async () => {
    for (const status of [404, 403]) {
      const { meetingId } = await scheduleMeeting(`Expired ${status}`);
      await sb.control('POST', `/_sandbox/meetings/${enc(meetingId)}/end`, { artifactDelayMs: 0 });
      expect((await list(meetingId, 'recordings')).value).toHaveLength(1);
      await sb.control('POST', `/_sandbox/meetings/${enc(meetingId)}/expire`, { status });
      const err = await errorOf(list(meetingId, 'transcripts'));
      expect([err.statusCode, err.code]).toEqual([
        status,
        status === 404 ? 'NotFound' : 'Forbidden',
      ]);
    }
  });
});

/** A small WebVTT reader: cue id, timing line, `<v Speaker>text</v>` (entities decoded). */
function parseVtt(
  text: string,
): { id: string; start: string; end: string; speaker: string; text: string }[] {
  const blocks = text.replace(/\r\n/g, '\n').split(/\n\n+/);
  expect(blocks[0]).toBe('WEBVTT');
  const unescape = (s: string) =>
    s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return blocks
    .slice(1)
    .filter((b) => b.trim())
    .map((block) => {
      const [id, timing, payload] = block.split('\n');
      const t = /^(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})$/.exec(timing);
      const v = /^<v ([^>]+)>(.*)<\/v>$/.exec(payload);
      if (!t || !v) throw new Error(`not a Teams cue: ${block}`);
      return { id, start: t[1], end: t[2], speaker: unescape(v[1]), text: unescape(v[2]) };
    });
}
