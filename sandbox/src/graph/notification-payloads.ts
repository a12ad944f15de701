import { randomBytes } from 'node:crypto';
import type {
  CallRecording,
  CallTranscript,
  ChangeNotification,
  LifecycleEventType,
  ResourceData,
  TeamworkUserIdentity,
} from '@microsoft/microsoft-graph-types';
import type { Sandbox, SandboxEvents } from '../sandbox';
import { encryptContent } from './notification-crypto';
import type { StoredSubscription } from './subscription-model';

export type ArtifactEvent = SandboxEvents['artifactCreated'];

/** The Microsoft Graph change-notification publisher: the `appid` of every validation token. */
export const GRAPH_NOTIFICATION_PUBLISHER = '0bf30f3b-4a52-48df-9a82-234910c4a086';
const VALIDATION_TOKEN_LIFETIME_S = 8 * 3600;

type NotificationResourceData = ResourceData & {
  id: string;
  '@odata.type': string;
  '@odata.id': string;
};

/** The organizer as rich payloads carry it (the Graph types lack `tenantId` on this identity). */
type OrganizerIdentity = TeamworkUserIdentity & { tenantId: string };

/** `2025-06-13T06:00:00+00:00`, the form notifications use for the subscription's expiry. */
export function offsetDateTime(iso: string): string {
  return new Date(iso).toISOString().replace('.000Z', 'Z').replace(/Z$/, '+00:00');
}

/** `communications/onlineMeetings('{meetingId}')/transcripts('{id}')` */
export function resourcePath(e: ArtifactEvent): string {
  return `communications/onlineMeetings('${e.meetingId}')/${e.kind}s('${e.artifactId}')`;
}

/** The decrypted `data` of a rich notification (§6.6): the artifact with its organizer. */
export function resourceJson(e: ArtifactEvent): CallTranscript | CallRecording {
  const user: OrganizerIdentity = {
    userIdentityType: 'aadUser',
    id: e.organizerOid,
    displayName: null,
    tenantId: e.tenantId,
  };
  const base = {
    id: e.artifactId,
    meetingId: e.meetingId,
    createdDateTime: null,
    meetingOrganizer: { application: null, device: null, user },
  };
  const contentUrl = `communications/onlineMeetings/${e.meetingId}/${e.kind}s/${e.artifactId}/content`;
  if (e.kind === 'transcript') {
    const transcript: CallTranscript = { ...base, transcriptContentUrl: contentUrl };
    return transcript;
  }
  const recording: CallRecording = { ...base, recordingContentUrl: contentUrl, content: null };
  return recording;
}

/** One change notification for one subscription; encrypted when the subscription asked for data. */
export function changeItem(sub: StoredSubscription, e: ArtifactEvent): ChangeNotification {
  const resource = resourcePath(e);
  const resourceData: NotificationResourceData = {
    id: e.artifactId,
    '@odata.type':
      e.kind === 'transcript'
        ? '#Microsoft.Graph.callTranscript'
        : '#Microsoft.Graph.callRecording',
    '@odata.id': resource,
  };
  const item: ChangeNotification = {
    subscriptionId: sub.id,
    subscriptionExpirationDateTime: offsetDateTime(sub.expirationDateTime),
    changeType: 'created',
    clientState: sub.clientState,
    tenantId: sub.tenantId,
    resource,
    resourceData,
  };
  if (sub.includeResourceData && sub.encryptionCertificate && sub.encryptionCertificateId) {
    item.encryptedContent = encryptContent(
      JSON.stringify(resourceJson(e)),
      sub.encryptionCertificate,
      sub.encryptionCertificateId,
    );
  }
  return item;
}

export function lifecycleItem(
  sub: StoredSubscription,
  lifecycleEvent: LifecycleEventType,
): ChangeNotification {
  return {
    subscriptionId: sub.id,
    subscriptionExpirationDateTime: offsetDateTime(sub.expirationDateTime),
    tenantId: sub.tenantId,
    clientState: sub.clientState,
    lifecycleEvent,
  };
}

/** §6.8: one token per (audience app, tenant) pair, signed with the Entra keys, ~8 h life. */
export async function validationTokens(
  sb: Sandbox,
  pairs: { audience: string; tenantId: string }[],
): Promise<string[]> {
  const seen = new Set<string>();
  const tokens: string[] = [];
  const iat = Math.floor(sb.clock.now().getTime() / 1000);
  for (const { audience, tenantId } of pairs) {
    const key = `${audience}|${tenantId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const iss = `https://sts.windows.net/${tenantId}/`;
    tokens.push(
      await sb.keys.sign('entra', {
        aud: audience,
        iss,
        iat,
        nbf: iat,
        exp: iat + VALIDATION_TOKEN_LIFETIME_S,
        appid: GRAPH_NOTIFICATION_PUBLISHER,
        appidacr: '2',
        idp: iss,
        tid: tenantId,
        uti: randomBytes(16).toString('base64url'),
        ver: '1.0',
      }),
    );
  }
  return tokens;
}
