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

/**
 * What an admin must fix. `accessPolicyMissing`: the Teams application access policy;
 * `permissionMissing`: an app role is not consented; `consentMissing`: nobody consented to the app in
 * this tenant (no service principal); `credentialsInvalid`: our client secret or certificate was
 * refused (wrong, expired); `tenantNotFound`: Entra knows no such tenant.
 */
export type GraphFailureDetail =
  | 'accessPolicyMissing'
  | 'permissionMissing'
  | 'consentMissing'
  | 'credentialsInvalid'
  | 'tenantNotFound';

export interface GraphFailure {
  reason: GraphFailureReason;
  detail: GraphFailureDetail | null;
  status: number | null;
  /** Graph's error code (or Entra's `AADSTS…`) and request id, kept for diagnosis. */
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

/** Per call: aborting the signal stops the call (and its retries) with an AbortedError. */
export interface GraphCallOptions {
  signal?: AbortSignal;
}

/**
 * What the domain needs from Microsoft Graph. Every method throws GraphCallError on failure, or
 * AbortedError when its signal was aborted.
 */
export interface GraphPort {
  getUser(tenantId: string, idOrUpn: string, options?: GraphCallOptions): Promise<GraphUser>;
  createEvent(
    tenantId: string,
    input: CreateEventInput,
    options?: GraphCallOptions,
  ): Promise<CreatedEvent>;
  findOnlineMeetingByJoinUrl(
    tenantId: string,
    organizerOid: string,
    joinUrl: string,
    options?: GraphCallOptions,
  ): Promise<OnlineMeetingRef | null>;
  /** Ids of the organizer's events in `window` that carry our `transactionId` (our own marker). */
  findEventsByTransactionId(
    tenantId: string,
    organizerOid: string,
    transactionId: string,
    window: { start: Date; end: Date },
    options?: GraphCallOptions,
  ): Promise<string[]>;
  updateEvent(
    tenantId: string,
    organizerOid: string,
    eventId: string,
    patch: EventPatch,
    options?: GraphCallOptions,
  ): Promise<void>;
  /** `alreadyGone` when Graph answers 404: the event no longer exists, which is what we wanted. */
  deleteEvent(
    tenantId: string,
    organizerOid: string,
    eventId: string,
    options?: GraphCallOptions,
  ): Promise<'deleted' | 'alreadyGone'>;
}
