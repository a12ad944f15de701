import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import type { Event } from '@microsoft/microsoft-graph-types';
import { scheduleOnlineMeeting, startMeetingsSandbox } from '../helpers/meetings';
import type { TestSandbox } from '../helpers/sandbox';
import {
  ALL_MEETING_ROLES,
  fetchWithToken,
  graphClientFor,
  graphErrorOf as errorOf,
  mintGraphAppTokenDirectly,
} from '../helpers/sandbox-clients';

/**
 * Resolving the onlineMeeting from the join URL (graph-contract §4), and what every meetings
 * workload does with bad tokens, missing roles and throttling (§1, §8).
 */

describe('sandbox Graph: onlineMeeting lookup, auth and throttling', () => {
  let sb: TestSandbox;
  let graph: Client;
  let tenantId: string;
  let organizer: { id: string; upn: string };
  let staffOid: string;
  const enc = encodeURIComponent;

  beforeAll(async () => {
    ({ sb, graph, tenantId, organizer, staffOid } = await startMeetingsSandbox());
  });
  afterAll(async () => sb.stop());

  const eventBody = (extra: Record<string, unknown> = {}) => ({
    subject: 'Quarterly pipeline review',
    start: { dateTime: '2031-06-12T09:00:00', timeZone: 'UTC' },
    end: { dateTime: '2031-06-12T09:45:00', timeZone: 'UTC' },
    attendees: [{ emailAddress: { address: 'jane@acme.example', name: 'Jane Doe' } }],
    isOnlineMeeting: true,
    onlineMeetingProvider: 'teamsForBusiness',
    ...extra,
  });

  const post = (user: string, body: unknown) =>
    graph
      .api(`/users/${enc(user)}/events`)
      .responseType(ResponseType.RAW)
      .post(body) as Promise<{
      json(): Promise<unknown>;
    }>;

  /** An online event as the product creates it, and its meeting id resolved from the join URL. */
  const scheduleMeeting = (subject: string) =>
    scheduleOnlineMeeting(graph, organizer.id, eventBody({ subject }));

  describe('onlineMeetings lookup by join URL (graph-contract §4)', () => {
    let joinUrl: string;
    const lookup = (user: string, filter: string) =>
      graph.api(`/users/${user}/onlineMeetings`).filter(filter).get() as Promise<{
        '@odata.context': string;
        value: Record<string, unknown>[];
      }>;
    const byJoinUrl = (user: string, url = joinUrl) =>
      lookup(user, `JoinWebUrl eq '${encodeURIComponent(url)}'`);

    beforeAll(async () => {
      const e = (await (
        await post(organizer.id, eventBody({ transactionId: 'tx-lookup' }))
      ).json()) as Event;
      joinUrl = e.onlineMeeting!.joinUrl!;
    });

    it('finds exactly one meeting for the organizer, in the shape of the docs sample', async () => {
      const res = await byJoinUrl(organizer.id);
      expect(res['@odata.context']).toBe(
        `${sb.url}/v1.0/$metadata#users('${organizer.id}')/onlineMeetings`,
      );
      expect(res.value).toHaveLength(1);
      const m = res.value[0] as {
        id: string;
        chatInfo: { threadId: string };
        participants: {
          organizer: { upn: string; identity: { user: { id: string; tenantId: string } } };
        };
      } & Record<string, unknown>;
      expect(m).toMatchObject({
        joinUrl,
        joinWebUrl: joinUrl,
        subject: 'Quarterly pipeline review',
        startDateTime: '2031-06-12T09:00:00Z',
        endDateTime: '2031-06-12T09:45:00Z',
        allowRecording: true,
        allowTranscription: true,
      });
      expect(m.creationDateTime).toMatch(/\.\d{7}Z$/);
      expect(m.chatInfo.threadId).toMatch(/^19:meeting_[A-Za-z0-9]+@thread\.v2$/);
      expect(Buffer.from(m.id, 'base64').toString()).toBe(
        `1*${organizer.id}*0**${m.chatInfo.threadId}`,
      );
      expect(m.participants.organizer.upn).toBe(organizer.upn);
      expect(m.participants.organizer.identity.user).toMatchObject({ id: organizer.id, tenantId });
      const again = await lookup(organizer.id, `joinWebUrl  EQ  '${encodeURIComponent(joinUrl)}'`);
      expect(again.value.map((x) => x.id)).toEqual([m.id]);
      const byCode = await lookup(
        organizer.id,
        `joinMeetingIdSettings/joinMeetingId eq '${(m.joinMeetingIdSettings as { joinMeetingId: string }).joinMeetingId}'`,
      );
      expect(byCode.value.map((x) => x.id)).toEqual([m.id]);
      const one = (await graph
        .api(`/users/${organizer.id}/onlineMeetings/${encodeURIComponent(m.id)}`)
        .get()) as {
        id: string;
      };
      expect(one.id).toBe(m.id);
    });

    it('returns an empty collection for an unknown or un-encoded join URL', async () => {
      expect(
        (await byJoinUrl(organizer.id, joinUrl.replace('meeting_', 'meeting_X'))).value,
      ).toEqual([]);
      expect((await lookup(organizer.id, `JoinWebUrl eq '${joinUrl}'`)).value).toEqual([]);
      expect((await lookup(organizer.id, "JoinWebUrl eq 'it''s not a url'")).value).toEqual([]);
    });

    it('is organizer-only: 403 for an attendee, 404 "Organizer Id mismatch" by id', async () => {
      const err = await errorOf(byJoinUrl(staffOid));
      expect([err.statusCode, err.code]).toEqual([403, 'Forbidden']);
      const id = ((await byJoinUrl(organizer.id)).value[0] as { id: string }).id;
      const mismatch = await errorOf(
        graph.api(`/users/${staffOid}/onlineMeetings/${encodeURIComponent(id)}`).get(),
      );
      expect([mismatch.statusCode, mismatch.message]).toEqual([
        404,
        `Organizer Id mismatch User Id: ${staffOid}`,
      ]);
      const upn = await errorOf(byJoinUrl(organizer.upn));
      expect(upn.statusCode).toBe(404);
    });

    it('rejects malformed or missing $filter with "The query specified in the URI is not valid."', async () => {
      for (const filter of [
        `JoinWebUrl eq ${encodeURIComponent(joinUrl)}`,
        `JoinWebUrl eq '${encodeURIComponent(joinUrl)}`,
        `JoinWebUrl ne '${encodeURIComponent(joinUrl)}'`,
        "subject eq 'x'",
        'JoinWebUrl',
      ]) {
        const err = await errorOf(lookup(organizer.id, filter));
        expect([filter, err.statusCode, err.code]).toEqual([filter, 400, 'BadRequest']);
        expect(err.message.startsWith('The query specified in the URI is not valid.')).toBe(true);
      }
      const noFilter = await errorOf(graph.api(`/users/${organizer.id}/onlineMeetings`).get());
      expect(noFilter.statusCode).toBe(400);
      const id = ((await byJoinUrl(organizer.id)).value[0] as { id: string }).id;
      const notCollection = await errorOf(
        graph
          .api(`/users/${organizer.id}/onlineMeetings/${encodeURIComponent(id)}`)
          .filter("subject eq 'x'")
          .get(),
      );
      expect(notCollection.message).toMatch(
        /^The query specified in the URI is not valid\. The requested resource is not a collection/,
      );
    });

    it('needs the Teams application access policy, which takes effect after its propagation delay', async () => {
      const patchPolicy = (accessPolicy: object) =>
        sb.control('PATCH', `/_sandbox/tenants/${tenantId}`, { accessPolicy });
      await patchPolicy({ granted: false, propagationDelayMs: 0 });
      const denied = await errorOf(byJoinUrl(organizer.id));
      expect([denied.statusCode, denied.code, denied.message]).toEqual([
        403,
        'Forbidden',
        'No application access policy found for this app.',
      ]);
      await patchPolicy({ granted: true, propagationDelayMs: 30 * 60_000 });
      expect((await errorOf(byJoinUrl(organizer.id))).statusCode).toBe(403);
      await sb.control('POST', '/_sandbox/clock', { advanceMs: 29 * 60_000 });
      expect((await errorOf(byJoinUrl(organizer.id))).message).toBe(
        'No application access policy found for this app.',
      );
      await sb.control('POST', '/_sandbox/clock', { advanceMs: 60_000 });
      expect((await byJoinUrl(organizer.id)).value).toHaveLength(1);
      await patchPolicy({ propagationDelayMs: 0 });
    });

    it('can hide a new meeting from the lookup for a while (eventual consistency)', async () => {
      await sb.control('PATCH', '/_sandbox/meetings/settings', { joinUrlLookupDelayMs: 5000 });
      const e = (await (await post(organizer.id, eventBody())).json()) as Event;
      expect((await byJoinUrl(organizer.id, e.onlineMeeting!.joinUrl!)).value).toEqual([]);
      await sb.control('POST', '/_sandbox/clock', { advanceMs: 5000 });
      expect((await byJoinUrl(organizer.id, e.onlineMeeting!.joinUrl!)).value).toHaveLength(1);
      await sb.control('PATCH', '/_sandbox/meetings/settings', { joinUrlLookupDelayMs: 0 });
    });

    it('shows nothing of this tenant to a token of another tenant', async () => {
      const fabrikam = graphClientFor(sb, { tenantId: sb.sandbox.tenants()[1].tenantId });
      const onlineMeetings = await errorOf(
        fabrikam
          .api(`/users/${organizer.id}/onlineMeetings`)
          .filter(`JoinWebUrl eq '${enc(joinUrl)}'`)
          .get(),
      );
      expect(onlineMeetings.statusCode).toBe(404);
      const events = await errorOf(fabrikam.api(`/users/${organizer.id}/events`).post(eventBody()));
      expect([events.statusCode, events.code]).toEqual([404, 'ErrorInvalidUser']);
    });
  });

  it('rejects missing/expired tokens (401) and missing roles (403) on every workload', async () => {
    const { meetingId } = await scheduleMeeting('Auth matrix');
    const m = enc(meetingId);
    const workloads: [string, string, string, string, string?][] = [
      [
        'POST',
        `/v1.0/users/${organizer.id}/events`,
        'Calendars.ReadWrite',
        'ErrorAccessDenied',
        '{}',
      ],
      [
        'GET',
        `/v1.0/users/${organizer.id}/onlineMeetings/${m}`,
        'OnlineMeetings.Read.All',
        'Forbidden',
      ],
      [
        'GET',
        `/v1.0/users/${organizer.id}/onlineMeetings/${m}/transcripts`,
        'OnlineMeetingTranscript.Read.All',
        'Forbidden',
      ],
      [
        'GET',
        `/v1.0/users/${organizer.id}/onlineMeetings/${m}/recordings`,
        'OnlineMeetingRecording.Read.All',
        'Forbidden',
      ],
      [
        'GET',
        `/v1.0/users/${organizer.id}/onlineMeetings/getAllTranscripts(meetingOrganizerUserId='${organizer.id}')`,
        'OnlineMeetingTranscript.Read.All',
        'Forbidden',
      ],
    ];
    const expired = await mintGraphAppTokenDirectly(sb, {
      tenantId,
      roles: ALL_MEETING_ROLES,
      lifetimeSeconds: -60,
    });
    for (const [method, path, role, code, body] of workloads) {
      const send = (headers: Record<string, string>) =>
        sb.fetch(path, {
          method,
          headers: { 'content-type': 'application/json', ...headers },
          body,
        });
      const none = await send({});
      const noneBody = (await none.json()) as { error: { code: string; message: string } };
      expect([path, none.status, noneBody.error.code, noneBody.error.message]).toEqual([
        path,
        401,
        'InvalidAuthenticationToken',
        'Access token is empty.',
      ]);
      const old = await send({ authorization: `Bearer ${expired}` });
      expect(((await old.json()) as { error: { message: string } }).error.message).toBe(
        'Lifetime validation failed, the token is expired.',
      );
      const others = ALL_MEETING_ROLES.filter(
        (r) =>
          r !== role && !(role.startsWith('OnlineMeetings.') && r.startsWith('OnlineMeetings.')),
      );
      const weak = await mintGraphAppTokenDirectly(sb, { tenantId, roles: others });
      const forbidden = await send({ authorization: `Bearer ${weak}` });
      expect([
        path,
        forbidden.status,
        ((await forbidden.json()) as { error: { code: string } }).error.code,
      ]).toEqual([path, 403, code]);
    }
  });

  it('injects 429 with Retry-After through /_sandbox/faults, which the Graph client honours', async () => {
    const { meetingId } = await scheduleMeeting('Throttled');
    await sb.control('POST', '/_sandbox/faults', {
      kind: 'throttle',
      path: '/transcripts$',
      remaining: 1,
      retryAfter: { format: 'seconds', seconds: 1 },
    });
    const token = await mintGraphAppTokenDirectly(sb, { tenantId, roles: ALL_MEETING_ROLES });
    const res = await fetchWithToken(
      sb,
      token,
      `/v1.0/users/${organizer.id}/onlineMeetings/${enc(meetingId)}/transcripts`,
    );
    expect([res.status, res.headers.get('retry-after')]).toEqual([429, '1']);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('TooManyRequests');
    await sb.control('POST', '/_sandbox/faults', {
      kind: 'throttle',
      path: '/transcripts$',
      remaining: 1,
      retryAfter: { format: 'decimal', seconds: 0.5 },
    });
    const { lastSeq } = (await sb.control('GET', '/_sandbox/requests')) as { lastSeq: number };
    const started = Date.now();
    const listed = (await graph
      .api(`/users/${organizer.id}/onlineMeetings/${enc(meetingId)}/transcripts`)
      .get()) as { value: unknown[] };
    expect(listed.value).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    const log = (await sb.control('GET', `/_sandbox/requests?since=${lastSeq}`)) as {
      requests: { path: string; status: number }[];
    };
    expect(
      log.requests.filter((r) => r.path.endsWith('/transcripts')).map((r) => r.status),
    ).toEqual([429, 200]);
  });
});
