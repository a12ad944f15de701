import type { Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import { authenticateClient } from './client-auth';
import { clientCredentialsGrant } from './client-credentials';
import { resolveDirectory } from './directory';
import { missingParam, tenantNotFound, type EntraErrorSpec } from './errors';
import { onBehalfOfGrant } from './on-behalf-of';
import { entraError } from './responses';

const GRANT_CLIENT_CREDENTIALS = 'client_credentials';
const GRANT_JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

function readForm(ctx: Ctx): URLSearchParams {
  const type = String(ctx.req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams();
  return new URLSearchParams(ctx.body.toString('utf8'));
}

/** `POST /{tenant}/oauth2/v2.0/token`: checks tenant, grant and client, then runs the grant. */
async function tokenEndpoint(sb: Sandbox, ctx: Ctx): Promise<void> {
  const form = readForm(ctx);
  const fail = (spec: EntraErrorSpec) => entraError(sb, ctx, spec, form);
  const dir = resolveDirectory(sb, ctx.params.tenant);
  if (!dir) return fail(tenantNotFound(ctx.params.tenant));
  const grant = form.get('grant_type');
  if (!grant) return fail(missingParam('grant_type'));
  ctx.meta.grant = grant;
  if (grant !== GRANT_CLIENT_CREDENTIALS && grant !== GRANT_JWT_BEARER) {
    return fail({
      status: 400,
      error: 'unsupported_grant_type',
      code: 70003,
      message: `The app requested an unsupported grant type '${grant}'.`,
    });
  }
  if (dir === 'common') {
    return fail({
      status: 400,
      error: 'invalid_request',
      code: 90010,
      message:
        'The grant type is not supported over the /common or /consumers endpoints. Please use the ' +
        '/organizations or tenant-specific endpoint.',
    });
  }
  if (dir === 'organizations') {
    return fail({
      status: 400,
      error: 'invalid_request',
      code: 50059,
      message:
        'No tenant-identifying information found in either the request or implied by any provided credentials.',
    });
  }
  ctx.meta.tenantId = dir.tenantId;
  const clientId = authenticateClient(sb, ctx, form, dir);
  if (!clientId) return;
  if (grant === GRANT_CLIENT_CREDENTIALS)
    return clientCredentialsGrant(sb, ctx, form, dir, clientId);
  return onBehalfOfGrant(sb, ctx, form, dir, clientId);
}

export function registerTokenEndpoint(sb: Sandbox): void {
  sb.router.on('POST', '/:tenant/oauth2/v2.0/token', (ctx) => tokenEndpoint(sb, ctx));
}
