import { bearerToken, verifyEntraToken } from '../bearer';
import { graphError, type Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import type { SandboxTenant } from '../seed';

export const GRAPH_AUDIENCES = [
  'https://graph.microsoft.com',
  '00000003-0000-0000-c000-000000000000',
];

/** Who called Graph: an app (client credentials) in one tenant, with its consented roles. */
export interface AppPrincipal {
  tenant: SandboxTenant;
  appId: string;
  roles: string[];
}

export interface RequireAppOptions {
  /** The call needs at least one of these application roles. */
  anyRole: string[];
  /** How this workload words a missing permission (Exchange and Teams differ). */
  forbidden?: { code: string; message: string };
}

const DEFAULT_FORBIDDEN = {
  code: 'Authorization_RequestDenied',
  message: 'Insufficient privileges to complete the operation.',
};

/** Graph's wording for each reason a bearer token is refused. */
const REFUSED_TOKEN = {
  malformed: 'IDX14100: JWT is not well formed, there are no dots (.).',
  expired: 'Lifetime validation failed, the token is expired.',
  invalid: 'Access token validation failure. Invalid signature.',
};

function unauthorized(ctx: Ctx, sb: Sandbox, message: string): undefined {
  graphError(ctx, 401, 'InvalidAuthenticationToken', message, {
    now: sb.clock.now(),
    headers: {
      'www-authenticate':
        'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
    },
  });
  return undefined;
}

/**
 * Verifies the bearer token as Graph does (signature, lifetime, audience, tenant) and checks roles.
 * Answers 401/403 itself and returns undefined when the call may not proceed.
 */
export async function requireApp(
  sb: Sandbox,
  ctx: Ctx,
  options: RequireAppOptions,
): Promise<AppPrincipal | undefined> {
  const token = bearerToken(ctx);
  if (!token) return unauthorized(ctx, sb, 'Access token is empty.');
  const checked = await verifyEntraToken(sb, token);
  if (!checked.ok) {
    return unauthorized(ctx, sb, REFUSED_TOKEN[checked.reason]);
  }
  const { claims } = checked;
  if (!GRAPH_AUDIENCES.includes(String(claims.aud))) {
    return unauthorized(ctx, sb, 'Access token validation failure. Invalid audience.');
  }
  const tenant = sb.tenant(String(claims.tid ?? ''));
  if (!tenant) return unauthorized(ctx, sb, 'Access token validation failure. Invalid tenant.');
  const roles = Array.isArray(claims.roles) ? claims.roles.map(String) : [];
  const appId = String(claims.appid ?? claims.azp ?? '');
  ctx.meta.tenantId = tenant.tenantId;
  ctx.meta.appId = appId;
  if (!options.anyRole.some((r) => roles.includes(r))) {
    const f = options.forbidden ?? DEFAULT_FORBIDDEN;
    graphError(ctx, 403, f.code, f.message, { now: sb.clock.now() });
    return undefined;
  }
  return { tenant, appId, roles };
}
