import type { MeetingState } from '../meetings/types';

/** Something changed that cards and tabs should reflect. */
export type DomainEvent =
  | {
      type: 'meeting.stateChanged';
      tenantId: string;
      meetingId: string;
      interactionId: string;
      from: MeetingState | null;
      to: MeetingState;
      reason: string | null;
    }
  | {
      type: 'meeting.rescheduled';
      tenantId: string;
      meetingId: string;
      startAt: Date;
      endAt: Date;
    };

/** Where domain events go; later features subscribe (card refresh, tab updates). */
export interface Notifier {
  publish(event: DomainEvent): Promise<void>;
}
