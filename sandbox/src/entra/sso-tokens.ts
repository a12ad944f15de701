import { controlError } from '../control';
import { jsonBody, sendJson } from '../http';
import type { Sandbox } from '../sandbox';
import { SANDBOX_APP, type SandboxTenant, type SandboxUser } from '../seed';
import { lifetimeClaims, nowS, pairwiseSubject, userClaims, uti, v2Issuer } from './claims';
import { SSO_SCOPE, TEAMS_WEB_CLIENT_ID } from './directory';

/**
 * A Teams SSO token for our API (what `authentication.getAuthToken()` hands the tab): Entra v2,
 * audience = our client id, scope `access_as_user`, issued to the Teams web client.
 */
export async function issueUserSsoToken(
  sb: Sandbox,
  tenant: SandboxTenant,
  user: SandboxUser,
  lifetimeSeconds = 3600,
): Promise<{ token: string; expiresOn: Date }> {
  const lifetime = lifetimeClaims(nowS(sb), lifetimeSeconds);
  const token = await sb.keys.sign('entra', {
    aud: SANDBOX_APP.clientId,
    iss: v2Issuer(sb, tenant.tenantId),
    ...lifetime,
    azp: TEAMS_WEB_CLIENT_ID,
    azpacr: '0',
    preferred_username: user.userPrincipalName,
    scp: SSO_SCOPE,
    sub: pairwiseSubject(user.id, SANDBOX_APP.clientId),
    tid: tenant.tenantId,
    uti: uti(),
    ver: '2.0',
    ...userClaims(user),
  });
  return { token, expiresOn: new Date(lifetime.exp * 1000) };
}

/** Control API: `POST /_sandbox/tokens/user` mints the SSO token a tab would get for a user. */
export function registerSsoTokens(sb: Sandbox): void {
  sb.router.on('POST', '/_sandbox/tokens/user', async (ctx) => {
    const body = jsonBody<{
      tenantId?: unknown;
      userOid?: unknown;
      upn?: unknown;
      lifetimeSeconds?: unknown;
    }>(ctx);
    if (!body) return;
    if (typeof body.tenantId !== 'string')
      return controlError(
        ctx,
        400,
        'tenantId (the Entra tenant id of a sandbox tenant) is required',
      );
    const tenant = sb.tenant(body.tenantId);
    if (!tenant)
      return controlError(ctx, 404, `no sandbox tenant ${body.tenantId}; see GET /_sandbox/info`);
    if (typeof body.userOid !== 'string' && typeof body.upn !== 'string')
      return controlError(ctx, 400, 'give userOid (object id) or upn of a user of that tenant');
    const lifetime = body.lifetimeSeconds ?? 3600;
    if (
      typeof lifetime !== 'number' ||
      !Number.isInteger(lifetime) ||
      lifetime < 1 ||
      lifetime > 86_400
    )
      return controlError(ctx, 400, 'lifetimeSeconds must be an integer from 1 to 86400');
    const user =
      typeof body.userOid === 'string'
        ? tenant.users.find((u) => u.id === String(body.userOid).toLowerCase())
        : tenant.users.find(
            (u) => u.userPrincipalName.toLowerCase() === String(body.upn).toLowerCase(),
          );
    if (!user) {
      const who =
        typeof body.userOid === 'string' ? `object id ${body.userOid}` : `UPN ${String(body.upn)}`;
      return controlError(
        ctx,
        404,
        `no user with ${who} in tenant ${tenant.displayName} (${tenant.tenantId})`,
      );
    }
    const { token, expiresOn } = await issueUserSsoToken(sb, tenant, user, lifetime);
    sendJson(ctx, 200, { token, expiresOn: expiresOn.toISOString() });
  });
}
