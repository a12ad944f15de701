import type { Event, OnlineMeeting, User } from '@microsoft/microsoft-graph-types';
import {
  GraphCallError,
  type CreateEventInput,
  type CreatedEvent,
  type EventAttendeeInput,
  type EventPatch,
  type GraphCallOptions,
  type GraphPort,
  type GraphUser,
  type OnlineMeetingRef,
} from '../domain/ports/graph';
import type { GraphClient } from './client';

const seg = encodeURIComponent;

/** `dateTimeTimeZone` in UTC: Graph wants no offset in `dateTime`. */
function utc(d: Date): { dateTime: string; timeZone: string } {
  return { dateTime: d.toISOString().slice(0, 19), timeZone: 'UTC' };
}

function attendees(list: EventAttendeeInput[]) {
  return list.map((a) => ({
    emailAddress: { address: a.email, ...(a.name ? { name: a.name } : {}) },
    type: a.type,
  }));
}

/** The filter literal: the join URL URL-encoded inside single quotes (quotes doubled, per OData). */
export function joinUrlFilter(joinUrl: string): string {
  const literal = encodeURIComponent(joinUrl).replace(/'/g, "''");
  return `JoinWebUrl%20eq%20'${literal}'`;
}

/** Typed Graph operations the domain uses, over the one GraphClient. */
export class GraphOperations implements GraphPort {
  constructor(private readonly client: GraphClient) {}

  async getUser(tenantId: string, idOrUpn: string, options?: GraphCallOptions): Promise<GraphUser> {
    const user = await this.client.request<User>({
      tenantId,
      signal: options?.signal,
      method: 'GET',
      path: `/users/${seg(idOrUpn)}?$select=id,userPrincipalName,displayName,mail`,
      idempotent: true,
    });
    return {
      id: user.id ?? '',
      userPrincipalName: user.userPrincipalName ?? idOrUpn,
      displayName: user.displayName ?? null,
      mail: user.mail ?? null,
    };
  }

  async createEvent(
    tenantId: string,
    input: CreateEventInput,
    options?: GraphCallOptions,
  ): Promise<CreatedEvent> {
    const body: Event = {
      subject: input.subject,
      body: { contentType: 'html', content: input.bodyHtml },
      start: utc(input.start),
      end: utc(input.end),
      attendees: attendees(input.attendees),
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
      allowNewTimeProposals: false,
      transactionId: input.transactionId,
    };
    const event = await this.client.request<Event>({
      tenantId,
      method: 'POST',
      path: `/users/${seg(input.organizerOid)}/events`,
      body,
      signal: options?.signal,
      headers: { Prefer: 'outlook.timezone="UTC"' },
      // Safe to resend: the transactionId makes Graph return the same event.
      idempotent: true,
    });
    return { eventId: event.id ?? '', joinUrl: event.onlineMeeting?.joinUrl ?? null };
  }

  async findOnlineMeetingByJoinUrl(
    tenantId: string,
    organizerOid: string,
    joinUrl: string,
    options?: GraphCallOptions,
  ): Promise<OnlineMeetingRef | null> {
    const page = await this.client.request<{ value?: OnlineMeeting[] }>({
      tenantId,
      signal: options?.signal,
      method: 'GET',
      path: `/users/${seg(organizerOid)}/onlineMeetings?$filter=${joinUrlFilter(joinUrl)}`,
      idempotent: true,
    });
    const meeting = page.value?.[0];
    if (!meeting?.id) return null;
    return { meetingId: meeting.id, chatThreadId: meeting.chatInfo?.threadId ?? null };
  }

  async findEventsByTransactionId(
    tenantId: string,
    organizerOid: string,
    transactionId: string,
    window: { start: Date; end: Date },
    options?: GraphCallOptions,
  ): Promise<string[]> {
    // Graph documents no $filter on transactionId: list the meeting's own window and match here.
    const query =
      `startDateTime=${seg(window.start.toISOString())}&endDateTime=${seg(window.end.toISOString())}` +
      '&$select=id,transactionId&$top=50';
    const events = await this.client.list<Event>({
      tenantId,
      path: `/users/${seg(organizerOid)}/calendarView?${query}`,
      signal: options?.signal,
    });
    return events.flatMap((e) => (e.id && e.transactionId === transactionId ? [e.id] : []));
  }

  async updateEvent(
    tenantId: string,
    organizerOid: string,
    eventId: string,
    patch: EventPatch,
    options?: GraphCallOptions,
  ): Promise<void> {
    // Never send `body`: it holds the Teams join blob, and losing it breaks the meeting.
    const body: Event = {
      ...(patch.start ? { start: utc(patch.start) } : {}),
      ...(patch.end ? { end: utc(patch.end) } : {}),
      ...(patch.attendees ? { attendees: attendees(patch.attendees) } : {}),
    };
    await this.client.request<Event>({
      tenantId,
      method: 'PATCH',
      path: `/users/${seg(organizerOid)}/events/${seg(eventId)}`,
      body,
      signal: options?.signal,
      idempotent: true,
    });
  }

  async deleteEvent(
    tenantId: string,
    organizerOid: string,
    eventId: string,
    options?: GraphCallOptions,
  ): Promise<'deleted' | 'alreadyGone'> {
    try {
      await this.client.request<unknown>({
        tenantId,
        signal: options?.signal,
        method: 'DELETE',
        path: `/users/${seg(organizerOid)}/events/${seg(eventId)}`,
        idempotent: true,
      });
      return 'deleted';
    } catch (err) {
      if (err instanceof GraphCallError && err.failure.reason === 'notFound') return 'alreadyGone';
      throw err;
    }
  }
}
