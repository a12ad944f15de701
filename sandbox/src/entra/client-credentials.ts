import type { Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import { SANDBOX_APP } from '../seed';
import { lifetimeClaims, nowS, stableGuid, stsIssuer, uti } from './claims';
import { BOT_FRAMEWORK_ISSUER, GRAPH_APP_ID, GRAPH_RESOURCE, type Directory } from './directory';
import { invalidScope, missingParam, resourceNotFound, type EntraErrorSpec } from './errors';
import { entraError, sendToken } from './responses';
import { oneResource, resourceKind } from './scopes';

/** An Entra v1 app-only access token (client credentials) for `audience` in `dir`. */
async function appToken(
  sb: Sandbox,
  dir: Directory,
  clientId: string,
  audience: string,
  roles: string[],
): Promise<string> {
  const sp = stableGuid('service-principal', dir.tenantId, clientId);
  return sb.keys.sign('entra', {
    aud: audience,
    iss: stsIssuer(dir.tenantId),
    ...lifetimeClaims(nowS(sb)),
    app_displayname: SANDBOX_APP.displayName,
    appid: clientId,
    appidacr: '1',
    idp: stsIssuer(dir.tenantId),
    idtyp: 'app',
    oid: sp,
    ...(roles.length > 0 ? { roles } : {}),
    sub: sp,
    tid: dir.tenantId,
    uti: uti(),
    ver: '1.0',
  });
}

/** The client credentials grant: an app token for Graph (with the tenant's consented roles) or the Bot Connector. */
export async function clientCredentialsGrant(
  sb: Sandbox,
  ctx: Ctx,
  form: URLSearchParams,
  dir: Directory,
  clientId: string,
): Promise<void> {
  const fail = (spec: EntraErrorSpec) => entraError(sb, ctx, spec, form);
  const scope = form.get('scope')?.trim();
  if (!scope) return fail(missingParam('scope'));
  const scopes = scope.split(/\s+/);
  const notDefault = scopes.find((s) => !s.toLowerCase().endsWith('/.default'));
  if (notDefault) {
    return fail({
      status: 400,
      error: 'invalid_scope',
      code: 1002012,
      message:
        `The provided value for scope ${notDefault} is not valid. Client credential flows must have ` +
        'a scope value with /.default suffixed to the resource identifier (application ID URI).',
    });
  }
  const resource = oneResource(scopes);
  if (resource === undefined) return fail(invalidScope(scope));
  const kind = resourceKind(resource);
  if (!kind || (kind === 'graph' && !dir.tenant)) return fail(resourceNotFound(resource, dir));
  const audience =
    kind === 'botframework'
      ? BOT_FRAMEWORK_ISSUER
      : resource.toLowerCase() === GRAPH_APP_ID
        ? GRAPH_APP_ID
        : GRAPH_RESOURCE;
  const roles = kind === 'graph' && dir.tenant ? [...dir.tenant.consentedRoles] : [];
  const accessToken = await appToken(sb, dir, clientId, audience, roles);
  sendToken(ctx, { access_token: accessToken });
}
