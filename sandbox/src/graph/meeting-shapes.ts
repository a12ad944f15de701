import type {
  CallRecording,
  CallTranscript,
  CommunicationsUserIdentity,
  Event,
  IdentitySet,
  MeetingParticipantInfo,
  OnlineMeeting,
  TeamworkUserIdentity,
} from '@microsoft/microsoft-graph-types';
import type { Sandbox } from '../sandbox';
import type { SandboxUser } from '../seed';
import { formatWallTime, isoSeconds } from './meeting-time';
import type { StoredArtifact, StoredEvent, StoredMeeting } from './meeting-store';

/**
 * Graph payloads, typed with `@microsoft/microsoft-graph-types` so a field Graph does not have fails
 * to compile. The few intersections below are fields real v1.0 responses carry that the typings
 * lack (documented in graph-contract §4/§5); nothing else is added.
 */

/** OData annotations on an entity. */
export type OData<T> = T & {
  '@odata.context'?: string;
  '@odata.etag'?: string;
  '@odata.type'?: string;
};

/** v1.0 still emits the deprecated `joinUrl` alias and (recent tenants) `meetingCode`. */
export type GraphOnlineMeeting = OnlineMeeting & { joinUrl: string; meetingCode: string };

/** `identity.user` of meeting participants carries the tenant and identity provider. */
type ParticipantUser = CommunicationsUserIdentity & { identityProvider: string };

/** `meetingOrganizer.user` of artifacts: a teamworkUserIdentity with its tenant. */
type OrganizerUser = TeamworkUserIdentity & { '@odata.type': string; tenantId: string };

const NEVER = '0001-01-01T00:00:00Z';

export function eventWebLink(id: string): string {
  return `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`;
}

/** Text preview of an HTML or text body, as Outlook computes `bodyPreview` (≤ 255 chars). */
export function bodyPreview(content: string, contentType: string): string {
  const text =
    contentType === 'html'
      ? content
          .replace(/<head[\s\S]*?<\/head>/gi, '')
          .replace(/<br\s*\/?>|<\/(p|div)>/gi, '\r\n')
          .replace(/<[^>]+>/g, '')
          .replace(/&nbsp;/g, ' ')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&amp;/g, '&')
      : content;
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join('\r\n')
    .slice(0, 255);
}

export function renderEvent(
  e: StoredEvent,
  m: StoredMeeting | undefined,
  owner: SandboxUser,
  zone: { name: string; iana: string },
  context: string,
): OData<Event> {
  const wall = (iso: string) => ({
    dateTime: formatWallTime(new Date(iso), zone.iana),
    timeZone: zone.name,
  });
  const event: OData<Event> = {
    '@odata.context': context,
    '@odata.etag': `W/"${e.changeKey}"`,
    id: e.id,
    createdDateTime: e.createdDateTime,
    lastModifiedDateTime: e.lastModifiedDateTime,
    changeKey: e.changeKey,
    categories: [],
    transactionId: e.transactionId,
    originalStartTimeZone: e.originalStartTimeZone,
    originalEndTimeZone: e.originalEndTimeZone,
    iCalUId: e.iCalUId,
    reminderMinutesBeforeStart: 15,
    isReminderOn: true,
    hasAttachments: false,
    subject: e.subject,
    bodyPreview: bodyPreview(e.body.content ?? '', e.body.contentType ?? 'html'),
    importance: 'normal',
    sensitivity: 'normal',
    isAllDay: false,
    isCancelled: false,
    isOrganizer: true,
    responseRequested: true,
    seriesMasterId: null,
    showAs: 'busy',
    type: 'singleInstance',
    webLink: eventWebLink(e.id),
    onlineMeetingUrl: null,
    isOnlineMeeting: e.isOnlineMeeting,
    onlineMeetingProvider: e.onlineMeetingProvider,
    allowNewTimeProposals: true,
    isDraft: false,
    hideAttendees: false,
    responseStatus: { response: 'organizer', time: NEVER },
    body: e.body,
    start: wall(e.start),
    end: wall(e.end),
    location: {
      displayName: '',
      locationType: 'default',
      uniqueIdType: 'unknown',
      address: {},
      coordinates: {},
    },
    locations: [],
    recurrence: null,
    attendees: e.attendees,
    organizer: {
      emailAddress: { name: owner.displayName, address: owner.mail ?? owner.userPrincipalName },
    },
    onlineMeeting:
      e.isOnlineMeeting && m
        ? { joinUrl: m.joinWebUrl, conferenceId: m.conferenceId, tollNumber: m.tollNumber }
        : null,
  };
  return { ...event, ...(e.extra as Partial<Event>) };
}

