import { sendJson, type Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import { TOKEN_LIFETIME_S } from './claims';
import type { EntraErrorSpec } from './errors';

/** How the token endpoint answers: a token, or an error in Entra's shape (graph-contract §2.1). */

const noStore = (ctx: Ctx) => ({
  'cache-control': 'no-store, no-cache',
  pragma: 'no-cache',
  'x-ms-request-id': ctx.requestId,
});

/** `2025-06-10 09:12:44Z` — Entra's timestamp format. */
function entraTimestamp(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

function correlationId(ctx: Ctx, form?: URLSearchParams): string {
  const sent = form?.get('client-request-id') ?? ctx.url.searchParams.get('client-request-id');
  return sent && sent.length <= 100 ? sent : ctx.clientRequestId;
}

export function entraError(
  sb: Sandbox,
  ctx: Ctx,
  spec: EntraErrorSpec,
  form?: URLSearchParams,
): void {
  const timestamp = entraTimestamp(sb.clock.now());
  const correlation = correlationId(ctx, form);
  ctx.meta.entraError = `${spec.error} AADSTS${spec.code}`;
  sendJson(
    ctx,
    spec.status,
    {
      error: spec.error,
      error_description:
        `AADSTS${spec.code}: ${spec.message}\r\nTrace ID: ${ctx.requestId}\r\n` +
        `Correlation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
      error_codes: [spec.code],
      timestamp,
      trace_id: ctx.requestId,
      correlation_id: correlation,
      error_uri: `${sb.baseUrl}/error?code=${spec.code}`,
      ...(spec.suberror ? { suberror: spec.suberror } : {}),
    },
    noStore(ctx),
  );
}

export function sendToken(ctx: Ctx, fields: Record<string, unknown>): void {
  sendJson(
    ctx,
    200,
    {
      token_type: 'Bearer',
      expires_in: TOKEN_LIFETIME_S,
      ext_expires_in: TOKEN_LIFETIME_S,
      ...fields,
    },
    noStore(ctx),
  );
}
