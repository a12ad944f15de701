import type { Sandbox } from '../sandbox';
import { registerBotFramework } from './bot-framework';
import { registerDiscovery } from './discovery';
import { registerSsoTokens } from './sso-tokens';
import { registerTokenEndpoint } from './token-endpoint';

export { signChannelToken } from './bot-framework';
export {
  BOT_FRAMEWORK_ISSUER,
  BOT_FRAMEWORK_TENANT_ID,
  GRAPH_APP_ID,
  GRAPH_RESOURCE,
  SSO_SCOPE,
  TEAMS_WEB_CLIENT_ID,
} from './directory';
export { issueUserSsoToken } from './sso-tokens';

/** Entra ID (authority = the sandbox base URL), tab SSO tokens, and Bot Framework's token service. */
export function register(sb: Sandbox): void {
  registerDiscovery(sb);
  registerTokenEndpoint(sb);
  registerBotFramework(sb);
  registerSsoTokens(sb);
}
