import type { Sandbox } from './sandbox';
import { botTarget } from './bot-registration';
import { recordAndDeliver, teamsEnvelope } from './bot-delivery';
import { botMeetingId } from './connector-meetings';
import { ConnectorState, isInstalled, teamsUserId } from './connector-store';
import { graphTimestamp } from './graph/ids';
import type { StoredMeeting } from './graph/meeting-store';

/** What the start/end control answers report per event sent to the bot. */
export interface MeetingBotDelivery {
  name: string;
  status: number | null;
  error?: string;
}

const NAMES = {
  start: 'application/vnd.microsoft.meetingStart',
  end: 'application/vnd.microsoft.meetingEnd',
} as const;

/**
 * Tells a bot installed in the meeting's chat that the meeting actually started or ended
 * (graph-contract §9; botbuilder TeamsActivityHandler dispatches these names to
 * onTeamsMeetingStart/End). Teams sends nothing when the app is not in that chat.
 */
export async function notifyMeetingBot(
  sb: Sandbox,
  m: StoredMeeting,
  phase: 'start' | 'end',
): Promise<MeetingBotDelivery[]> {
  const state = new ConnectorState(sb);
  const conv = state.conversation(m.chatInfo.threadId);
  if (!conv || !isInstalled(conv)) return [];
  const target = botTarget(sb);
  if (typeof target === 'string') return [];
  const at = phase === 'start' ? m.startedAt : m.endedAt;
  const meetingId = botMeetingId(m.chatInfo.threadId);
  const from = { id: teamsUserId(m.tenantId, m.organizerOid), aadObjectId: m.organizerOid };
  const envelope = teamsEnvelope(sb, conv, from, target.appId);
  const activity = {
    ...envelope,
    type: 'event',
    name: NAMES[phase],
    // Teams writes 7 fractional digits, like Graph.
    timestamp: graphTimestamp(sb.clock.now()),
    conversation: {
      isGroup: true,
      conversationType: 'groupChat',
      tenantId: m.tenantId,
      id: m.chatInfo.threadId,
    },
    channelData: { tenant: { id: m.tenantId }, source: null, meeting: { id: meetingId } },
    value: {
      MeetingType: 'Scheduled',
      Title: m.subject,
      Id: meetingId,
      JoinUrl: m.joinWebUrl,
      [phase === 'start' ? 'StartTime' : 'EndTime']: graphTimestamp(
        at ? new Date(at) : sb.clock.now(),
      ),
    },
  };
  const d = await recordAndDeliver(sb, state, activity, target);
  return [{ name: NAMES[phase], status: d.status, ...(d.error ? { error: d.error } : {}) }];
}
