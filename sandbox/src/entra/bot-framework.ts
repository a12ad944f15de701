import { sendJson } from '../http';
import type { Sandbox } from '../sandbox';
import { BACKDATE_S } from './claims';
import { BOT_FRAMEWORK_ISSUER } from './directory';

/**
 * Signs a Bot Framework channel→bot token, as the Bot Connector sends on `POST /api/messages`:
 * iss `https://api.botframework.com`, aud = the bot's app id, `serviceurl` = the activity's
 * serviceUrl; signed with the Bot Framework key set (whose keys are endorsed for `msteams`).
 * `now` defaults to the sandbox clock; botbuilder checks lifetimes against the real clock with
 * five minutes of tolerance, so pass `new Date()` when the sandbox clock was moved far ahead.
 */
export async function signChannelToken(
  sb: Sandbox,
  options: { serviceUrl: string; audience: string; lifetimeSeconds?: number; now?: Date },
): Promise<string> {
  const now = Math.floor((options.now ?? sb.clock.now()).getTime() / 1000);
  return sb.keys.sign('botframework', {
    serviceurl: options.serviceUrl,
    nbf: now - BACKDATE_S,
    exp: now + (options.lifetimeSeconds ?? 3600),
    iss: BOT_FRAMEWORK_ISSUER,
    aud: options.audience,
  });
}

/** Bot Framework's token service: the OpenID document and keys bots verify channel tokens with. */
export function registerBotFramework(sb: Sandbox): void {
  const r = sb.router;
  r.on('GET', '/botframework/v1/.well-known/openidconfiguration', (ctx) =>
    sendJson(ctx, 200, {
      issuer: BOT_FRAMEWORK_ISSUER,
      authorization_endpoint: 'https://invalid.botframework.com',
      jwks_uri: `${sb.baseUrl}/botframework/v1/.well-known/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
    }),
  );
  r.on('GET', '/botframework/v1/.well-known/keys', async (ctx) =>
    sendJson(ctx, 200, await sb.keys.jwks('botframework')),
  );
}
