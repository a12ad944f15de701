import { decodeJwt } from 'jose';
import { verifyEntraToken } from '../bearer';
import type { Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import { SANDBOX_APP, type SandboxTenant, type SandboxUser } from '../seed';
import {
  lifetimeClaims,
  nowS,
  pairwiseSubject,
  stsIssuer,
  userClaims,
  uti,
  v2Issuer,
} from './claims';
import { GRAPH_APP_ID, GRAPH_RESOURCE, type Directory } from './directory';
import {
  invalidGrant,
  invalidScope,
  missingParam,
  resourceNotFound,
  type EntraErrorSpec,
} from './errors';
import { entraError, sendToken } from './responses';
import { oneResource, resourceKind, splitScope } from './scopes';

/** Delegated Graph permissions every sandbox tenant granted our app (admin consent). */
const DELEGATED_GRAPH_SCOPES = ['User.Read'];
const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

/** A delegated Graph token (v1) for `user`, as the OBO exchange returns it. */
async function delegatedGraphToken(
  sb: Sandbox,
  tenant: SandboxTenant,
  user: SandboxUser,
  clientId: string,
  scp: string[],
): Promise<string> {
  return sb.keys.sign('entra', {
    aud: GRAPH_RESOURCE,
    iss: stsIssuer(tenant.tenantId),
    ...lifetimeClaims(nowS(sb)),
    acct: 0,
    acr: '1',
    amr: ['pwd'],
    app_displayname: SANDBOX_APP.displayName,
    appid: clientId,
    appidacr: '1',
    family_name: user.surname,
    given_name: user.givenName,
    idtyp: 'user',
    scp: scp.join(' '),
    sub: pairwiseSubject(user.id, GRAPH_APP_ID),
    tid: tenant.tenantId,
    unique_name: user.userPrincipalName,
    upn: user.userPrincipalName,
    uti: uti(),
    ver: '1.0',
    ...userClaims(user),
  });
}

/** An OpenID Connect id token for our app (returned with OBO when `openid` was asked for). */
async function idToken(sb: Sandbox, tenant: SandboxTenant, user: SandboxUser): Promise<string> {
  return sb.keys.sign('entra', {
    aud: SANDBOX_APP.clientId,
    iss: v2Issuer(sb, tenant.tenantId),
    ...lifetimeClaims(nowS(sb)),
    name: user.displayName,
    oid: user.id,
    preferred_username: user.userPrincipalName,
    sub: pairwiseSubject(user.id, SANDBOX_APP.clientId),
    tid: tenant.tenantId,
    uti: uti(),
    ver: '2.0',
  });
}

/** Verifies an OBO assertion: our signature, lifetime, audience = the caller, issued in this tenant. */
async function verifyAssertion(
  sb: Sandbox,
  assertion: string,
  tenant: SandboxTenant,
  clientId: string,
): Promise<{ user: SandboxUser } | EntraErrorSpec> {
  const checked = await verifyEntraToken(sb, assertion);
  if (!checked.ok) {
    if (checked.reason === 'malformed') {
      return {
        status: 400,
        error: 'invalid_request',
        code: 50027,
        message: 'JWT token is invalid or malformed.',
      };
    }
    if (checked.reason === 'expired') {
      return invalidGrant(
        500133,
        'Assertion is not within its valid time range. Ensure that the access token is not expired ' +
          'before using it for user assertion, or request a new token. Current time: ' +
          `${sb.clock.now().toISOString()}, expiry time of assertion ` +
          `${new Date(Number(decodeJwt(assertion).exp) * 1000).toISOString()}.`,
      );
    }
    return invalidGrant(
      50013,
      'Assertion failed signature validation. [Reason - The key was not found.]',
    );
  }
  const { claims } = checked;
  const aud = String(claims.aud ?? '');
  if (aud.toLowerCase() !== clientId && !aud.toLowerCase().endsWith(`/${clientId}`)) {
    return invalidGrant(
      50013,
      'Assertion audience does not match the Client app presenting the assertion. The audience in ' +
        `the assertion was '${aud}' and the expected audience is '${clientId}' or one of the ` +
        'Application Id URIs of this application.',
    );
  }
  const tid = String(claims.tid ?? '');
  const issuers = [v2Issuer(sb, tid), stsIssuer(tid)];
  if (tid !== tenant.tenantId || !issuers.includes(String(claims.iss))) {
    return invalidGrant(
      50013,
      'Assertion contains an invalid issuer or was issued for another tenant.',
    );
  }
  const user = tenant.users.find((u) => u.id === claims.oid);
  if (!user || typeof claims.scp !== 'string') {
    return invalidGrant(
      50034,
      `The user account {EUII Hidden} does not exist in the ${tid} directory.`,
    );
  }
  return { user };
}

/** The delegated permissions granted for `permissions`, or the first one nobody consented to. */
function grantedPermissions(permissions: string[]): { granted: string[] } | { missing: string } {
  const granted = permissions.includes('.default') ? [...DELEGATED_GRAPH_SCOPES] : [];
  for (const p of permissions.filter((x) => x !== '.default')) {
    const known = DELEGATED_GRAPH_SCOPES.find((d) => d.toLowerCase() === p.toLowerCase());
    if (!known) return { missing: p };
    if (!granted.includes(known)) granted.push(known);
  }
  return { granted };
}

/** The on-behalf-of grant (jwt-bearer): a tab SSO token exchanged for a delegated Graph token. */
export async function onBehalfOfGrant(
  sb: Sandbox,
  ctx: Ctx,
  form: URLSearchParams,
  dir: Directory,
  clientId: string,
): Promise<void> {
  const fail = (spec: EntraErrorSpec) => entraError(sb, ctx, spec, form);
  const assertion = form.get('assertion');
  if (!assertion) return fail(missingParam('assertion'));
  if (form.get('requested_token_use') !== 'on_behalf_of')
    return fail(missingParam('requested_token_use'));
  const scope = form.get('scope')?.trim();
  if (!scope) return fail(missingParam('scope'));
  if (!dir.tenant)
    return fail(invalidGrant(50034, 'The user account does not exist in the directory.'));
  const verified = await verifyAssertion(sb, assertion, dir.tenant, clientId);
  if (!('user' in verified)) return fail(verified);

  const requested = scope.split(/\s+/);
  const oidc = requested.filter((s) => OIDC_SCOPES.includes(s.toLowerCase()));
  const resourceScopes = requested.filter((s) => !OIDC_SCOPES.includes(s.toLowerCase()));
  const resource = oneResource(resourceScopes);
  if (resource === undefined) return fail(invalidScope(scope));
  if (resourceKind(resource) !== 'graph') return fail(resourceNotFound(resource, dir));
  const consent = grantedPermissions(resourceScopes.map((s) => splitScope(s).permission));
  if ('missing' in consent) {
    return fail({
      ...invalidGrant(
        65001,
        `The user or administrator has not consented to use the application with ID '${clientId}' ` +
          `named '${SANDBOX_APP.displayName}'. Send an interactive authorization request for this ` +
          'user and resource.',
      ),
      suberror: 'consent_required',
    });
  }
  const { granted } = consent;
  const { user } = verified;
  const scp = [...granted, ...oidc.filter((s) => s !== 'offline_access')];
  ctx.meta.userOid = user.id;
  sendToken(ctx, {
    scope: [...granted, ...oidc].join(' '),
    access_token: await delegatedGraphToken(sb, dir.tenant, user, clientId, scp),
    ...(oidc.includes('openid') ? { id_token: await idToken(sb, dir.tenant, user) } : {}),
    ...(form.get('client_info') === '1'
      ? {
          client_info: Buffer.from(
            JSON.stringify({ uid: user.id, utid: dir.tenant.tenantId }),
          ).toString('base64url'),
        }
      : {}),
  });
}
