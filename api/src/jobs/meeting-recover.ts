import { JOB_PAYLOADS } from '../domain/ports/job-queue';
import type { MeetingDeps } from '../domain/meetings/deps';
import { recoverMeeting } from '../domain/meetings/recovery';
import { defineJob } from './registry';

/** `meeting.recover`: finishes or compensates a meeting's Graph side (see recoverMeeting). */
export function meetingRecoverJob(meetings: MeetingDeps) {
  return defineJob({
    kind: 'meeting.recover',
    scope: 'tenant',
    payload: JOB_PAYLOADS['meeting.recover'],
    async run({ meetingId }, { tenantId, signal }) {
      const outcome = await recoverMeeting(meetings, tenantId, meetingId, { signal });
      return outcome.done ? undefined : { runAgainAt: outcome.runAgainAt };
    },
  });
}
