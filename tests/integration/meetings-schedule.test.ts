import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DomainError } from '../../api/src/domain/errors';
import { systemClock } from '../../api/src/domain/ports/clock';
import { scheduleMeeting } from '../../api/src/domain/meetings/schedule';
import { cancelMeeting, rescheduleMeeting } from '../../api/src/domain/meetings/manage';
import { setOrganizer } from '../../api/src/domain/tenants/organizer';
import type { ScheduleRequest } from '../../api/src/domain/meetings/validation';
import type { MeetingDeps } from '../../api/src/domain/meetings/deps';
import type { Service } from '../../api/src/main';
import { startServiceOnSandbox } from '../helpers/service';
import { GraphClient } from '../../api/src/graph/client';
import { createAgent } from '../../api/src/graph/http';
import { GraphOperations } from '../../api/src/graph/operations';
import { GraphTokenProvider } from '../../api/src/graph/token-provider';
import { silentLogger } from '../../api/src/log/logger';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';

const CONTOSO = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
const FABRIKAM = '2c4e6a8b-0d1f-4a3b-8c5d-7e9f1a3b5c7d';
const MEGAN = '3a9e1f52-7c4d-4b8e-9f21-5d6c7b8a9e01';
const USER = { tenantId: CONTOSO, userOid: '5d7f9b1c-3e5a-4c7e-9b1d-2f4a6c8e0b3d' };

interface SandboxEvents {
  events: { id: string; transactionId: string | null; joinUrl: string | null; start: unknown }[];
  deleted: { id: string }[];
  summary: { events: number; duplicateTransactionIds: number };
}

