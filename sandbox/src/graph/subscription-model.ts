import { createHash } from 'node:crypto';
import type { Subscription } from '@microsoft/microsoft-graph-types';
import type { Sandbox } from '../sandbox';

export type ArtifactKind = 'recording' | 'transcript';

/** What a subscription listens to: the whole tenant, one organizer's meetings, or one meeting. */
export type SubscriptionScope =
  { type: 'tenant' } | { type: 'user'; userId: string } | { type: 'meeting'; meetingId: string };

/** A subscription as the sandbox keeps it (persisted in the `subscriptions` collection). */
export interface StoredSubscription {
  id: string;
  tenantId: string;
  /** The app that created it (token `appid`); only this app sees it. */
  appId: string;
  creatorId: string;
  /** The resource string exactly as the caller sent it (Graph echoes it). */
  resource: string;
  kind: ArtifactKind;
  scope: SubscriptionScope;
  changeType: 'created';
  clientState: string | null;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  notificationUrlAppId: string | null;
  expirationDateTime: string;
  includeResourceData: boolean;
  encryptionCertificate: string | null;
  encryptionCertificateId: string | null;
  latestSupportedTlsVersion: string;
  createdAt: string;
  /** Creation or last renewal: the start of the lifetime reauthorization challenges are timed on. */
  lifetimeStart: string;
  /** Last explicit reauthorization or renewal (clears a pending challenge). */
  reauthorizedAt: string | null;
  /** When the last `reauthorizationRequired` was queued. */
  lastChallengeAt: string | null;
}

/** Knobs the control API may turn; everything else follows real Graph. */
export interface SubscriptionSettings {
  /** Accept `http://127.0.0.1|localhost|[::1]` webhook URLs (real Graph demands HTTPS). */
  allowHttpLoopback: boolean;
  /** How long a validation request may take (real Graph: 10 s). */
  validationTimeoutMs: number;
  /** Sandbox-time delay between an artifact appearing and its notification leaving (batching window). */
  deliveryDelayMs: number;
  /** An answer slower than this counts as slow (real Graph: 2,900 ms; lower it to test reliably). */
  slowThresholdMs: number;
}

export const DEFAULT_SETTINGS: SubscriptionSettings = {
  allowHttpLoopback: false,
  validationTimeoutMs: 10_000,
  deliveryDelayMs: 1_000,
  slowThresholdMs: 2_900,
};

export const ROLE_FOR: Record<ArtifactKind, string> = {
  recording: 'OnlineMeetingRecording.Read.All',
  transcript: 'OnlineMeetingTranscript.Read.All',
};

/** Maximum lifetime for callRecording / callTranscript subscriptions. */
export const MAX_LIFETIME_MINUTES = 4_320;
/** Beyond this, a lifecycle URL is mandatory for these Teams resources. */
export const LIFECYCLE_URL_REQUIRED_AFTER_MS = 3_600_000;

export function subscriptionStore(sb: Sandbox): Map<string, StoredSubscription> {
  return sb.store.collection<StoredSubscription>('subscriptions');
}

export function getSettings(sb: Sandbox): SubscriptionSettings {
  const stored = sb.store.collection<SubscriptionSettings>('subscriptionSettings').get('settings');
  return { ...DEFAULT_SETTINGS, ...stored };
}

export function saveSettings(sb: Sandbox, settings: SubscriptionSettings): void {
  sb.store.collection<SubscriptionSettings>('subscriptionSettings').set('settings', settings);
  sb.store.changed();
}

export function isActive(sub: StoredSubscription, now: Date): boolean {
  return Date.parse(sub.expirationDateTime) > now.getTime();
}

/** An active subscription by id, or undefined when absent, expired or someone else's. */
export function findOwn(
  sb: Sandbox,
  id: string,
  owner: { tenantId: string; appId: string },
): StoredSubscription | undefined {
  const sub = subscriptionStore(sb).get(id);
  if (!sub || sub.tenantId !== owner.tenantId || sub.appId !== owner.appId) return undefined;
  return isActive(sub, sb.clock.now()) ? sub : undefined;
}

/** The app's service principal object id in a tenant: stable, different per tenant, like Entra's. */
export function servicePrincipalId(tenantId: string, appId: string): string {
  const h = createHash('sha256').update(`sp:${tenantId}:${appId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** `2025-06-13T06:00:00Z` — whole seconds print without a fraction, as Graph echoes them. */
export function graphDateTime(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

/** The subscription as Graph returns it. */
export function toGraph(sub: StoredSubscription): Subscription {
  return {
    id: sub.id,
    resource: sub.resource,
    applicationId: sub.appId,
    changeType: sub.changeType,
    clientState: sub.clientState,
    notificationUrl: sub.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: sub.lifecycleNotificationUrl,
    expirationDateTime: sub.expirationDateTime,
    creatorId: sub.creatorId,
    includeResourceData: sub.includeResourceData,
    latestSupportedTlsVersion: sub.latestSupportedTlsVersion,
    encryptionCertificate: sub.encryptionCertificate,
    encryptionCertificateId: sub.encryptionCertificateId,
    notificationUrlAppId: sub.notificationUrlAppId,
  };
}

/** Whether a subscription hears about an artifact of `kind` in `meetingId` organized by `organizerOid`. */
export function matches(
  sub: StoredSubscription,
  event: { tenantId: string; organizerOid: string; meetingId: string; kind: ArtifactKind },
): boolean {
  if (sub.tenantId !== event.tenantId || sub.kind !== event.kind) return false;
  switch (sub.scope.type) {
    case 'tenant':
      return true;
    case 'user':
      return sub.scope.userId === event.organizerOid;
    case 'meeting':
      return sub.scope.meetingId === event.meetingId;
  }
}
