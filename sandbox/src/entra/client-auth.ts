import { createHash, timingSafeEqual } from 'node:crypto';
import type { Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import { SANDBOX_APP } from '../seed';
import type { Directory } from './directory';
import { missingParam, type EntraErrorSpec } from './errors';
import { entraError } from './responses';

/** Authenticating the app that calls the token endpoint (client secret only). */

const KNOWN_CLIENTS = new Set<string>([SANDBOX_APP.clientId, SANDBOX_APP.botId]);

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** client_id and credential from the body or an HTTP Basic header (RFC 6749 §2.3.1). */
function clientCredentials(ctx: Ctx, form: URLSearchParams) {
  const basic = /^Basic (.+)$/i.exec(ctx.req.headers.authorization ?? '')?.[1];
  let basicId: string | undefined;
  let basicSecret: string | undefined;
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      basicId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      basicSecret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    }
  }
  const bodyId = form.get('client_id') ?? undefined;
  return {
    clientId: bodyId ?? basicId,
    mismatch: bodyId !== undefined && basicId !== undefined && bodyId !== basicId,
    secret: form.get('client_secret') ?? basicSecret,
    assertion: form.get('client_assertion') ?? undefined,
  };
}

/**
 * Authenticates the calling app and returns its client id, lower-cased; answers the error itself
 * and returns undefined on failure.
 */
export function authenticateClient(
  sb: Sandbox,
  ctx: Ctx,
  form: URLSearchParams,
  dir: Directory,
): string | undefined {
  const c = clientCredentials(ctx, form);
  const fail = (spec: EntraErrorSpec) => entraError(sb, ctx, spec, form);
  if (!c.clientId) return void fail(missingParam('client_id'));
  if (c.mismatch) {
    return void fail({
      status: 400,
      error: 'invalid_request',
      code: 9002313,
      message: 'Invalid request. Request is malformed or invalid.',
    });
  }
  ctx.meta.appId = c.clientId;
  // An app nobody in the tenant consented to has no service principal there, and Entra answers
  // AADSTS700016 "Application … was not found in the directory" (Entra error reference,
  // login.microsoftonline.com/error?code=700016; graph-contract §2.1 for the envelope).
  if (!KNOWN_CLIENTS.has(c.clientId.toLowerCase()) || dir.tenant?.adminConsented === false) {
    return void fail({
      status: 400,
      error: 'unauthorized_client',
      code: 700016,
      message:
        `Application with identifier '${c.clientId}' was not found in the directory ` +
        `'${dir.displayName}'. This can happen if the application has not been installed by the ` +
        'administrator of the tenant or consented to by any user in the tenant. You may have sent ' +
        'your authentication request to the wrong tenant.',
    });
  }
  if (c.assertion !== undefined) {
    return void fail({
      status: 401,
      error: 'invalid_client',
      code: 700027,
      message:
        'The certificate with identifier used to sign the client assertion is not registered on ' +
        'application. [Reason - The key was not found.]',
    });
  }
  if (!c.secret) {
    return void fail({
      status: 401,
      error: 'invalid_client',
      code: 7000218,
      message:
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    });
  }
  if (!sameSecret(c.secret, SANDBOX_APP.clientSecret)) {
    return void fail({
      status: 401,
      error: 'invalid_client',
      code: 7000215,
      message:
        'Invalid client secret provided. Ensure the secret being sent in the request is the client ' +
        `secret value, not the client secret ID, for a secret added to app '${c.clientId}'.`,
    });
  }
  return c.clientId.toLowerCase();
}
