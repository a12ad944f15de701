import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import type { Event } from '@microsoft/microsoft-graph-types';
import fc from 'fast-check';
import { startMeetingsSandbox } from '../helpers/meetings';
import type { TestSandbox } from '../helpers/sandbox';
import {
  fetchWithToken,
  graphErrorOf as errorOf,
  mintGraphAppTokenDirectly,
} from '../helpers/sandbox-clients';

/** Calendar events with Teams meetings (graph-contract §3) through the real Graph client. */

type Raw = { status: number; headers: Headers; json(): Promise<unknown> };

describe('sandbox Graph: calendar events with Teams meetings', () => {
  let sb: TestSandbox;
  let graph: Client;
  let tenantId: string;
  let organizer: { id: string; upn: string; name: string };
  let unlicensedOid: string;

  beforeAll(async () => {
    ({ sb, graph, tenantId, organizer, unlicensedOid } = await startMeetingsSandbox());
  });
  afterAll(async () => sb.stop());

  const eventBody = (extra: Record<string, unknown> = {}) => ({
    subject: 'Quarterly pipeline review',
    body: { contentType: 'HTML', content: '<p>Agenda in the channel.</p>' },
    start: { dateTime: '2031-06-12T09:00:00', timeZone: 'UTC' },
    end: { dateTime: '2031-06-12T09:45:00', timeZone: 'UTC' },
    attendees: [
      { emailAddress: { address: 'jane@acme.example', name: 'Jane Doe' }, type: 'required' },
      { emailAddress: { address: 'lee.gu@contoso.onmicrosoft.com' }, type: 'optional' },
    ],
    allowNewTimeProposals: false,
    isOnlineMeeting: true,
    onlineMeetingProvider: 'teamsForBusiness',
    ...extra,
  });

  async function post(user: string, body: unknown, prefer?: string): Promise<Raw> {
    const req = graph
      .api(`/users/${encodeURIComponent(user)}/events`)
      .responseType(ResponseType.RAW);
    if (prefer) req.header('Prefer', prefer);
    return (await req.post(body)) as Raw;
  }

  it('creates an online event with the full Exchange shape and a linked onlineMeeting', async () => {
    const res = await post(organizer.upn, eventBody({ transactionId: 'tx-shape-1' }));
    expect(res.status).toBe(201);
    const e = (await res.json()) as Event & Record<string, unknown>;
    expect(e['@odata.context']).toBe(
      `${sb.url}/v1.0/$metadata#users('${encodeURIComponent(organizer.upn)}')/events/$entity`,
    );
    expect(e['@odata.context']).toContain('%40');
    expect(e['@odata.etag']).toBe(`W/"${e.changeKey}"`);
    expect(e.id).toMatch(/^AAMkA[A-Za-z0-9+/]+=*$/);
    expect(e.iCalUId).toMatch(/^040000008200E00074C5B7101A82E008[0-9A-F]+$/);
    expect(e.transactionId).toBe('tx-shape-1');
    expect(e.createdDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    expect(e.start).toEqual({ dateTime: '2031-06-12T09:00:00.0000000', timeZone: 'UTC' });
    expect(e.end).toEqual({ dateTime: '2031-06-12T09:45:00.0000000', timeZone: 'UTC' });
    expect(e.organizer).toEqual({ emailAddress: { name: organizer.name, address: organizer.upn } });
    expect(e.attendees).toEqual([
      {
        type: 'required',
        status: { response: 'none', time: '0001-01-01T00:00:00Z' },
        emailAddress: { name: 'Jane Doe', address: 'jane@acme.example' },
      },
      {
        type: 'optional',
        status: { response: 'none', time: '0001-01-01T00:00:00Z' },
        emailAddress: {
          name: 'lee.gu@contoso.onmicrosoft.com',
          address: 'lee.gu@contoso.onmicrosoft.com',
        },
      },
    ]);
    expect(e).toMatchObject({
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
      onlineMeetingUrl: null,
      allowNewTimeProposals: false,
      isOrganizer: true,
      type: 'singleInstance',
      responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
    });
    const joinUrl = e.onlineMeeting?.joinUrl ?? '';
    const context = encodeURIComponent(JSON.stringify({ Tid: tenantId, Oid: organizer.id }));
    expect(joinUrl).toMatch(
      /^https:\/\/teams\.microsoft\.com\/l\/meetup-join\/19%3ameeting_[A-Za-z0-9]+%40thread\.v2\/0\?context=/,
    );
    expect(joinUrl.split('context=')[1]).toBe(
      context.replace(/%[0-9A-F]{2}/g, (x) => x.toLowerCase()),
    );
    expect(e.onlineMeeting?.conferenceId).toMatch(/^\d{3} \d{3} \d{3}$/);
    expect(e.onlineMeeting?.tollNumber).toMatch(/^\+\d/);
    expect(e.webLink).toBe(
      `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(e.id!)}&exvsurl=1&path=/calendar/item`,
    );
    expect(e.body?.contentType).toBe('html');
    expect(e.body?.content).toContain('Agenda in the channel.');
    expect(e.body?.content).toContain(joinUrl);
    expect(e.bodyPreview).toMatch(/^Agenda in the channel\.\r\n_{80}\r\nMicrosoft Teams meeting/);
    const meetings = (await sb.control('GET', '/_sandbox/meetings')) as {
      meetings: { eventId: string; joinWebUrl: string; id: string }[];
    };
    const m = meetings.meetings.find((x) => x.eventId === e.id)!;
    expect(m.joinWebUrl).toBe(joinUrl);
    expect(Buffer.from(m.id, 'base64').toString()).toMatch(
      new RegExp(`^1\\*${organizer.id}\\*0\\*\\*19:meeting_[A-Za-z0-9]+@thread\\.v2$`),
    );
  });

  it('dedupes a retried create by transactionId: one event, the original returned with 201', async () => {
    const first = await post(organizer.id, eventBody({ transactionId: 'tx-retry-7f3c' }));
    const second = await post(
      organizer.upn,
      eventBody({ transactionId: 'tx-retry-7f3c', subject: 'changed' }),
    );
    expect([first.status, second.status]).toEqual([201, 201]);
    const [a, b] = (await Promise.all([first.json(), second.json()])) as Event[];
    expect(b.id).toBe(a.id);
    expect(b.subject).toBe('Quarterly pipeline review');
    expect(b.onlineMeeting?.joinUrl).toBe(a.onlineMeeting?.joinUrl);
    const cal = (await sb.control('GET', `/_sandbox/events?userId=${organizer.id}`)) as {
      events: { transactionId: string }[];
      transactions: { transactionId: string; posts: number; events: number }[];
      summary: { duplicateTransactionIds: number };
    };
    expect(cal.events.filter((x) => x.transactionId === 'tx-retry-7f3c')).toHaveLength(1);
    expect(cal.transactions).toContainEqual(
      expect.objectContaining({ transactionId: 'tx-retry-7f3c', posts: 2, events: 1 }),
    );
    expect(cal.summary.duplicateTransactionIds).toBe(0);
  });

  it('silently downgrades an organizer without Teams: 201, no online meeting', async () => {
    const before = ((await sb.control('GET', '/_sandbox/meetings')) as { meetings: unknown[] })
      .meetings.length;
    const res = await post(unlicensedOid, eventBody({ transactionId: 'tx-unlicensed' }));
    expect(res.status).toBe(201);
    const e = (await res.json()) as Event;
    expect(e).toMatchObject({
      isOnlineMeeting: false,
      onlineMeetingProvider: 'unknown',
      onlineMeeting: null,
    });
    expect(e.body?.content).not.toContain('teams.microsoft.com');
    const after = ((await sb.control('GET', '/_sandbox/meetings')) as { meetings: unknown[] })
      .meetings.length;
    expect(after).toBe(before);
  });

  it('converts zones to UTC and honours Prefer: outlook.timezone', async () => {
    const res = await post(
      organizer.id,
      eventBody({
        start: { dateTime: '2031-01-15T15:00:00', timeZone: 'Pacific Standard Time' },
        end: { dateTime: '2031-01-15T15:30:00', timeZone: 'America/Los_Angeles' },
      }),
    );
    const e = (await res.json()) as Event;
    expect(e.start).toEqual({ dateTime: '2031-01-15T23:00:00.0000000', timeZone: 'UTC' });
    expect(e.originalStartTimeZone).toBe('Pacific Standard Time');
    const withPrefer = await graph
      .api(`/users/${organizer.id}/events/${encodeURIComponent(e.id!)}`)
      .header('Prefer', 'outlook.timezone="W. Europe Standard Time"')
      .responseType(ResponseType.RAW)
      .get();
    expect(withPrefer.headers.get('preference-applied')).toBe(
      'outlook.timezone="W. Europe Standard Time"',
    );
    expect(((await withPrefer.json()) as Event).end).toEqual({
      dateTime: '2031-01-16T00:30:00.0000000',
      timeZone: 'W. Europe Standard Time',
    });
  });

  it('PATCH keeps the join URL, refuses a new transactionId and records a lost join blob', async () => {
    const e = (await (
      await post(organizer.id, eventBody({ transactionId: 'tx-patch' }))
    ).json()) as Event;
    const path = `/users/${organizer.id}/events/${encodeURIComponent(e.id!)}`;
    const patched = (await graph.api(path).patch({
      subject: 'Moved review',
      start: { dateTime: '2031-06-13T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2031-06-13T11:00:00', timeZone: 'UTC' },
    })) as Event;
    expect(patched.subject).toBe('Moved review');
    expect(patched.onlineMeeting?.joinUrl).toBe(e.onlineMeeting?.joinUrl);
    expect(patched.changeKey).not.toBe(e.changeKey);
    expect(patched.transactionId).toBe('tx-patch');
    const m = (await sb.control('GET', `/_sandbox/meetings/${encodeURIComponent(e.id!)}`)) as {
      subject: string;
      startDateTime: string;
    };
    expect(m).toMatchObject({ subject: 'Moved review', startDateTime: '2031-06-13T10:00:00.000Z' });

    const txChange = await errorOf(graph.api(path).patch({ transactionId: 'other' }));
    expect([txChange.statusCode, txChange.code]).toEqual([400, 'ErrorInvalidRequest']);

    let cal = (await sb.control('GET', '/_sandbox/events')) as {
      summary: { joinBlobLost: number };
    };
    expect(cal.summary.joinBlobLost).toBe(0);
    await graph
      .api(path)
      .patch({ body: { contentType: 'HTML', content: `${patched.body?.content}<p>+notes</p>` } });
    cal = (await sb.control('GET', '/_sandbox/events')) as { summary: { joinBlobLost: number } };
    expect(cal.summary.joinBlobLost).toBe(0);
    await graph
      .api(path)
      .patch({ body: { contentType: 'HTML', content: '<p>New agenda only</p>' } });
    const lost = (await sb.control('GET', '/_sandbox/events')) as {
      events: { id: string; joinBlobLost: { at: string } | null }[];
      summary: { joinBlobLost: number };
    };
    expect(lost.summary.joinBlobLost).toBe(1);
    expect(lost.events.find((x) => x.id === e.id)?.joinBlobLost?.at).toBeTruthy();
  });

  it('DELETE answers 204, then the event is gone (404 ErrorItemNotFound) but its meeting remains', async () => {
    const e = (await (
      await post(organizer.id, eventBody({ transactionId: 'tx-delete' }))
    ).json()) as Event;
    const path = `/users/${organizer.id}/events/${encodeURIComponent(e.id!)}`;
    const del = await graph.api(path).responseType(ResponseType.RAW).delete();
    expect(del.status).toBe(204);
    for (const call of [graph.api(path).get(), graph.api(path).delete()]) {
      const err = await errorOf(call);
      expect([err.statusCode, err.code, err.message]).toEqual([
        404,
        'ErrorItemNotFound',
        'The specified object was not found in the store.',
      ]);
    }
    const found = (await graph
      .api(`/users/${organizer.id}/onlineMeetings`)
      .filter(`JoinWebUrl eq '${encodeURIComponent(e.onlineMeeting!.joinUrl!)}'`)
      .get()) as { value: unknown[] };
    expect(found.value).toHaveLength(1);
    const cal = (await sb.control('GET', '/_sandbox/events')) as { deleted: { id: string }[] };
    expect(cal.deleted.map((d) => d.id)).toContain(e.id);
  });

  it('answers unknown users, malformed ids and bad bodies with Graph error envelopes', async () => {
    const token = await mintGraphAppTokenDirectly(sb, { tenantId, roles: ['Calendars.ReadWrite'] });
    const send = (path: string, body: string, method = 'POST') =>
      fetchWithToken(sb, token, path, {
        method,
        body,
        headers: { 'content-type': 'application/json' },
      });
    const valid = JSON.stringify(eventBody());
    const cases: [string, string, number, string, RegExp][] = [
      [
        `/v1.0/users/nobody@contoso.onmicrosoft.com/events`,
        valid,
        404,
        'ErrorInvalidUser',
        /nobody@contoso/,
      ],
      [`/v1.0/users/${organizer.id}/events`, '{"subject": ', 400, 'BadRequest', /JSON/],
      [`/v1.0/users/${organizer.id}/events`, '', 400, 'BadRequest', /Empty Payload/],
      [
        `/v1.0/users/${organizer.id}/events`,
        JSON.stringify(eventBody({ subjekt: 'x' })),
        400,
        'RequestBodyRead',
        /'subjekt' does not exist/,
      ],
      [
        `/v1.0/users/${organizer.id}/events`,
        JSON.stringify(eventBody({ subject: 42 })),
        400,
        'RequestBodyRead',
        /Edm.String/,
      ],
      [
        `/v1.0/users/${organizer.id}/events`,
        JSON.stringify(eventBody({ end: { dateTime: '2031-06-12T08:00:00', timeZone: 'UTC' } })),
        400,
        'ErrorInvalidRequest',
        /end time/,
      ],
      [
        `/v1.0/users/${organizer.id}/events`,
        JSON.stringify(
          eventBody({ start: { dateTime: '2031-06-12T08:00:00', timeZone: 'Mars/Olympus' } }),
        ),
        400,
        'TimeZoneNotSupportedException',
        /Mars\/Olympus/,
      ],
      [
        `/v1.0/users/${organizer.id}/events`,
        JSON.stringify({ subject: 'no times' }),
        400,
        'ErrorInvalidRequest',
        /start/,
      ],
      [
        `/v1.0/users/${organizer.id}/events`,
        JSON.stringify(
          eventBody({
            attendees: Array.from({ length: 501 }, (_, i) => ({
              emailAddress: { address: `p${i}@acme.example` },
            })),
          }),
        ),
        400,
        'ErrorInvalidRequest',
        /501.*500/,
      ],
      [
        `/v1.0/users/${organizer.id}/events/not-an-id`,
        '{}',
        400,
        'ErrorInvalidIdMalformed',
        /malformed/,
      ],
    ];
    for (const [path, body, status, code, message] of cases) {
      const res = await send(path, body, path.endsWith('not-an-id') ? 'PATCH' : 'POST');
      const json = (await res.json()) as {
        error: { code: string; message: string; innerError: Record<string, string> };
      };
      expect([path, res.status, json.error.code]).toEqual([path, status, code]);
      expect(json.error.message).toMatch(message);
      expect(json.error.innerError['request-id']).toBe(res.headers.get('request-id'));
      expect(json.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    }
    const ok = await send(
      `/v1.0/users/${organizer.id}/calendar/events`,
      JSON.stringify(
        eventBody({
          attendees: Array.from({ length: 500 }, (_, i) => ({
            emailAddress: { address: `p${i}@acme.example` },
          })),
        }),
      ),
    );
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as Record<string, string>)['@odata.context']).toMatch(
      /\/calendar\/events\/\$entity$/,
    );
  });

  it('round-trips any UTF-8 subject (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 80 }), async (subject) => {
        const created = (await graph
          .api(`/users/${organizer.id}/events`)
          .post(eventBody({ subject }))) as Event;
        const read = (await graph
          .api(`/users/${organizer.id}/events/${encodeURIComponent(created.id!)}`)
          .get()) as Event;
        expect(created.subject).toBe(subject);
        expect(read.subject).toBe(subject);
      }),
      { numRuns: 25 },
    );
  });
});
