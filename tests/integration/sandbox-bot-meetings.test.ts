import type { Client } from '@microsoft/microsoft-graph-client';
import { scheduleOnlineMeeting, startMeetingsSandbox } from '../helpers/meetings';
import type { TestSandbox } from '../helpers/sandbox';
import { APP_ID, startRecordingBot, type RecordingBot } from '../helpers/sandbox-clients';

type Json = Record<string, unknown>;

interface MeetingView {
  id: string;
  subject: string;
  joinWebUrl: string;
  chatInfo: { threadId: string };
  startedAt: string | null;
  endedAt: string | null;
  botDeliveries: { name: string; status: number }[];
}

/** meetingStart / meetingEnd activities (graph-contract §9) sent to a bot in the meeting chat. */
describe('sandbox Teams: meeting start and end events for the bot', () => {
  let sb: TestSandbox;
  let graph: Client;
  let tenantId: string;
  let organizerOid: string;
  let bot: RecordingBot;
  const enc = encodeURIComponent;

  const schedule = async (subject: string) =>
    (
      await scheduleOnlineMeeting(graph, organizerOid, {
        subject,
        start: { dateTime: '2031-05-06T10:00:00', timeZone: 'UTC' },
        end: { dateTime: '2031-05-06T10:30:00', timeZone: 'UTC' },
        isOnlineMeeting: true,
        onlineMeetingProvider: 'teamsForBusiness',
      })
    ).meetingId;

  const lifecycle = (meetingId: string, phase: 'start' | 'end') =>
    sb.control('POST', `/_sandbox/meetings/${enc(meetingId)}/${phase}`) as Promise<MeetingView>;

  beforeAll(async () => {
    ({
      sb,
      graph,
      tenantId,
      organizer: { id: organizerOid },
    } = await startMeetingsSandbox());
    bot = await startRecordingBot(sb);
    await sb.control('POST', '/_sandbox/bot/registration', { messagingEndpoint: bot.url });
  });
  afterAll(async () => {
    await bot.close();
    await sb.stop();
  });

  it('sends meetingStart and meetingEnd with the exact Teams payload when the app is in the meeting chat', async () => {
    const meetingId = await schedule('Pipeline review');
    const installed = (await sb.control('POST', '/_sandbox/apps/install', {
      tenantId,
      scope: 'meeting',
      meeting: meetingId,
    })) as { conversation: { id: string } };
    const started = await lifecycle(meetingId, 'start');
    const threadId = started.chatInfo.threadId;
    expect(threadId).toMatch(/^19:meeting_[A-Za-z0-9+/]+={0,2}@thread\.v2$/);
    expect(installed.conversation.id).toBe(threadId);
    await sb.control('POST', '/_sandbox/clock', { advanceMs: 25 * 60_000 });
    const ended = await lifecycle(meetingId, 'end');
    const name = (phase: string) => `application/vnd.microsoft.meeting${phase}`;
    expect(started.botDeliveries).toEqual([{ name: name('Start'), status: 200 }]);
    expect(ended.botDeliveries).toEqual([{ name: name('End'), status: 200 }]);

    const events = bot.received.filter((r) => r.activity.type === 'event');
    expect(events.map((e) => e.verdict)).toEqual(['ok', 'ok']);
    const [start, end] = events.map((e) => e.activity);
    const botMeetingId = Buffer.from(`0#${threadId}#0`).toString('base64');
    const common = {
      type: 'event',
      channelId: 'msteams',
      serviceUrl: `${sb.url}/connector/`,
      from: { id: expect.stringMatching(/^29:/), aadObjectId: organizerOid },
      recipient: { id: `28:${APP_ID}` },
      conversation: { isGroup: true, conversationType: 'groupChat', tenantId, id: threadId },
      channelData: { tenant: { id: tenantId }, source: null, meeting: { id: botMeetingId } },
      locale: 'en-US',
    };
    const seven = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/;
    expect(start).toMatchObject({ ...common, name: name('Start') });
    expect(start.value).toEqual({
      MeetingType: 'Scheduled',
      Title: 'Pipeline review',
      Id: botMeetingId,
      JoinUrl: started.joinWebUrl,
      StartTime: expect.stringMatching(seven),
    });
    expect(end).toMatchObject({ ...common, name: name('End') });
    expect(end.value).toEqual({
      MeetingType: 'Scheduled',
      Title: 'Pipeline review',
      Id: botMeetingId,
      JoinUrl: started.joinWebUrl,
      EndTime: expect.stringMatching(seven),
    });
    // The actual times, not the scheduled ones.
    expect(Date.parse((start.value as Json).StartTime as string)).toBe(
      Date.parse(started.startedAt!),
    );
    expect(Date.parse((end.value as Json).EndTime as string)).toBe(Date.parse(ended.endedAt!));
  });

  it('sends nothing when the app is not installed in the meeting chat', async () => {
    bot.received.length = 0;
    const meetingId = await schedule('No bot here');
    expect((await lifecycle(meetingId, 'start')).botDeliveries).toEqual([]);
    expect((await lifecycle(meetingId, 'end')).botDeliveries).toEqual([]);
    expect(bot.received).toEqual([]);
  });

  it('sends meetingStart then meetingEnd when a meeting that never started is ended', async () => {
    const meetingId = await schedule('Ended at once');
    await sb.control('POST', '/_sandbox/apps/install', {
      tenantId,
      scope: 'meeting',
      meeting: meetingId,
    });
    bot.received.length = 0;
    const ended = await lifecycle(meetingId, 'end');
    expect(ended.botDeliveries.map((d) => d.name)).toEqual([
      'application/vnd.microsoft.meetingStart',
      'application/vnd.microsoft.meetingEnd',
    ]);
    expect(bot.received.map((r) => r.activity.name)).toEqual(
      ended.botDeliveries.map((d) => d.name),
    );
  });
});
