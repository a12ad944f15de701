import { bearerToken, verifyEntraToken } from './bearer';
import { BOT_FRAMEWORK_ISSUER } from './entra';
import { sendJson, type Ctx } from './http';
import type { Sandbox } from './sandbox';
import { botRegistration } from './bot-registration';
import { connectorErrorBody, type ConnectorState } from './connector-store';

/** The audience of the tokens a bot gets for calling the Bot Connector. */
const CONNECTOR_AUDIENCE = BOT_FRAMEWORK_ISSUER;

/** Who called the connector: the bot's app id from the token, or nobody when auth is off. */
export interface ConnectorCaller {
  appId?: string;
}

function unauthorized(ctx: Ctx, message: string, code = 'Unauthorized'): undefined {
  sendJson(ctx, 401, connectorErrorBody(code, message), {
    'www-authenticate': 'Bearer realm="api.botframework.com"',
  });
  return undefined;
}

/**
 * Checks the bot's bearer token as the Bot Connector does (signature, lifetime, audience, the app
 * is the registered bot, and a single-tenant bot's token comes from its own tenant), unless the
 * connector runs without auth. Answers 401 itself and returns undefined when it may not proceed.
 */
export async function requireBot(
  sb: Sandbox,
  state: ConnectorState,
  ctx: Ctx,
): Promise<ConnectorCaller | undefined> {
  const token = bearerToken(ctx);
  if (!token) {
    if (!state.settings().requireAuth) return {};
    return unauthorized(ctx, 'Authorization has been denied for this request.');
  }
  // Entra issues these (client credentials for https://api.botframework.com/.default).
  const checked = await verifyEntraToken(sb, token);
  if (!checked.ok) {
    return unauthorized(
      ctx,
      checked.reason === 'expired'
        ? 'The token is expired.'
        : 'Authorization has been denied for this request.',
    );
  }
  const { claims } = checked;
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(CONNECTOR_AUDIENCE)) {
    return unauthorized(ctx, `The token's audience is not ${CONNECTOR_AUDIENCE}.`);
  }
  const appId = String(claims.appid ?? claims.azp ?? '');
  ctx.meta.appId = appId;
  const reg = botRegistration(sb);
  if (appId !== reg.appId) {
    // msteams-docs conversation-messages.md, status codes of the bot APIs.
    return unauthorized(ctx, 'No registration found for this bot.', 'BotNotRegistered');
  }
  // A single-tenant bot gets its tokens from its own tenant, not botframework.com
  // (botframework-connector MicrosoftAppCredentials: channelAuthTenant required for SingleTenant).
  if (reg.appType === 'SingleTenant' && claims.tid !== reg.tenantId) {
    return unauthorized(
      ctx,
      `Authorization has been denied for this request: the token was issued by tenant ${String(claims.tid)}, the single-tenant bot is registered in ${String(reg.tenantId)}.`,
    );
  }
  return { appId };
}
