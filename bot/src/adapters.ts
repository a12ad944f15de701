import https from 'node:https';
import tls from 'node:tls';
import {
  CallerIdConstants,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type TurnContext,
} from 'botbuilder';
import { AuthenticationConstants } from 'botframework-connector';
import type { Logger } from '../../api/src/log/logger';
import type { Agent } from 'undici';
import { connectorHttpClient } from './connector-http';
import { ConnectorCredentialsFactory, type ConnectorTokens } from './credentials';

export interface BotSettings {
  appId: string;
  appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  tenantId?: string;
  /** Where channel tokens' signing keys are found (Bot Framework's, or the sandbox's). */
  openIdMetadataUrl?: string;
  /** Where Connector tokens come from (`https://login.microsoftonline.com` or the sandbox). */
  authorityHost: string;
  /** Connector tokens for a bot with a password; absent for a managed identity (botbuilder's own). */
  tokens?: ConnectorTokens;
  /** The sandbox CA (sandbox mode): trusted for the channel key discovery. */
  extraCa?: string;
  /** Sends Connector calls (an undici agent that trusts the sandbox CA in sandbox mode). */
  connectorAgent?: Agent;
  acceptUnsigned: boolean;
}

export interface BotAdapters {
  /** Verifies every request's channel token (JWT) before the bot sees it. */
  signed: CloudAdapter;
  /** No token check; only for loopback requests without a token (the Agents Playground). */
  unsigned: CloudAdapter | null;
  appId: string;
}

/**
 * botbuilder fetches the channel's OpenID metadata with Node's global https agent and no way to
 * pass another: in sandbox mode that agent must also trust the sandbox's CA.
 */
function trustGlobally(ca: string): void {
  const current = https.globalAgent.options.ca;
  const list = Array.isArray(current) ? current : current ? [current] : [...tls.rootCertificates];
  if (!list.includes(ca)) https.globalAgent.options.ca = [...list, ca];
}

/** The adapters the bot runs on; refuses a configuration that would turn the JWT check off. */
export function createAdapters(
  s: BotSettings,
  onError: (ctx: TurnContext, err: unknown) => Promise<void>,
): BotAdapters {
  if (!s.appId) throw new Error('the bot needs its app id: without one botbuilder checks no token');
  if (s.extraCa) trustGlobally(s.extraCa);
  const tenant = s.appType === 'SingleTenant' && s.tenantId ? s.tenantId : 'botframework.com';
  const auth = new ConfigurationBotFrameworkAuthentication(
    {
      MicrosoftAppId: s.appId,
      MicrosoftAppType: s.appType,
      MicrosoftAppTenantId: s.tenantId,
      // Naming one endpoint makes botbuilder take every one from here: all are spelled out.
      ValidateAuthority: true,
      ToChannelFromBotLoginUrl: `${s.authorityHost}/${tenant}`,
      ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
      ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
      OAuthUrl: AuthenticationConstants.OAuthUrl,
      ToBotFromChannelOpenIdMetadataUrl:
        s.openIdMetadataUrl ?? AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
      ToBotFromEmulatorOpenIdMetadataUrl:
        AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
      CallerId: CallerIdConstants.PublicAzureChannel,
    },
    s.tokens ? new ConnectorCredentialsFactory(s.appId, tenant, s.tokens) : undefined,
    undefined,
    undefined,
    s.connectorAgent ? { httpClient: connectorHttpClient(s.connectorAgent) as never } : undefined,
  );
  const signed = new CloudAdapter(auth);
  signed.onTurnError = onError;
  let unsigned: CloudAdapter | null = null;
  if (s.acceptUnsigned) {
    // An empty app id is botbuilder's "no authentication": reachable only through the loopback check.
    unsigned = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
    unsigned.onTurnError = onError;
  }
  return { signed, unsigned, appId: s.appId };
}

/** A turn error: logged with its correlation id; the person gets one short sentence, never details. */
export function turnErrorHandler(log: Logger) {
  return async (ctx: TurnContext, err: unknown) => {
    log.error(
      { err, correlationId: ctx.activity?.id, type: ctx.activity?.type },
      'bot turn failed',
    );
    if (ctx.activity?.type === 'message') {
      await ctx
        .sendActivity('Sorry, something went wrong on my side. Please try again in a moment.')
        .catch(() => undefined);
    }
  };
}

export const isLoopbackAddress = (address: string | undefined) =>
  !!address &&
  (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));

export type { Logger };
