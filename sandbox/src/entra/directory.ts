import type { Sandbox } from '../sandbox';
import type { SandboxTenant } from '../seed';

/** Bot Framework's own directory (`botframework.com`): multi-tenant bots get Connector tokens there. */
export const BOT_FRAMEWORK_TENANT_ID = 'd6d49420-f39b-4df7-a1dc-d59a935871db';
/** Issuer of channel→bot tokens and audience of bot→Connector tokens. */
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** Teams web client: the `azp` of tab SSO tokens. */
export const TEAMS_WEB_CLIENT_ID = '5e3ce6c0-2b1f-4285-8d4b-75ee78787346';
export const SSO_SCOPE = 'access_as_user';

/** A directory tokens can be issued in: a seeded tenant, or Bot Framework's (no users, no Graph). */
export interface Directory {
  tenantId: string;
  displayName: string;
  tenant?: SandboxTenant;
}

/** The `{tenant}` path segment: a directory, one of the multi-tenant aliases, or unknown. */
export type Resolved = Directory | 'common' | 'organizations' | undefined;

export function resolveDirectory(sb: Sandbox, segment: string): Resolved {
  const key = segment.toLowerCase();
  if (key === 'common' || key === 'organizations') return key;
  if (key === 'botframework' || key === 'botframework.com' || key === BOT_FRAMEWORK_TENANT_ID) {
    return { tenantId: BOT_FRAMEWORK_TENANT_ID, displayName: 'Bot Framework' };
  }
  const tenant = sb.tenants().find((t) => t.tenantId === key || t.domain.toLowerCase() === key);
  return tenant
    ? { tenantId: tenant.tenantId, displayName: tenant.displayName, tenant }
    : undefined;
}
