import {
  actionsOf,
  cardOf,
  channelToken,
  CONTOSO,
  TeamsChat,
  textOf,
  botWorld,
} from '../helpers/bot';
import { until } from '../helpers/wait';

type Json = Record<string, unknown>;
const valueOf = (r: { body: unknown }) => (r.body as { value: Json }).value;

describe('bot: the living card follows the meeting', () => {
  const w = botWorld({ WORKER_POLL_MS: '50' });

  async function preview(chat: TeamsChat, subject: string, when = 'tomorrow 3pm') {
    await chat.say(`schedule ${subject} with jane@acme.example ${when} for 45 min`);
    return until(
      async () => (await chat.fromBot()).find((a) => textOf(cardOf(a.current)).includes(subject)),
      (a) => Boolean(a),
    ) as Promise<NonNullable<Awaited<ReturnType<TeamsChat['fromBot']>>[number]>>;
  }

  it('edits a preview (an impossible date is refused), then discards it; a discarded preview cannot be created', async () => {
    const chat = new TeamsChat(w.sb, w.service);
    const p = await preview(chat, 'Draft one');
    const data = actionsOf(cardOf(p.current)).find((a) => a.verb === 'draft.edit')?.data ?? {};
    const form = valueOf(await chat.click(p.id, 'draft.edit', data));
    expect(actionsOf(form).map((a) => a.verb)).toContain('draft.update');
    const updated = valueOf(
      await chat.click(p.id, 'draft.update', {
        ...data,
        subject: 'Draft one, renamed',
        date: '2031-05-06',
        time: '09:30',
        durationMinutes: 60,
      }),
    );
    expect(textOf(updated)).toContain('Draft one, renamed');
    expect(textOf(updated)).toMatch(/6 May 2031, 09:30–10:30 \(Europe\/London\)/);
    const bad = valueOf(
      await chat.click(p.id, 'draft.update', {
        ...data,
        subject: 'x',
        date: 'soon',
        time: '',
        durationMinutes: 30,
      }),
    );
    expect(textOf(bad)).toMatch(/date and a time/);
    const leap = { ...data, subject: 'x', date: '2031-02-30', time: '10:00', durationMinutes: 30 };
    expect(textOf(valueOf(await chat.click(p.id, 'draft.update', leap)))).toMatch(
      /date and a time/,
    );
    expect(textOf(valueOf(await chat.click(p.id, 'draft.discard', data)))).toMatch(/Discarded/);
    const late = valueOf(await chat.click(p.id, 'draft.create', data));
    expect(textOf(late)).toMatch(/discarded/);
    expect(
      await w.service.repositories.onlineMeetings.count(CONTOSO, { subject: 'Draft one, renamed' }),
    ).toBe(0);
  });

  it('moves a meeting from its card form and shows the new time; refresh.userIds names the people in the chat', async () => {
    const chat = new TeamsChat(w.sb, w.service);
    const p = await preview(chat, 'Card move');
    const create = actionsOf(cardOf(p.current)).find((a) => a.verb === 'draft.create')?.data ?? {};
    const living = valueOf(await chat.click(p.id, 'draft.create', create));
    const meeting = actionsOf(living).find((a) => a.verb === 'meeting.reschedule')?.data as Json;
    expect(meeting).toBeDefined();
    const refresh = (living.refresh ?? {}) as { userIds?: string[] };
    expect(refresh.userIds?.length).toBeGreaterThan(0);
    expect(refresh.userIds?.[0]).toMatch(/^29:/);
    const form = valueOf(await chat.click(p.id, 'meeting.reschedule', meeting));
    expect(actionsOf(form).map((a) => a.verb)).toContain('meeting.rescheduleSubmit');
    const moved = valueOf(
      await chat.click(p.id, 'meeting.rescheduleSubmit', {
        ...meeting,
        date: '2031-07-01',
        time: '16:00',
        durationMinutes: 30,
      }),
    );
    expect(textOf(moved)).toMatch(/1 Jul 2031, 16:00–16:30 \(Europe\/London\)/);
    const row = await w.service.repositories.onlineMeetings.get(CONTOSO, {
      meetingId: String(meeting.meetingId),
    });
    expect(row?.startAt.toISOString()).toBe('2031-07-01T15:00:00.000Z');
    // Everyone else's copy (the base message) follows through the card refresh job.
    await until(
      async () => (await chat.fromBot()).find((a) => a.id === p.id),
      (a) => Boolean(a && textOf(cardOf(a.current)).includes('16:00')),
    );
  });

  it('forgets a posted copy the Bot Connector no longer has (404), instead of retrying it forever', async () => {
    const chat = new TeamsChat(w.sb, w.service);
    const p = await preview(chat, 'Lost copy');
    const create = actionsOf(cardOf(p.current)).find((a) => a.verb === 'draft.create')?.data ?? {};
    const living = valueOf(await chat.click(p.id, 'draft.create', create));
    const meetingId = String(
      actionsOf(living).find((a) => a.verb === 'meeting.refresh')?.data.meetingId,
    );
    const key = { meetingId, conversationId: chat.conversationId ?? '' };
    await until(
      () => w.service.repositories.meetingCards.get(CONTOSO, key),
      (c) => c?.lastRenderedState === 'scheduled',
    );
    await w.service.repositories.meetingCards.update(CONTOSO, key, { activityId: '999' });
    await chat.say(`refresh ${meetingId.slice(0, 6)}`);
    await until(
      () => w.service.repositories.meetingCards.get(CONTOSO, key),
      (c) => c === null,
    );
    const jobs = await w.service.dataSource.query(
      `SELECT state FROM jobs WHERE kind = 'card.refresh' AND payload LIKE ?`,
      [`%${meetingId}%`],
    );
    expect(jobs.every((j: { state: string }) => j.state !== 'pending' && j.state !== 'dead')).toBe(
      true,
    );
  });

  it('moves the meeting to in progress and ended on Teams meeting events, updating the same card', async () => {
    const chat = new TeamsChat(w.sb, w.service);
    const p = await preview(chat, 'Event driven', 'in 30 minutes');
    const create = actionsOf(cardOf(p.current)).find((a) => a.verb === 'draft.create')?.data ?? {};
    const living = valueOf(await chat.click(p.id, 'draft.create', create));
    const meetingId = String(
      actionsOf(living).find((a) => a.verb === 'meeting.refresh')?.data.meetingId,
    );
    const m = await w.service.repositories.onlineMeetings.get(CONTOSO, { meetingId });
    expect(m?.chatThreadId).toMatch(/^19:meeting_/);
    const teamsMeetingId = Buffer.from(`0#${m?.chatThreadId}#0`).toString('base64');
    const send = async (name: string, value: Json) => {
      const token = await channelToken(w.sb, w.botId, w.serviceUrl);
      const res = await fetch(`http://127.0.0.1:${w.service.port}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          type: 'event',
          name,
          id: `f:${Math.random()}`,
          channelId: 'msteams',
          serviceUrl: w.serviceUrl,
          from: { id: '29:organizer', aadObjectId: m?.organizerOid },
          recipient: { id: `28:${w.botId}` },
          conversation: {
            id: m?.chatThreadId,
            isGroup: true,
            conversationType: 'groupChat',
            tenantId: CONTOSO,
          },
          channelData: { tenant: { id: CONTOSO }, meeting: { id: teamsMeetingId } },
          value: {
            MeetingType: 'Scheduled',
            Title: m?.subject,
            Id: teamsMeetingId,
            JoinUrl: m?.joinUrl,
            ...value,
          },
        }),
      });
      expect(res.status).toBe(200);
    };
    // Someone trying the link the day before does not start (or end) the meeting.
    const dayBefore = new Date(Date.now() - 86_400_000).toISOString();
    await send('application/vnd.microsoft.meetingStart', { StartTime: dayBefore });
    await send('application/vnd.microsoft.meetingEnd', { EndTime: dayBefore });
    expect((await w.service.repositories.onlineMeetings.get(CONTOSO, { meetingId }))?.state).toBe(
      'scheduled',
    );
    await send('application/vnd.microsoft.meetingStart', { StartTime: new Date().toISOString() });
    await until(
      async () => (await chat.fromBot()).find((a) => a.id === p.id),
      (a) => Boolean(a && textOf(cardOf(a.current)).includes('In progress')),
    );
    await send('application/vnd.microsoft.meetingEnd', { EndTime: new Date().toISOString() });
    const ended = await until(
      async () => (await chat.fromBot()).find((a) => a.id === p.id),
      (a) => Boolean(a && /Ended/.test(textOf(cardOf(a.current)))),
    );
    expect(actionsOf(cardOf(ended?.current ?? {})).map((a) => a.verb)).not.toContain(
      'meeting.cancel',
    );
    expect(textOf(cardOf(ended?.current ?? {}))).not.toMatch(/\bJoin\b/);
    const capture = await w.service.dataSource.query(
      `SELECT state FROM jobs WHERE kind = 'meeting.capture' AND payload LIKE ?`,
      [`%${meetingId}%`],
    );
    expect(capture).toHaveLength(1);
    // A repeated end event changes nothing: same row version, no second capture check.
    const before = await w.service.repositories.onlineMeetings.get(CONTOSO, { meetingId });
    await send('application/vnd.microsoft.meetingEnd', { EndTime: new Date().toISOString() });
    const row = await w.service.repositories.onlineMeetings.get(CONTOSO, { meetingId });
    expect(row?.state).toBe('ended');
    expect(row?.version).toBe(before?.version);
    const captures = await w.service.dataSource.query(
      `SELECT job_id FROM jobs WHERE kind = 'meeting.capture' AND payload LIKE ?`,
      [`%${meetingId}%`],
    );
    expect(captures).toHaveLength(1);
  });

  it("answers Create and Cancel within Teams' few seconds when Graph is slow, and the card catches up", async () => {
    const chat = new TeamsChat(w.sb, w.service);
    const p = await preview(chat, 'Slow Graph');
    const create = actionsOf(cardOf(p.current)).find((a) => a.verb === 'draft.create')?.data ?? {};
    const fault = (await w.sb.control('POST', '/_sandbox/faults', {
      kind: 'latency',
      method: 'POST',
      path: '/events$',
      latencyMs: 6000,
      remaining: 1,
    })) as { id: string };
    const started = Date.now();
    const answer = valueOf(await chat.click(p.id, 'draft.create', create));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(textOf(answer)).toMatch(/Being created/);
    await until(
      async () => (await chat.fromBot()).find((a) => a.id === p.id),
      (a) => Boolean(a && textOf(cardOf(a.current)).includes('Join')),
      20_000,
    );
    await w.sb.control('DELETE', `/_sandbox/faults/${fault.id}`).catch(() => undefined);
    const meetingId = String(
      actionsOf(answer).find((a) => a.verb === 'meeting.refresh')?.data.meetingId,
    );
    const m = await w.service.repositories.onlineMeetings.get(CONTOSO, { meetingId });
    await w.sb.control('POST', '/_sandbox/faults', {
      kind: 'latency',
      method: 'DELETE',
      path: '/events/',
      latencyMs: 6000,
      remaining: 1,
    });
    const t0 = Date.now();
    const cancelled = valueOf(
      await chat.click(p.id, 'meeting.cancelConfirm', { meetingId, v: m?.version }),
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(textOf(cancelled)).toMatch(/Still working on it/);
    await until(
      async () => (await chat.fromBot()).find((a) => a.id === p.id),
      (a) => Boolean(a && textOf(cardOf(a.current)).includes('Cancelled')),
      20_000,
    );
  });

  it('answers an unexpected failure with one short sentence, no details', async () => {
    const chat = new TeamsChat(w.sb, w.service);
    await w.service.dataSource.query('ALTER TABLE meeting_drafts RENAME TO meeting_drafts_gone');
    try {
      await chat.say('schedule Broken with jane@acme.example tomorrow 3pm');
      const texts = await until(
        () => chat.texts(),
        (t) => t.length > 0,
      );
      expect(texts).toEqual([
        'Sorry, something went wrong on my side. Please try again in a moment.',
      ]);
    } finally {
      await w.service.dataSource.query('ALTER TABLE meeting_drafts_gone RENAME TO meeting_drafts');
    }
  });
});
