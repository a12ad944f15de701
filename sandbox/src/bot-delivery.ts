import { randomUUID } from 'node:crypto';
import type { Sandbox } from './sandbox';
import { SANDBOX_APP, type SandboxUser } from './seed';
import { signChannelToken } from './entra';
import {
  teamsBotId,
  teamsUserId,
  type ConnectorConversation,
  type ConnectorState,
} from './connector-store';

type Json = Record<string, unknown>;

/** How long the sandbox waits for the bot to answer an activity that is not a card action. */
export const BOT_TIMEOUT_MS = 30_000;

/** What happened when the sandbox (playing Teams) POSTed one activity to the bot. */
export interface Delivery {
  type: string;
  name?: string;
  /** The bot's HTTP status; null when it did not answer. */
  status: number | null;
  body: unknown;
  durationMs: number;
  /** Why there is no status: `timeout` or `unreachable: …`. */
  error?: string;
}

/** The serviceUrl of every activity: the sandbox's Bot Connector. */
export function serviceUrlOf(sb: Sandbox): string {
  return `${sb.baseUrl}/connector/`;
}

/** A user as Teams puts them in `from` (MRI, name, object id). */
export function userAccount(tenantId: string, user: SandboxUser): Json {
  return { id: teamsUserId(tenantId, user.id), name: user.displayName, aadObjectId: user.id };
}

/** The bot as Teams puts it in `recipient`. */
export function botAccount(appId: string): Json {
  return { id: teamsBotId(appId), name: SANDBOX_APP.displayName };
}

/** `conversation` as Teams sends it for a chat. */
export function conversationAccount(conv: ConnectorConversation): Json {
  return {
    ...(conv.isGroup ? { isGroup: true } : {}),
    conversationType: conv.conversationType,
    tenantId: conv.tenantId,
    id: conv.id,
  };
}

/**
 * The envelope of an activity Teams itself raises (install, conversation and meeting events, card
 * actions): `f:`-prefixed id, the connector serviceUrl, the tenant in `channelData`.
 */
export function teamsEnvelope(
  sb: Sandbox,
  conv: ConnectorConversation,
  from: Json,
  appId: string,
): Json {
  return {
    id: `f:${randomUUID()}`,
    timestamp: sb.clock.now().toISOString(),
    serviceUrl: serviceUrlOf(sb),
    channelId: 'msteams',
    from,
    recipient: botAccount(appId),
    conversation: conversationAccount(conv),
    channelData: { tenant: { id: conv.tenantId } },
    locale: 'en-US',
  };
}

/**
 * POSTs an activity to the bot with a channel token (iss api.botframework.com, aud = the app id,
 * serviceurl = the activity's), as the Bot Connector does; never throws.
 */
export async function deliverToBot(
  sb: Sandbox,
  activity: Json,
  target: { endpoint: string; appId: string; timeoutMs?: number },
): Promise<Delivery> {
  // Wall-clock stamped: the bot checks lifetimes with its own clock, not the sandbox's.
  const token = await signChannelToken(sb, {
    serviceUrl: String(activity.serviceUrl),
    audience: target.appId,
    now: new Date(),
  });
  const started = Date.now();
  const base = {
    type: String(activity.type),
    ...(typeof activity.name === 'string' ? { name: activity.name } : {}),
  };
  let res: Response;
  try {
    res = await fetch(target.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(activity),
      signal: AbortSignal.timeout(target.timeoutMs ?? BOT_TIMEOUT_MS),
    });
  } catch (err) {
    const timedOut = (err as { name?: string }).name === 'TimeoutError';
    return {
      ...base,
      status: null,
      body: null,
      durationMs: Date.now() - started,
      error: timedOut ? 'timeout' : `unreachable: ${String(err)}`,
    };
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    const timedOut = (err as { name?: string }).name === 'TimeoutError';
    const error = timedOut ? 'timeout' : `unreachable: ${String(err)}`;
    return { ...base, status: null, body: null, durationMs: Date.now() - started, error };
  }
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { ...base, status: res.status, body, durationMs: Date.now() - started };
}

/** Records an activity as sent to the bot in its conversation, then delivers it. */
export async function recordAndDeliver(
  sb: Sandbox,
  state: ConnectorState,
  activity: Json,
  target: { endpoint: string; appId: string; timeoutMs?: number },
): Promise<Delivery> {
  const conversationId = String((activity.conversation as Json).id);
  state.addActivity(conversationId, 'toBot', { op: 'toBot', activity }, String(activity.id));
  return deliverToBot(sb, activity, target);
}
