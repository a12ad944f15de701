import { controlError } from './control';
import { jsonBody, sendJson } from './http';
import type { Sandbox } from './sandbox';
import { SANDBOX_APP } from './seed';

/**
 * The Azure Bot resource: where the Bot Connector delivers activities (the messaging endpoint) and
 * which app it accepts tokens from. Kept in the store, so it survives a restart and a reset clears it.
 * Another app id → 401 `BotNotRegistered` (msteams-docs "conversation-messages" status codes); a
 * single-tenant bot's token must come from its own tenant (Bot Connector authentication docs;
 * botframework-connector MicrosoftAppCredentials, `channelAuthTenant`).
 */
export interface BotRegistration {
  /** Null until one is registered: nothing can be delivered to the bot then. */
  messagingEndpoint: string | null;
  appId: string;
  appType: 'MultiTenant' | 'SingleTenant';
  /** The tenant a single-tenant bot lives in (its tokens must come from there). */
  tenantId?: string;
}

const COLLECTION = 'botRegistration';
const KEY = 'registration';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The registration, or the default (the sandbox app, multi-tenant, no endpoint yet). */
export function botRegistration(sb: Sandbox): BotRegistration {
  return (
    sb.store.collection<BotRegistration>(COLLECTION).get(KEY) ?? {
      messagingEndpoint: null,
      appId: SANDBOX_APP.botId,
      appType: 'MultiTenant',
    }
  );
}

/** Where and as whom the sandbox (playing Teams) sends to the bot; a string says why it cannot. */
export function botTarget(
  sb: Sandbox,
  override: { endpoint?: string; appId?: string } = {},
): { endpoint: string; appId: string } | string {
  const reg = botRegistration(sb);
  const endpoint = override.endpoint ?? reg.messagingEndpoint;
  if (!endpoint) {
    return 'no bot is registered: POST /_sandbox/bot/registration { "messagingEndpoint": "http://127.0.0.1:3978/api/messages" } first';
  }
  return { endpoint, appId: override.appId ?? reg.appId };
}

interface RegistrationBody {
  messagingEndpoint?: unknown;
  appId?: unknown;
  appType?: unknown;
  tenantId?: unknown;
}

/** Validates a registration body; a string says what is wrong. */
function parse(sb: Sandbox, b: RegistrationBody): BotRegistration | string {
  const endpoint = b.messagingEndpoint;
  if (typeof endpoint !== 'string' || !/^https?:\/\/[^/]+\/.*$/.test(endpoint)) {
    return 'messagingEndpoint must be the bot URL, e.g. http://127.0.0.1:3978/api/messages';
  }
  if (b.appId !== undefined && !(typeof b.appId === 'string' && GUID.test(b.appId))) {
    return 'appId must be a GUID (the bot’s Microsoft App ID)';
  }
  const appType = b.appType ?? 'MultiTenant';
  if (appType !== 'MultiTenant' && appType !== 'SingleTenant') {
    return 'appType must be MultiTenant or SingleTenant (user-assigned managed identities are not modelled)';
  }
  if (b.tenantId !== undefined && !(typeof b.tenantId === 'string' && GUID.test(b.tenantId))) {
    return 'tenantId must be a GUID';
  }
  if (appType === 'SingleTenant') {
    if (typeof b.tenantId !== 'string') return 'a SingleTenant bot needs its tenantId';
    if (!sb.tenant(b.tenantId)) {
      return `tenantId must be a sandbox tenant; see GET /_sandbox/info`;
    }
  }
  return {
    messagingEndpoint: endpoint,
    appId: typeof b.appId === 'string' ? b.appId.toLowerCase() : SANDBOX_APP.botId,
    appType,
    ...(appType === 'SingleTenant' ? { tenantId: (b.tenantId as string).toLowerCase() } : {}),
  };
}

/** `GET` / `POST /_sandbox/bot/registration`. */
export function registerBotRegistration(sb: Sandbox): void {
  sb.router.on('GET', '/_sandbox/bot/registration', (ctx) =>
    sendJson(ctx, 200, botRegistration(sb)),
  );
  sb.router.on('POST', '/_sandbox/bot/registration', (ctx) => {
    const body = jsonBody<RegistrationBody>(ctx);
    if (!body) return;
    const reg = parse(sb, body);
    if (typeof reg === 'string') return controlError(ctx, 400, reg);
    sb.store.collection<BotRegistration>(COLLECTION).set(KEY, reg);
    sb.store.changed();
    sendJson(ctx, 200, reg);
  });
}
