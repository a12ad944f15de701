import type { Client } from '@microsoft/microsoft-graph-client';
import type { Event } from '@microsoft/microsoft-graph-types';
import { startTestSandbox, type TestSandbox } from './sandbox';
import { graphClientFor } from './sandbox-clients';

/** What the meetings tests work with: Contoso (the first seeded tenant), seen through the real Graph client. */
export interface MeetingsSandbox {
  sb: TestSandbox;
  /** Our app in Contoso holding every meetings role; a fresh token per request. */
  graph: Client;
  tenantId: string;
  organizer: { id: string; upn: string; name: string };
  /** A licensed user who organizes nothing. */
  staffOid: string;
  unlicensedOid: string;
}

export async function startMeetingsSandbox(): Promise<MeetingsSandbox> {
  const sb = await startTestSandbox();
  const t = sb.sandbox.tenants()[0];
  const u = t.users.find((x) => x.id === t.organizerOid)!;
  return {
    sb,
    graph: graphClientFor(sb, { tenantId: t.tenantId }),
    tenantId: t.tenantId,
    organizer: { id: u.id, upn: u.userPrincipalName, name: u.displayName },
    staffOid: t.staffOids[0],
    unlicensedOid: t.unlicensedOid,
  };
}

/** Creates an online event in `userId`'s calendar and resolves its meeting id from the join URL, as the product does. */
export async function scheduleOnlineMeeting(
  graph: Client,
  userId: string,
  body: Record<string, unknown>,
): Promise<{ meetingId: string; event: Event }> {
  const event = (await graph
    .api(`/users/${encodeURIComponent(userId)}/events`)
    .post(body)) as Event;
  const found = (await graph
    .api(`/users/${userId}/onlineMeetings`)
    .filter(`JoinWebUrl eq '${encodeURIComponent(event.onlineMeeting!.joinUrl!)}'`)
    .get()) as { value: { id: string }[] };
  return { meetingId: found.value[0].id, event };
}
