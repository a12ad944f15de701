import { randomUUID } from 'node:crypto';
import type { WebhookClient } from './notification-http';
import type { RuleError } from './subscription-rules';

const NOT_200: RuleError = {
  status: 400,
  code: 'ValidationError',
  message:
    'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
};
const MISMATCH: RuleError = {
  status: 400,
  code: 'ValidationError',
  message:
    'Subscription validation request failed. Response must exactly match validationToken query parameter.',
};
const TIMED_OUT: RuleError = {
  status: 400,
  code: 'InvalidRequest',
  message: 'Subscription validation request timed out.',
};

/** Form-style encoding as .NET's UrlEncode writes it: `+` for spaces, lower-case escapes. */
export function formEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/%20/g, '+')
    .replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
}

/** The URL Graph POSTs the token to: the caller's query string kept byte for byte, token appended. */
export function validationUrl(url: string, token: string): string {
  const base = url.split('#')[0];
  const sep = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${sep}validationToken=${formEncode(token)}`;
}

/**
 * The §6.5 handshake: POST `{url}?validationToken=…` with an empty text/plain body; the endpoint must
 * answer 200, text/plain, with the decoded token exactly, within `timeoutMs`.
 */
export async function validateEndpoint(
  client: WebhookClient,
  url: string,
  timeoutMs: number,
): Promise<RuleError | null> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
  const res = await client.post(validationUrl(url, token), {
    body: '',
    contentType: 'text/plain; charset=utf-8',
    timeoutMs,
    readBody: true,
  });
  if (res.error === 'timeout') return TIMED_OUT;
  if (res.status !== 200) return NOT_200;
  const plain = /^text\/plain(\s*;|$)/i.test(res.contentType ?? '');
  if (!plain || res.text !== token) return MISMATCH;
  return null;
}
