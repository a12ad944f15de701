import 'reflect-metadata'; // @peculiar/x509 (tsyringe) needs the Reflect polyfill loaded first
import { createHash, createPublicKey } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { SandboxTenant } from '../seed';
import {
  LIFECYCLE_URL_REQUIRED_AFTER_MS,
  MAX_LIFETIME_MINUTES,
  type ArtifactKind,
  type StoredSubscription,
  type SubscriptionScope,
} from './subscription-model';

/** A refusal in Graph's words: status, error code and message. */
export interface RuleError {
  status: number;
  code: string;
  message: string;
}

export function isRuleError(x: unknown): x is RuleError {
  return typeof x === 'object' && x !== null && 'code' in x && 'status' in x && 'message' in x;
}

const invalid = (message: string): RuleError => ({ status: 400, code: 'InvalidRequest', message });

/** Graph's answer to a property it does not know or a value of the wrong type. */
export const PAYLOAD_ERROR = invalid(
  'Could not process subscription creation payload. Are all property names spelled and camelCased properly? Also are the dateTimeOffest properties in a valid internet date/time format?',
);

const TLS_VERSIONS = ['v1_0', 'v1_1', 'v1_2', 'v1_3'];
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Properties a caller may send (read-only ones the SDKs echo back are ignored). */
const WRITABLE = new Set([
  'changeType',
  'notificationUrl',
  'lifecycleNotificationUrl',
  'resource',
  'expirationDateTime',
  'clientState',
  'includeResourceData',
  'encryptionCertificate',
  'encryptionCertificateId',
  'latestSupportedTlsVersion',
  'notificationUrlAppId',
  'notificationQueryOptions',
]);
const IGNORED = new Set(['@odata.type', '@odata.context', 'id', 'applicationId', 'creatorId']);

/** Unknown properties and wrongly typed values are refused as a whole, as Graph's deserializer does. */
export function checkShape(body: Record<string, unknown>): RuleError | null {
  for (const [key, value] of Object.entries(body)) {
    if (IGNORED.has(key)) continue;
    if (!WRITABLE.has(key)) return PAYLOAD_ERROR;
    if (value === null) continue;
    if (key === 'includeResourceData' ? typeof value !== 'boolean' : typeof value !== 'string')
      return PAYLOAD_ERROR;
  }
  return null;
}

const RESOURCE_PATTERNS: { re: RegExp; scope: 'tenant' | 'user' | 'meeting' }[] = [
  { re: /^communications\/onlineMeetings\/getAll(Recordings|Transcripts)$/i, scope: 'tenant' },
  { re: /^users\/([^/]+)\/onlineMeetings\/getAll(Recordings|Transcripts)$/i, scope: 'user' },
  { re: /^communications\/onlineMeetings\/(.+)\/(recordings|transcripts)$/i, scope: 'meeting' },
];

/** `('id')` and percent-encoded forms of a key segment, reduced to the bare id. */
function bareKey(segment: string): string {
  let s = segment;
  const quoted = /^\('(.*)'\)$/.exec(s) ?? /^\((.*)\)$/.exec(s);
  if (quoted) s = quoted[1];
  if (/%[0-9a-f]{2}/i.test(s)) {
    try {
      s = decodeURIComponent(s);
    } catch {
      /* keep it as sent */
    }
  }
  return s;
}

