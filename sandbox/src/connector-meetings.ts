import type { Sandbox } from './sandbox';
import { teamsUserId } from './connector-store';

/**
 * The fields of the meetings module's `onlineMeetings` records this answer reads: Graph's names plus
 * the tenant and organizer it keeps beside them.
 */
interface StoredMeeting {
  id?: string;
  tenantId?: string;
  organizerOid?: string;
  joinWebUrl?: string;
  subject?: string | null;
  startDateTime?: string;
  endDateTime?: string;
  chatInfo?: { threadId?: string };
}

/** Bot Framework's meeting id (`channelData.meeting.id`) = base64(`0#{threadId}#0`). */
export function botMeetingId(threadId: string): string {
  return Buffer.from(`0#${threadId}#0`, 'utf8').toString('base64');
}

/** The chat thread id inside a Bot Framework meeting id, or undefined when it is not one. */
export function threadOfBotMeetingId(meetingId: string): string | undefined {
  const decoded = Buffer.from(meetingId, 'base64').toString('utf8');
  return /^0#(19:.+)#0$/.exec(decoded)?.[1];
}

/**
 * `GET v1/meetings/{meetingId}` (TeamsInfo.getMeetingInfo): finds the onlineMeeting the meetings
 * module stored, by Bot Framework meeting id (via its chat thread) or by Graph id.
 */
export function meetingInfo(sb: Sandbox, meetingId: string): Record<string, unknown> | undefined {
  const thread = threadOfBotMeetingId(meetingId);
  let found: StoredMeeting | undefined;
  for (const m of sb.store.collection<StoredMeeting>('onlineMeetings').values()) {
    if ((thread && m.chatInfo?.threadId === thread) || m.id === meetingId) {
      found = m;
      break;
    }
  }
  if (!found?.chatInfo?.threadId) return undefined;
  const { organizerOid, tenantId } = found;
  return {
    details: {
      id: botMeetingId(found.chatInfo.threadId),
      msGraphResourceId: found.id,
      scheduledStartTime: found.startDateTime,
      scheduledEndTime: found.endDateTime,
      joinUrl: found.joinWebUrl,
      title: found.subject ?? '',
      type: 'Scheduled',
    },
    conversation: {
      isGroup: true,
      conversationType: 'groupChat',
      id: found.chatInfo.threadId,
      ...(tenantId ? { tenantId } : {}),
    },
    organizer: {
      ...(tenantId && organizerOid ? { id: teamsUserId(tenantId, organizerOid) } : {}),
      aadObjectId: organizerOid,
      tenantId,
    },
  };
}
