/** Every way a Graph call can fail, as the domain sees it (mapped once, in api/src/graph/errors.ts). */
export const GRAPH_FAILURE_REASONS = [
  'throttled',
  'unauthorized',
  'forbidden',
  'notFound',
  'gone',
  'conflict',
  'transient',
  'unknown',
] as const;
export type GraphFailureReason = (typeof GRAPH_FAILURE_REASONS)[number];

export interface GraphFailure {
  reason: GraphFailureReason;
  /** For `forbidden`: the Teams access policy is missing, or an app role is not consented. */
  detail: 'accessPolicyMissing' | 'permissionMissing' | null;
  status: number | null;
  /** Graph's error code and request id, kept for diagnosis. */
  code: string | null;
  requestId: string | null;
  /** From Retry-After, when Graph sent one. */
  retryAfterMs: number | null;
  message: string;
}

/** A Graph call that failed, after any retries. */
export class GraphCallError extends Error {
  constructor(readonly failure: GraphFailure) {
    super(`Graph ${failure.reason}${failure.code ? ` (${failure.code})` : ''}: ${failure.message}`);
    this.name = 'GraphCallError';
  }
}

export interface GraphUser {
  id: string;
  userPrincipalName: string;
  displayName: string | null;
  mail: string | null;
}

export interface EventAttendeeInput {
  email: string;
  name: string | null;
  type: 'required' | 'optional' | 'resource';
}

export interface CreateEventInput {
  organizerOid: string;
  subject: string;
  bodyHtml: string;
  start: Date;
  end: Date;
  attendees: EventAttendeeInput[];
  /** Graph's idempotency key for event creation: a retried POST returns the same event. */
  transactionId: string;
}

export interface CreatedEvent {
  eventId: string;
  /** Null when Graph silently created a plain event (organizer without Teams). */
  joinUrl: string | null;
}

export interface OnlineMeetingRef {
  meetingId: string;
  chatThreadId: string | null;
}

export interface EventPatch {
  start?: Date;
  end?: Date;
  attendees?: EventAttendeeInput[];
}

/** What the domain needs from Microsoft Graph. Every method throws GraphCallError on failure. */
export interface GraphPort {
  getUser(tenantId: string, idOrUpn: string): Promise<GraphUser>;
  createEvent(tenantId: string, input: CreateEventInput): Promise<CreatedEvent>;
  findOnlineMeetingByJoinUrl(
    tenantId: string,
    organizerOid: string,
    joinUrl: string,
  ): Promise<OnlineMeetingRef | null>;
  updateEvent(
    tenantId: string,
    organizerOid: string,
    eventId: string,
    patch: EventPatch,
  ): Promise<void>;
  /** `alreadyGone` when Graph answers 404: the event no longer exists, which is what we wanted. */
  deleteEvent(
    tenantId: string,
    organizerOid: string,
    eventId: string,
  ): Promise<'deleted' | 'alreadyGone'>;
}
