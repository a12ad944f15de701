import { recordMeetingEvent } from '../../../api/src/domain/meetings/events';
import type { BotDeps, Turn } from './deps';

/** Teams' meeting id (`channelData.meeting.id`) is base64 of `0#{chat thread id}#0`. */
export function threadOfTeamsMeetingId(meetingId: string | undefined): string | null {
  if (!meetingId || meetingId.length > 1024) return null;
  const decoded = Buffer.from(meetingId, 'base64').toString('utf8');
  return /^0#(19:[^#]+)#\d+$/.exec(decoded)?.[1] ?? null;
}

export interface MeetingEventInput {
  kind: 'started' | 'ended';
  teamsMeetingId: string | undefined;
  joinUrl: string | undefined;
  at: Date | undefined;
}

/**
 * `meetingStart` / `meetingEnd` from the meeting's chat: the meeting (found by its chat thread,
 * else its join URL) moves to in progress / ended. Events for meetings we did not make are ignored.
 */
export async function onMeetingEvent(deps: BotDeps, turn: Turn, e: MeetingEventInput) {
  const chatThreadId =
    threadOfTeamsMeetingId(e.teamsMeetingId) ??
    (turn.conversationId.startsWith('19:meeting_') ? turn.conversationId : null);
  const at = e.at && !Number.isNaN(e.at.getTime()) ? e.at : deps.clock.now();
  const joinUrl = e.joinUrl && e.joinUrl.length <= 2048 ? e.joinUrl : null;
  const result = await recordMeetingEvent(deps, turn.tenantId, e.kind, {
    chatThreadId,
    joinUrl,
    at,
  });
  deps.log.info(
    {
      tenantId: turn.tenantId,
      event: e.kind,
      outcome: result.outcome,
      ...(result.outcome !== 'unknown' ? { meetingId: result.meeting.meetingId } : {}),
    },
    'meeting event',
  );
}
