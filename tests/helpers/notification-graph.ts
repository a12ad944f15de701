import type { Client } from '@microsoft/microsoft-graph-client';
import type { Subscription } from '@microsoft/microsoft-graph-types';
import type { DeliveryRecord } from '../../sandbox/src/graph/notification-log';
import { echoValidation, startReceiver, type Receiver } from './notification-receiver';
import { startTestSandbox, type TestSandbox } from './sandbox';
import type { AppTokenOptions } from './sandbox-clients';

/** Subscriptions and change notifications: the sandbox with a webhook, and its control API. */

export const CONTOSO = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
export const CONTOSO_ORGANIZER = '3a9e1f52-7c4d-4b8e-9f21-5d6c7b8a9e01';
export const FABRIKAM = '2c4e6a8b-0d1f-4a3b-8c5d-7e9f1a3b5c7d';
export const FABRIKAM_ORGANIZER = '1b3d5f7a-9c1e-4b3d-8f5a-7c9e1b3d5f7a';
export const ARTIFACT_ROLES = [
  'OnlineMeetingRecording.Read.All',
  'OnlineMeetingTranscript.Read.All',
];

/** The app the subscription tests act as unless a test says otherwise: ours, in Contoso, with the artifact roles. */
export const SUBSCRIBER: AppTokenOptions = { tenantId: CONTOSO, roles: ARTIFACT_ROLES };

/** An ISO time `minutes` ahead of the sandbox clock. */
export function inMinutes(sb: TestSandbox, minutes: number): string {
  return new Date(sb.sandbox.clock.now().getTime() + minutes * 60_000).toISOString();
}

export function createSubscription(client: Client, body: Subscription): Promise<Subscription> {
  return client.api('/subscriptions').post(body) as Promise<Subscription>;
}

/** Lines of `GET /_sandbox/notifications/log` after `since`. */
export async function deliveryLog(sb: TestSandbox, since = 0): Promise<DeliveryRecord[]> {
  const res = (await sb.control('GET', `/_sandbox/notifications/log?since=${since}`)) as {
    deliveries: DeliveryRecord[];
  };
  return res.deliveries;
}

export async function lastSeq(sb: TestSandbox): Promise<number> {
  return ((await sb.control('GET', '/_sandbox/notifications/log')) as { lastSeq: number }).lastSeq;
}

export async function flush(sb: TestSandbox): Promise<DeliveryRecord[]> {
  return (
    (await sb.control('POST', '/_sandbox/notifications/flush')) as {
      deliveries: DeliveryRecord[];
    }
  ).deliveries;
}

export interface ArtifactEventInput {
  tenantId?: string;
  organizerOid?: string;
  meetingId?: string;
  kind?: 'recording' | 'transcript';
  artifactId: string;
}

/** Publishes an artifact through the control API (as the meetings module would on the bus). */
export async function emitArtifact(sb: TestSandbox, e: ArtifactEventInput): Promise<string[]> {
  const res = (await sb.control('POST', '/_sandbox/notifications/emit', {
    tenantId: CONTOSO,
    organizerOid: CONTOSO_ORGANIZER,
    meetingId:
      'MSozYTllMWY1Mi03YzRkLTRiOGUtOWYyMS01ZDZjN2I4YTllMDEqMCoqMTk6bWVldGluZ19hYmNAdGhyZWFkLnYy',
    kind: 'transcript',
    ...e,
  })) as { matchingSubscriptions: string[] };
  return res.matchingSubscriptions;
}

export async function settings(sb: TestSandbox, body: Record<string, unknown>): Promise<void> {
  await sb.control('POST', '/_sandbox/subscriptions/settings', body);
}

/** A sandbox and a webhook that records what it is sent, started once per test file. */
export async function startWithWebhook(): Promise<{ sb: TestSandbox; hook: Receiver }> {
  return { sb: await startTestSandbox(), hook: await startReceiver() };
}

export async function stopWithWebhook(sb: TestSandbox, hook: Receiver): Promise<void> {
  await hook.close();
  await sb.stop();
}

/**
 * Before each test: a freshly reset sandbox (state, clock, faults, request log) that may call the
 * plain-HTTP loopback webhook, batching for `deliveryDelayMs`; a webhook that only echoes
 * handshakes and has seen nothing.
 */
export async function resetWithWebhook(
  sb: TestSandbox,
  hook: Receiver,
  deliveryDelayMs: number,
): Promise<void> {
  await sb.control('POST', '/_sandbox/reset');
  await settings(sb, { allowHttpLoopback: true, deliveryDelayMs });
  hook.respond = echoValidation;
  hook.requests.length = 0;
}