describe('scheduling meetings (domain + SQLite + Graph adapter + sandbox)', () => {
  let sb: TestSandbox;
  let dir: string;
  let service: Service;
  let deps: MeetingDeps;

  beforeAll(async () => {
    sb = await startTestSandbox();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-meetings-'));
    ({ service } = await startServiceOnSandbox(sb, dir, {
      WORKER_POLL_MS: '50',
      MEETING_RECOVERY_DELAY_MS: '5000',
    }));
    deps = { ...service.meetings!, sleep: async () => undefined };
  });
  afterAll(async () => {
    await service?.stop();
    await sb.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const request = (over: Partial<ScheduleRequest> = {}): ScheduleRequest => ({
    subject: 'Quarterly review',
    start: new Date(Date.now() + 86_400_000),
    end: new Date(Date.now() + 86_400_000 + 45 * 60_000),
    timeZone: 'Europe/London',
    attendees: [{ email: 'Jane@Acme.example' }],
    ...over,
  });
  const sandboxEvents = async () => (await sb.control('GET', '/_sandbox/events')) as SandboxEvents;
  const lastSeq = async () =>
    ((await sb.control('GET', '/_sandbox/requests')) as { lastSeq: number }).lastSeq;
  const graphCalls = async (since: number) =>
    (
      (await sb.control('GET', `/_sandbox/requests?since=${since}`)) as {
        requests: { method: string; path: string }[];
      }
    ).requests
      .filter((r) => r.path.startsWith('/v1.0/'))
      .map((r) => `${r.method} ${r.path}`);

  it('creates the event and resolves the meeting with exactly two Graph calls, storing interaction and meeting linked', async () => {
    const since = await lastSeq();
    const meeting = await scheduleMeeting(deps, USER, request());
    expect(meeting).toMatchObject({ state: 'scheduled', organizerOid: MEGAN, lastErrorCode: null });
    expect(meeting.providerEventId).toBeTruthy();
    expect(meeting.providerMeetingId).toBeTruthy();
    expect(meeting.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\//);
    expect(meeting.chatThreadId).toMatch(/^19:meeting_/);
    expect(await graphCalls(since)).toEqual([
      `POST /v1.0/users/${MEGAN}/events`,
      `GET /v1.0/users/${MEGAN}/onlineMeetings`,
    ]);

    const repos = service.repositories;
    const interaction = await repos.interactions.get(CONTOSO, {
      interactionId: meeting.interactionId,
    });
    const jane = await repos.contacts.findByEmail(CONTOSO, 'jane@acme.example');
    expect(interaction).toMatchObject({
      type: 'online_meeting',
      status: 'planned',
      title: 'Quarterly review',
      contactId: jane?.contactId,
      clientId: jane?.clientId,
    });
    expect(await repos.meetingAttendees.list(CONTOSO, { meetingId: meeting.meetingId })).toEqual([
      expect.objectContaining({
        email: 'jane@acme.example',
        name: 'Jane Doe',
        contactId: jane?.contactId,
      }),
    ]);
    const events = await sandboxEvents();
    expect(events.events.filter((e) => e.transactionId === meeting.transactionId)).toHaveLength(1);
  });

  it.each([
    ['an empty subject', { subject: '   ' }, 'subject'],
    ['an over-long subject', { subject: 'x'.repeat(256) }, 'subject'],
    [
      'a start in the past',
      { start: new Date(Date.now() - 3600_000), end: new Date(Date.now() + 3600_000) },
      'start',
    ],
    ['an end before the start', { end: new Date(Date.now() + 3600_000) }, 'end'],
    ['a duration over 24 hours', { end: new Date(Date.now() + 86_400_000 * 2 + 60_000) }, 'end'],
    [
      'more than 500 attendees',
      { attendees: Array.from({ length: 501 }, (_, i) => ({ email: `p${i}@acme.example` })) },
      'attendees',
    ],
    ['an invalid email', { attendees: [{ email: 'jane-at-acme' }] }, 'attendees[0].email'],
    [
      'an unknown contact',
      {
        attendees: [{ email: 'x@acme.example', contactId: '00000000-0000-4000-8000-000000000000' }],
      },
      'attendees[0].contactId',
    ],
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }, 'timeZone'],
  ] as [string, Partial<ScheduleRequest>, string][])(
    'refuses %s with a field-level error, writing nothing',
    async (_name, over, field) => {
      const since = await lastSeq();
      const before = await service.repositories.onlineMeetings.count(CONTOSO);
      const err = await scheduleMeeting(deps, USER, request(over)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe('invalid_input');
      expect(Object.keys((err as DomainError).details?.fields as object)).toContain(field);
      expect((err as DomainError).message).toMatch(/^The meeting can't be scheduled: /);
      expect(await service.repositories.onlineMeetings.count(CONTOSO)).toBe(before);
      expect(await graphCalls(since)).toEqual([]);
    },
  );

  it('refuses a meeting of another tenant as not found', async () => {
    const meeting = await scheduleMeeting(deps, USER, request());
    const err = await cancelMeeting(
      deps,
      { tenantId: FABRIKAM, userOid: USER.userOid },
      meeting.meetingId,
    ).catch((e: unknown) => e);
    expect((err as DomainError).code).toBe('not_found');
  });

  it('marks the meeting failed (organizer_not_teams_enabled) and removes the plain event when the organizer has no Teams', async () => {
    await service.repositories.tenantSettings.update(
      CONTOSO,
      {},
      {
        organizerUpn: 'pat.nolicense@contoso.onmicrosoft.com',
        organizerOid: '8f0b2d4f-6a8c-4e0a-9d3f-5b7c9d1e3f5a',
      },
    );
    try {
      const meeting = await scheduleMeeting(deps, USER, request());
      expect(meeting).toMatchObject({
        state: 'failed',
        lastErrorCode: 'organizer_not_teams_enabled',
      });
      expect(meeting.lastErrorMessage).toContain('pat.nolicense@contoso.onmicrosoft.com');
      const events = await sandboxEvents();
      expect(events.events.filter((e) => e.transactionId === meeting.transactionId)).toHaveLength(
        0,
      );
      const interaction = await service.repositories.interactions.get(CONTOSO, {
        interactionId: meeting.interactionId,
      });
      expect(interaction?.status).toBe('cancelled');
    } finally {
      await service.repositories.tenantSettings.update(
        CONTOSO,
        {},
        { organizerUpn: 'megan.organizer@contoso.onmicrosoft.com', organizerOid: MEGAN },
      );
    }
  });

  it('marks the meeting failed (access_policy_missing) and removes its event when the access policy is off', async () => {
    await sb.control('PATCH', `/_sandbox/tenants/${CONTOSO}`, { accessPolicy: { granted: false } });
    try {
      const meeting = await scheduleMeeting(deps, USER, request());
      expect(meeting).toMatchObject({ state: 'failed', lastErrorCode: 'access_policy_missing' });
      expect(
        (await sandboxEvents()).events.filter((e) => e.transactionId === meeting.transactionId),
      ).toHaveLength(0);
    } finally {
      await sb.control('PATCH', `/_sandbox/tenants/${CONTOSO}`, {
        accessPolicy: { granted: true },
      });
    }
  });

  it('uses DEFAULT_ORGANIZER_UPN for a tenant without an organizer, and keeps it in the settings', async () => {
    await service.repositories.tenantSettings.update(
      CONTOSO,
      {},
      { organizerUpn: null, organizerOid: null },
    );
    const withDefault = { ...deps, defaultOrganizerUpn: 'megan.organizer@contoso.onmicrosoft.com' };
    const meeting = await scheduleMeeting(withDefault, USER, request());
    expect(meeting).toMatchObject({ state: 'scheduled', organizerOid: MEGAN });
    expect(await service.repositories.tenantSettings.get(CONTOSO, {})).toMatchObject({
      organizerUpn: 'megan.organizer@contoso.onmicrosoft.com',
      organizerOid: MEGAN,
    });
  });

  it('says an admin must choose an organizer when there is none and no default', async () => {
    await service.repositories.tenantSettings.update(
      CONTOSO,
      {},
      { organizerUpn: null, organizerOid: null },
    );
    try {
      const err = await scheduleMeeting(deps, USER, request()).catch((e: unknown) => e);
      expect((err as DomainError).code).toBe('organizer_not_configured');
    } finally {
      await service.repositories.tenantSettings.update(
        CONTOSO,
        {},
        {
          organizerUpn: 'megan.organizer@contoso.onmicrosoft.com',
          organizerOid: MEGAN,
        },
      );
    }
  });

  it('marks the meeting failed (permission_missing) when the app lacks Calendars.ReadWrite', async () => {
    await sb.control('PATCH', `/_sandbox/tenants/${FABRIKAM}`, {
      consentedRoles: ['User.Read.All', 'OnlineMeetings.Read.All'],
    });
    const meeting = await scheduleMeeting(
      deps,
      { tenantId: FABRIKAM, userOid: USER.userOid },
      request({ attendees: [{ email: 'tom@tailspin.example' }] }),
    );
    expect(meeting).toMatchObject({ state: 'failed', lastErrorCode: 'permission_missing' });
  });

  it('deletes the event when the database fails after Graph created it', async () => {
    await service.dataSource.query(
      `CREATE TRIGGER refuse_commit BEFORE UPDATE OF state ON online_meetings WHEN NEW.state = 'scheduled' BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
    );
    try {
      const before = await sandboxEvents();
      await expect(scheduleMeeting(deps, USER, request({ subject: 'Doomed' }))).rejects.toThrow(
        /disk full/,
      );
      const after = await sandboxEvents();
      expect(after.summary.events).toBe(before.summary.events);
      expect(after.deleted.length).toBe(before.deleted.length + 1);
      // Marked failed, so the recovery job does not create it again behind the user's back.
      const [doomed] = await service.repositories.onlineMeetings.list(CONTOSO, {
        subject: 'Doomed',
      });
      expect(doomed).toMatchObject({ state: 'failed', lastErrorCode: 'storage_error' });
    } finally {
      await service.dataSource.query('DROP TRIGGER refuse_commit');
    }
  });

  it('leaves a throttled meeting in creating, and the recovery job completes it with one event', async () => {
    await sb.control('POST', '/_sandbox/faults', {
      kind: 'throttle',
      path: '/onlineMeetings$',
      retryAfter: { format: 'decimal', seconds: 0.1 },
    });
    let meeting;
    try {
      meeting = await scheduleMeeting(deps, USER, request({ subject: 'Throttled' }));
      expect(meeting).toMatchObject({ state: 'creating', lastErrorCode: 'graph_throttled' });
    } finally {
      await sb.control('DELETE', '/_sandbox/faults');
    }
    const until = Date.now() + 20_000;
    let current = meeting;
    while (current?.state === 'creating' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      current = (await service.repositories.onlineMeetings.get(CONTOSO, {
        meetingId: meeting.meetingId,
      }))!;
    }
    expect(current?.state).toBe('scheduled');
    expect(
      (await sandboxEvents()).events.filter((e) => e.transactionId === meeting.transactionId),
    ).toHaveLength(1);
  }, 30_000);

  it('reschedules as the stored organizer after the setting changed, keeping the join URL', async () => {
    const meeting = await scheduleMeeting(deps, USER, request());
    await setOrganizer(
      { repos: service.repositories, uow: service.uow, graph: deps.graph, clock: systemClock },
      USER,
      'lee.gu@contoso.onmicrosoft.com',
    );
    try {
      const since = await lastSeq();
      const start = new Date(Date.now() + 3 * 86_400_000);
      const moved = await rescheduleMeeting(deps, USER, meeting.meetingId, {
        start,
        end: new Date(start.getTime() + 30 * 60_000),
        timeZone: 'Europe/London',
      });
      expect(moved.startAt.toISOString()).toBe(start.toISOString());
      expect(await graphCalls(since)).toEqual([
        `PATCH /v1.0/users/${MEGAN}/events/${encodeURIComponent(meeting.providerEventId!)}`,
      ]);
      const stored = (await sandboxEvents()).events.find((e) => e.id === meeting.providerEventId);
      expect(stored?.joinUrl).toBe(meeting.joinUrl);
      const since2 = await lastSeq();
      const cancelled = await cancelMeeting(deps, USER, meeting.meetingId);
      expect(cancelled.state).toBe('cancelled');
      expect(await graphCalls(since2)).toEqual([
        `DELETE /v1.0/users/${MEGAN}/events/${encodeURIComponent(meeting.providerEventId!)}`,
      ]);
      expect(
        (await sandboxEvents()).events.find((e) => e.id === meeting.providerEventId),
      ).toBeUndefined();
      expect((await cancelMeeting(deps, USER, meeting.meetingId)).state).toBe('cancelled');
    } finally {
      await setOrganizer(
        { repos: service.repositories, uow: service.uow, graph: deps.graph, clock: systemClock },
        USER,
        'megan.organizer@contoso.onmicrosoft.com',
      );
    }
  });

  it('reschedules with the same person spelled twice as one attendee, and refuses a bad attendee type before Graph', async () => {
    const meeting = await scheduleMeeting(deps, USER, request());
    const start = new Date(Date.now() + 4 * 86_400_000);
    const times = { start, end: new Date(start.getTime() + 30 * 60_000), timeZone: 'UTC' };
    await rescheduleMeeting(deps, USER, meeting.meetingId, {
      ...times,
      attendees: [
        { email: 'a@acme.example', name: null, type: 'required' },
        { email: 'A@Acme.example', name: null, type: 'required' },
      ],
    });
    expect(
      await service.repositories.meetingAttendees.list(CONTOSO, { meetingId: meeting.meetingId }),
    ).toEqual([expect.objectContaining({ email: 'a@acme.example' })]);
    const since = await lastSeq();
    const err = await rescheduleMeeting(deps, USER, meeting.meetingId, {
      ...times,
      attendees: [{ email: 'b@acme.example', name: null, type: 'chair' as never }],
    }).catch((e: unknown) => e);
    expect((err as DomainError).code).toBe('invalid_input');
    expect(await graphCalls(since)).toEqual([]);
  });

  it('refuses to cancel a meeting that has already taken place', async () => {
    const meeting = await scheduleMeeting(deps, USER, request());
    await service.repositories.onlineMeetings.update(
      CONTOSO,
      { meetingId: meeting.meetingId },
      { state: 'ended' },
    );
    const err = await cancelMeeting(deps, USER, meeting.meetingId).catch((e: unknown) => e);
    expect((err as DomainError).code).toBe('conflict');
    expect((await sandboxEvents()).events.some((e) => e.id === meeting.providerEventId)).toBe(true);
  });

  it('sets the organizer by UPN, resolving its object id, and refuses an unknown one', async () => {
    const o = await setOrganizer(
      { repos: service.repositories, uow: service.uow, graph: deps.graph, clock: systemClock },
      USER,
      'Megan.Organizer@contoso.onmicrosoft.com',
    );
    expect(o).toEqual({ upn: 'megan.organizer@contoso.onmicrosoft.com', oid: MEGAN });
    const err = await setOrganizer(
      { repos: service.repositories, uow: service.uow, graph: deps.graph, clock: systemClock },
      USER,
      'nobody@contoso.onmicrosoft.com',
    ).catch((e: unknown) => e);
    expect((err as DomainError).code).toBe('invalid_input');
  });

  it('tells an admin to grant consent when the organization withdrew it, instead of "Graph could not be reached"', async () => {
    await sb.control('PATCH', `/_sandbox/tenants/${FABRIKAM}`, { adminConsented: false });
    // A fresh adapter, as after a restart: a token issued before the withdrawal stays valid.
    const agent = createAgent(sb.caFile);
    const tokens = new GraphTokenProvider({
      clientId: service.config.entra.clientId!,
      clientSecret: service.config.entra.clientSecret!,
      authorityHost: sb.url,
      agent,
      log: silentLogger,
    });
    const graph = new GraphOperations(
      new GraphClient({ baseUrl: sb.url, tokens, agent, log: silentLogger }),
    );
    try {
      const err = await setOrganizer(
        { repos: service.repositories, uow: service.uow, graph, clock: systemClock },
        { tenantId: FABRIKAM, userOid: USER.userOid },
        'tom.organizer@fabrikam.onmicrosoft.com',
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe('forbidden');
      expect((err as DomainError).message).toMatch(/grant admin consent/);
      expect((err as DomainError).message).toMatch(/AADSTS700016/);
    } finally {
      await sb.control('PATCH', `/_sandbox/tenants/${FABRIKAM}`, { adminConsented: true });
      await agent.destroy();
    }
  });

  it("refuses a Graph call made inside a unit of work (it would hold SQLite's lock for seconds)", async () => {
    await expect(
      service.uow.run(() => deps.graph.getUser(CONTOSO, 'megan.organizer@contoso.onmicrosoft.com')),
    ).rejects.toThrow(/inside a unit of work/);
  });
});
