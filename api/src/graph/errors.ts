import type { GraphFailure, GraphFailureReason } from '../domain/ports/graph';

/** What an HTTP-level Graph failure looked like on the wire. */
export interface GraphFailureInput {
  status: number | null;
  code?: string | null;
  message?: string | null;
  requestId?: string | null;
  retryAfter?: string | null;
  /** A network failure (reset, refused, timeout) has no status. */
  network?: boolean;
  now?: Date;
}

const MAX_RETRY_AFTER_MS = 24 * 3600_000;

/** Retry-After as milliseconds: seconds (`10`), decimal seconds (`2.128`) or an HTTP-date. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: Date = new Date(),
): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text))
    return Math.min(Math.round(Number(text) * 1000), MAX_RETRY_AFTER_MS);
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/[a-z]/i.test(text)) return null;
  return Math.min(Math.max(0, at - now.getTime()), MAX_RETRY_AFTER_MS);
}

function reasonFor(status: number | null, network: boolean): GraphFailureReason {
  if (network || status === null) return 'transient';
  if (status === 429) return 'throttled';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'notFound';
  if (status === 410) return 'gone';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 500 || status === 502 || status === 503 || status === 504) return 'transient';
  return 'unknown';
}

// Graph uses one code (`Forbidden`) for both; only the documented text tells them apart.
const ACCESS_POLICY = /no application access policy found/i;

/** The one place Graph failures become our reasons. Pure; table-tested. */
export function mapGraphFailure(input: GraphFailureInput): GraphFailure {
  const reason = reasonFor(input.status, input.network ?? false);
  const message = input.message ?? (input.network ? 'network error' : `HTTP ${input.status}`);
  let detail: GraphFailure['detail'] = null;
  if (reason === 'forbidden')
    detail = ACCESS_POLICY.test(message) ? 'accessPolicyMissing' : 'permissionMissing';
  return {
    reason,
    detail,
    status: input.status,
    code: input.code ?? null,
    requestId: input.requestId ?? null,
    retryAfterMs: parseRetryAfter(input.retryAfter, input.now),
    message,
  };
}

/** Whether trying again later can help. */
export function isRetryable(reason: GraphFailureReason): boolean {
  return reason === 'throttled' || reason === 'transient';
}

/** What a failed token request looked like (Entra's OAuth error, or no answer at all). */
export interface TokenFailureInput {
  /** HTTP status of the token endpoint (or the authority metadata), null without an answer. */
  status: number | null;
  /** OAuth `error`, e.g. `invalid_client`. */
  error?: string | null;
  /** `error_description`, which carries the `AADSTS…` code. */
  description?: string | null;
  network?: boolean;
}

// Entra's AADSTS codes that only an admin can fix (graph-contract §2.1, Entra error reference).
const CREDENTIALS_INVALID = new Set([7000215, 7000222, 7000218, 700027, 700023, 7000112]);
const CONSENT_MISSING = new Set([700016, 65001, 650051, 500011, 7000114]);
const TENANT_NOT_FOUND = new Set([90002, 90023, 900023, 90072, 50020]);
const AADSTS = /AADSTS(\d+)/;

/**
 * Token acquisition failures, mapped once. A wrong or expired secret, missing consent or an
 * unknown tenant will not fix itself: they become `unauthorized`/`forbidden` with a detail an admin
 * can act on, never `transient`. Only no answer, 5xx and throttling are worth retrying.
 */
export function mapTokenFailure(input: TokenFailureInput): GraphFailure {
  const text = input.description ?? '';
  const aadsts = Number(AADSTS.exec(text)?.[1] ?? NaN);
  const code = Number.isNaN(aadsts) ? (input.error ?? null) : `AADSTS${aadsts}`;
  // The first line of Entra's description: the code and the sentence, without trace ids.
  const sentence = text
    .split(/\r?\n/)[0]
    .replace(/^.*?(AADSTS\d+:)/, '$1')
    .trim();
  const message =
    sentence ||
    (input.network
      ? 'the sign-in service could not be reached'
      : `token request failed (${input.error ?? input.status})`);
  const failure = (reason: GraphFailureReason, detail: GraphFailure['detail']): GraphFailure => ({
    reason,
    detail,
    status: input.status,
    code,
    requestId: null,
    retryAfterMs: null,
    message,
  });
  if (CREDENTIALS_INVALID.has(aadsts)) return failure('unauthorized', 'credentialsInvalid');
  if (CONSENT_MISSING.has(aadsts)) return failure('forbidden', 'consentMissing');
  if (TENANT_NOT_FOUND.has(aadsts)) return failure('unauthorized', 'tenantNotFound');
  if (input.network || input.status === null) return failure('transient', null);
  if (input.status === 429) return failure('throttled', null);
  if (input.status >= 500 || input.error === 'temporarily_unavailable')
    return failure('transient', null);
  if (input.error === 'invalid_client' || input.error === 'unauthorized_client')
    return failure('unauthorized', 'credentialsInvalid');
  return failure('unauthorized', null);
}
