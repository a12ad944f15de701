import { Client, type FetchOptions } from '@microsoft/microsoft-graph-client';
import type { Subscription } from '@microsoft/microsoft-graph-types';
import { SANDBOX_APP } from '../../sandbox/src/seed';
import type { TestSandbox } from './sandbox';

export const CONTOSO = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
export const CONTOSO_ORGANIZER = '3a9e1f52-7c4d-4b8e-9f21-5d6c7b8a9e01';
export const FABRIKAM = '2c4e6a8b-0d1f-4a3b-8c5d-7e9f1a3b5c7d';
export const FABRIKAM_ORGANIZER = '1b3d5f7a-9c1e-4b3d-8f5a-7c9e1b3d5f7a';
export const APP_ID = SANDBOX_APP.clientId;
export const ARTIFACT_ROLES = [
  'OnlineMeetingRecording.Read.All',
  'OnlineMeetingTranscript.Read.All',
];

export interface TokenOptions {
  tenantId?: string;
  appId?: string;
  roles?: string[];
}

/**
 * A Graph app token as the Entra token endpoint would mint it, signed with the sandbox's Entra key
 * and timed on the sandbox clock (tests move that clock).
 */
export async function graphToken(sb: TestSandbox, opts: TokenOptions = {}): Promise<string> {
  const tid = opts.tenantId ?? CONTOSO;
  const now = Math.floor(sb.sandbox.clock.now().getTime() / 1000);
  return sb.sandbox.keys.sign('entra', {
    iss: `https://sts.windows.net/${tid}/`,
    aud: 'https://graph.microsoft.com',
    tid,
    appid: opts.appId ?? APP_ID,
    roles: opts.roles ?? ARTIFACT_ROLES,
    iat: now - 60,
    nbf: now - 60,
    exp: now + 3600,
  });
}

/**
 * The real Graph client against the sandbox. It calls the global `fetch(request, options)` with our
 * `fetchOptions`, so an undici `dispatcher` trusting the sandbox CA rides along; `customHosts` makes
 * it attach the bearer token to 127.0.0.1 (it only authenticates Graph hosts otherwise).
 */
export function graphClient(sb: TestSandbox, opts: TokenOptions = {}): Client {
  return Client.initWithMiddleware({
    baseUrl: `${sb.url}/`,
    customHosts: new Set([new URL(sb.url).hostname]),
    authProvider: { getAccessToken: () => graphToken(sb, opts) },
    // npm undici 7's Agent works as Node 20's fetch dispatcher; only their type declarations differ.
    fetchOptions: { dispatcher: sb.agent } as unknown as FetchOptions,
  });
}

/** An ISO time `minutes` ahead of the sandbox clock. */
export function inMinutes(sb: TestSandbox, minutes: number): string {
  return new Date(sb.sandbox.clock.now().getTime() + minutes * 60_000).toISOString();
}

/** What the Graph client throws, reduced to what tests assert on. */
export async function graphFailure(
  call: Promise<unknown>,
): Promise<{ statusCode: number; code: string | null; message: string }> {
  try {
    await call;
  } catch (err) {
    const e = err as { statusCode: number; code: string | null; message: string };
    return { statusCode: e.statusCode, code: e.code, message: e.message };
  }
  throw new Error('expected the Graph call to fail');
}

export function createSubscription(client: Client, body: Subscription): Promise<Subscription> {
  return client.api('/subscriptions').post(body) as Promise<Subscription>;
}

/** A line of `GET /_sandbox/notifications/log`. */
export interface DeliveryRecord {
  seq: number;
  at: string;
  channel: 'notification' | 'lifecycle';
  url: string;
  status: number | null;
  error?: string;
  durationMs: number | null;
  slow: boolean;
  dropped: boolean;
  reason?: string;
  itemCount: number;
  attempt: number;
  subscriptionIds: string[];
  tenantIds: string[];
  lifecycleEvents?: string[];
  validationTokenCount: number;
}

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