/** Which artifacts, of whom, a resource string asks for; only the v1.0 recording/transcript forms. */
export function parseResource(
  raw: unknown,
  tenant: SandboxTenant,
): { kind: ArtifactKind; scope: SubscriptionScope } | RuleError {
  if (typeof raw !== 'string' || raw.trim() === '')
    return invalid('resource is a required property for subscription creation.');
  const path = raw.trim().replace(/^\//, '');
  for (const { re, scope } of RESOURCE_PATTERNS) {
    const m = re.exec(path);
    if (!m) continue;
    const which = (m[m.length - 1] ?? '').toLowerCase();
    const kind: ArtifactKind = which.includes('recording') ? 'recording' : 'transcript';
    if (scope === 'tenant') return { kind, scope: { type: 'tenant' } };
    const key = bareKey(m[1]);
    if (scope === 'meeting') {
      if (key === '' || key.includes('(')) break;
      return { kind, scope: { type: 'meeting', meetingId: key } };
    }
    const user = tenant.users.find(
      (u) =>
        u.id.toLowerCase() === key.toLowerCase() ||
        u.userPrincipalName.toLowerCase() === key.toLowerCase(),
    );
    if (!user) return invalid(`Resource '${raw}' is invalid: user '${key}' was not found.`);
    return { kind, scope: { type: 'user', userId: user.id } };
  }
  return invalid(
    `Resource '${raw}' is not supported for change notifications. Supported resources: communications/onlineMeetings/getAllRecordings, communications/onlineMeetings/getAllTranscripts, users/{userId}/onlineMeetings/getAllRecordings, users/{userId}/onlineMeetings/getAllTranscripts, communications/onlineMeetings/{onlineMeetingId}/recordings, communications/onlineMeetings/{onlineMeetingId}/transcripts.`,
  );
}

export function checkChangeType(raw: unknown, resource: string): RuleError | null {
  if (typeof raw !== 'string' || raw.trim() === '')
    return invalid('changeType is a required property for subscription creation.');
  if (raw.trim() !== 'created')
    return invalid(
      `ChangeType '${raw}' is not supported for resource '${resource}'. Supported values: created.`,
    );
  return null;
}

/** ISO 8601 with or without a zone (none means UTC) and up to 7 fraction digits, as .NET accepts. */
function parseDateTimeOffset(raw: string): Date | null {
  const m =
    /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})?$/i.exec(raw);
  if (!m) return null;
  const ms = (m[2] ?? '').padEnd(3, '0').slice(0, 3);
  const d = new Date(`${m[1]}.${ms}${m[3] ?? 'Z'}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The §6.2 lifetime rules, for creation and renewal alike. */
export function checkExpiration(
  raw: unknown,
  now: Date,
  hasLifecycleUrl: boolean,
): Date | RuleError {
  if (raw === undefined || raw === null || raw === '')
    return invalid('expirationDateTime is a required property for subscription creation');
  const at = typeof raw === 'string' ? parseDateTimeOffset(raw.trim()) : null;
  if (!at) return PAYLOAD_ERROR;
  const ahead = at.getTime() - now.getTime();
  if (ahead <= 0) return invalid('Subscription expiration date must be in the future.');
  if (ahead > MAX_LIFETIME_MINUTES * 60_000)
    return invalid(
      `Subscription expiration can only be ${MAX_LIFETIME_MINUTES} minutes in the future.`,
    );
  if (ahead > LIFECYCLE_URL_REQUIRED_AFTER_MS && !hasLifecycleUrl)
    return invalid(
      'lifecycleNotificationUrl is required for subscription creation on this resource when the expirationDateTime value exceeds 1 hour',
    );
  return at;
}

/** HTTPS only; plain-HTTP loopback only when the sandbox was told to allow it (local product runs). */
export function checkWebhookUrl(
  raw: unknown,
  label: 'NotificationUrl' | 'LifecycleNotificationUrl',
  allowHttpLoopback: boolean,
): string | RuleError {
  if (typeof raw !== 'string' || raw.trim() === '')
    return invalid(
      `${label[0].toLowerCase()}${label.slice(1)} is a required property for subscription creation.`,
    );
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalid(
      `Invalid ${label === 'NotificationUrl' ? 'notification' : 'lifecycle notification'} url='${raw}'.`,
    );
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme === 'https') return raw;
  if (scheme === 'http' && allowHttpLoopback && LOOPBACK_HOSTS.has(url.hostname)) return raw;
  return invalid(`${label} scheme='${scheme}' is not supported.`);
}

export function checkClientState(raw: unknown): RuleError | null {
  if (typeof raw === 'string' && raw.length > 128)
    return invalid('clientState must not be longer than 128 characters.');
  return null;
}

export function checkTlsVersion(raw: unknown): string | RuleError {
  if (raw === undefined || raw === null) return 'v1_2';
  if (typeof raw === 'string' && TLS_VERSIONS.includes(raw)) return raw;
  return invalid(
    `Invalid latestSupportedTlsVersion '${String(raw)}'. Allowed values: ${TLS_VERSIONS.join(', ')}.`,
  );
}

/** A base64 DER X.509 certificate with an RSA 2048–4096 key; its DER and SHA-1 thumbprint. */
export function checkCertificate(raw: unknown): { der: Buffer; thumbprint: string } | RuleError {
  const text = typeof raw === 'string' ? raw.replace(/\s+/g, '') : '';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0)
    return invalid(
      'Certificate validation error: encryptionCertificate must be a base64-encoded DER X.509 certificate.',
    );
  const der = Buffer.from(text, 'base64');
  let spki: ArrayBuffer;
  try {
    spki = new x509.X509Certificate(der).publicKey.rawData;
  } catch {
    return invalid(
      'Certificate validation error: encryptionCertificate is not a valid X.509 certificate.',
    );
  }
  let bits = 0;
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType === 'rsa') bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  } catch {
    bits = 0;
  }
  if (bits < 2048 || bits > 4096)
    return invalid(
      'Certificate validation error: the certificate key must be RSA with 2048 to 4096 bits.',
    );
  return { der, thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase() };
}

export function checkCertificateId(raw: unknown): RuleError | null {
  if (typeof raw !== 'string' || raw.trim() === '')
    return invalid('encryptionCertificateId is required when includeResourceData is true.');
  if (raw.length > 128)
    return invalid('encryptionCertificateId must not be longer than 128 characters.');
  return null;
}

const QUOTA_ERROR: RuleError = {
  status: 403,
  code: 'ExtensionError',
  message:
    'Operation: Create; Exception: [Status Code: Forbidden; Reason: Maximum number of subscriptions has been reached]',
};

/** §6.1 quotas, per resource kind: 1 per app and scope (tenant, user or meeting), 10 per user, 10,000 per tenant. */
export function checkQuota(
  active: StoredSubscription[],
  wanted: { tenantId: string; appId: string; kind: ArtifactKind; scope: SubscriptionScope },
): RuleError | null {
  const sameKind = active.filter((s) => s.tenantId === wanted.tenantId && s.kind === wanted.kind);
  if (sameKind.length >= 10_000) return QUOTA_ERROR;
  const sameScope = (s: StoredSubscription) => {
    const a = s.scope;
    const b = wanted.scope;
    if (a.type !== b.type) return false;
    if (a.type === 'user' && b.type === 'user') return a.userId === b.userId;
    if (a.type === 'meeting' && b.type === 'meeting') return a.meetingId === b.meetingId;
    return true;
  };
  if (sameKind.some((s) => s.appId === wanted.appId && sameScope(s))) return QUOTA_ERROR;
  if (wanted.scope.type === 'user' && sameKind.filter(sameScope).length >= 10) return QUOTA_ERROR;
  return null;
}
