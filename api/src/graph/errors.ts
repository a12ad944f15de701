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