function participantUser(id: string | null, tenantId: string | null): ParticipantUser {
  return { id, displayName: null, tenantId, identityProvider: 'AAD' };
}

export function renderOnlineMeeting(m: StoredMeeting, organizer: SandboxUser): GraphOnlineMeeting {
  const organizerInfo: MeetingParticipantInfo = {
    upn: organizer.userPrincipalName,
    role: 'presenter',
    identity: { user: participantUser(organizer.id, m.tenantId) },
  };
  const attendees: MeetingParticipantInfo[] = m.attendees.map((a) => ({
    upn: a.address,
    role: 'attendee',
    identity: { user: participantUser(a.oid, a.oid ? m.tenantId : null) },
  }));
  return {
    id: m.id,
    creationDateTime: m.creationDateTime,
    startDateTime: isoSeconds(new Date(m.startDateTime)),
    endDateTime: isoSeconds(new Date(m.endDateTime)),
    subject: m.subject,
    joinUrl: m.joinWebUrl,
    joinWebUrl: m.joinWebUrl,
    meetingCode: m.meetingCode,
    videoTeleconferenceId: null,
    externalId: null,
    isBroadcast: false,
    isEntryExitAnnounced: false,
    allowedPresenters: 'everyone',
    allowMeetingChat: 'enabled',
    allowTeamworkReactions: true,
    allowAttendeeToEnableCamera: true,
    allowAttendeeToEnableMic: true,
    allowParticipantsToChangeName: false,
    recordAutomatically: false,
    allowRecording: true,
    allowTranscription: true,
    shareMeetingChatHistoryDefault: 'none',
    audioConferencing: {
      conferenceId: m.conferenceId.replace(/ /g, ''),
      tollNumber: m.tollNumber,
      tollFreeNumber: null,
      dialinUrl: `https://dialin.teams.microsoft.com/${m.conferenceId.replace(/ /g, '')}?id=${m.conferenceId.replace(/ /g, '')}`,
    },
    chatInfo: { threadId: m.chatInfo.threadId, messageId: '0', replyChainMessageId: null },
    joinMeetingIdSettings: {
      isPasscodeRequired: true,
      joinMeetingId: m.joinMeetingId,
      passcode: m.passcode,
    },
    lobbyBypassSettings: { scope: 'organization', isDialInBypassEnabled: false },
    participants: { organizer: organizerInfo, attendees },
  };
}

function organizerIdentity(a: StoredArtifact): IdentitySet {
  const user: OrganizerUser = {
    '@odata.type': '#microsoft.graph.teamworkUserIdentity',
    id: a.organizerOid,
    displayName: null,
    userIdentityType: 'aadUser',
    tenantId: a.tenantId,
  };
  return { application: null, device: null, user };
}

/** Where the content of an artifact is (full URL, every id segment URL-encoded). */
export function artifactUrl(sb: Sandbox, a: StoredArtifact, leaf = ''): string {
  const set = a.kind === 'recording' ? 'recordings' : 'transcripts';
  return (
    `${sb.baseUrl}/v1.0/users/${a.organizerOid}/onlineMeetings/${encodeURIComponent(a.meetingId)}` +
    `/${set}/${encodeURIComponent(a.id)}${leaf}`
  );
}

/** A callRecording or callTranscript; only the name of the content URL property differs. */
export function renderArtifact(
  sb: Sandbox,
  a: StoredArtifact,
): OData<CallRecording | CallTranscript> {
  const contentUrl = artifactUrl(sb, a, '/content');
  return {
    id: a.id,
    meetingId: a.meetingId,
    callId: a.callId,
    contentCorrelationId: a.contentCorrelationId,
    createdDateTime: a.createdDateTime,
    endDateTime: a.endDateTime,
    ...(a.kind === 'recording'
      ? { recordingContentUrl: contentUrl }
      : { transcriptContentUrl: contentUrl }),
    meetingOrganizer: organizerIdentity(a),
  };
}

/** `@odata.type` of an artifact in getAllRecordings/getAllTranscripts and delta collections. */
export function odataType(kind: StoredArtifact['kind']): string {
  return kind === 'recording'
    ? '#microsoft.graph.callRecording'
    : '#microsoft.graph.callTranscript';
}
