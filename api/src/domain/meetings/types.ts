export const MEETING_STATES = [
  'creating',
  'scheduled',
  'in_progress',
  'ended',
  'capturing',
  'completed',
  'no_artifacts',
  'cancelled',
  'failed',
] as const;
export type MeetingState = (typeof MEETING_STATES)[number];

export interface OnlineMeeting {
  tenantId: string;
  meetingId: string;
  interactionId: string;
  provider: 'teams';
  /** Graph event id in the organizer's calendar (reschedule and cancel go through it). */
  providerEventId: string | null;
  /** Graph onlineMeeting id (artifacts are read through it). */
  providerMeetingId: string | null;
  joinUrl: string | null;
  chatThreadId: string | null;
  /** Organizer at creation time; later calls always use these, never the current setting. */
  organizerUpn: string;
  organizerOid: string;
  subject: string;
  startAt: Date;
  endAt: Date;
  timeZone: string;
  state: MeetingState;
  captureDeadlineAt: Date | null;
  /** The capture schedule: when artifacts are looked for next. */
  nextCheckAt: Date | null;
  /** While `creating`: not before this (Graph's Retry-After). */
  creationRetryAt: Date | null;
  /** Whoever talks to Graph about this meeting holds the lease; one holder at a time. */
  leaseId: string | null;
  leaseUntil: Date | null;
  /** Failed or cancelled, and its calendar event may still exist: recovery removes it. */
  cleanupPendingAt: Date | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  /** Graph `transactionId` of the event create, so a retried create returns the same event. */
  transactionId: string;
  createdBy: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const ATTENDEE_TYPES = ['required', 'optional', 'resource'] as const;
export type AttendeeType = (typeof ATTENDEE_TYPES)[number];

export interface MeetingAttendee {
  tenantId: string;
  meetingId: string;
  email: string;
  name: string | null;
  type: AttendeeType;
  contactId: string | null;
}

/** Where a living card was posted, so it can be updated in place. */
export interface MeetingCard {
  tenantId: string;
  meetingId: string;
  conversationId: string;
  activityId: string;
  serviceUrl: string;
  lastRenderedState: string | null;
  postedAt: Date;
  updatedAt: Date;
}

/** Bot Framework conversation reference (JSON) for proactive messages. */
export interface ConversationRef {
  tenantId: string;
  conversationId: string;
  conversationType: string;
  serviceUrl: string;
  reference: string;
  userOid: string | null;
  updatedAt: Date;
}

export const DRAFT_STATES = ['open', 'created', 'discarded'] as const;
export type DraftState = (typeof DRAFT_STATES)[number];

/** One person's attendee in a draft: resolved to a contact, or still to be resolved. */
export interface DraftAttendee {
  /** What the person typed (an email, a contact name or a client name). */
  typed: string;
  email: string | null;
  name: string | null;
  contactId: string | null;
  clientId: string | null;
}

/** What a previewed `schedule` command holds until it is created or discarded. */
export interface DraftPayload {
  subject: string;
  startAt: string;
  endAt: string;
  timeZone: string;
  attendees: DraftAttendee[];
}

/**
 * A previewed meeting. Its meeting id is reserved when the preview is made, so every Create of
 * the same draft (a double click, a Teams retry) names the same meeting.
 */
export interface MeetingDraft {
  tenantId: string;
  draftId: string;
  conversationId: string;
  userOid: string;
  meetingId: string;
  state: DraftState;
  payload: string;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** The meetings a person was last shown in a conversation, so "cancel 2" means what they saw. */
export interface ChatList {
  tenantId: string;
  conversationId: string;
  userOid: string;
  meetingIds: string;
  updatedAt: Date;
}
