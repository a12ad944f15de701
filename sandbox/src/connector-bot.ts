import { randomUUID } from 'node:crypto';
import { controlError } from './control';
import { jsonBody, sendJson, type Ctx } from './http';
import type { Sandbox } from './sandbox';
import { SANDBOX_APP } from './seed';
import { signChannelToken } from './entra';
import {
  teamsBotId,
  teamsUserId,
  type ConnectorConversation,
  type ConnectorState,
} from './connector-store';

interface SendBody {
  botEndpoint?: unknown;
  activity?: unknown;
  /** Defaults: the activity's tenant, else the first seeded tenant. */
  tenantId?: unknown;
  /** Defaults: the activity's `from.aadObjectId`, else the tenant's first staff member. */
  userOid?: unknown;
  /** The bot's app id (token audience); defaults to the sandbox app. */
  botAppId?: unknown;
}

const BOT_TIMEOUT_MS = 30_000;

type Json = Record<string, unknown>;

const asObject = (v: unknown): Json =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
const asString = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

function conversationTypeOf(id: string, given: unknown): ConnectorConversation['conversationType'] {
  if (given === 'personal' || given === 'groupChat' || given === 'channel') return given;
  if (id.endsWith('@thread.tacv2') || id.endsWith('@thread.skype')) return 'channel';
  return id.startsWith('19:') ? 'groupChat' : 'personal';
}

/**
 * `POST /_sandbox/bot/send {botEndpoint, activity}`: plays the Teams channel. Completes the activity
 * (ids, serviceUrl, tenant, timestamp), records it, signs a channel token and POSTs it to the bot;
 * answers the bot's status and body (invoke responses come back there).
 */
export async function sendToBot(sb: Sandbox, state: ConnectorState, ctx: Ctx): Promise<void> {
  const body = jsonBody<SendBody>(ctx);
  if (!body) return;
  const endpoint = asString(body.botEndpoint);
  if (!endpoint || !/^https?:\/\//.test(endpoint)) {
    return controlError(
      ctx,
      400,
      'botEndpoint must be the bot URL, e.g. http://127.0.0.1:3978/api/messages',
    );
  }
  if (body.activity === undefined || typeof body.activity !== 'object' || !body.activity) {
    return controlError(ctx, 400, 'activity must be a Bot Framework activity object');
  }
  const input = asObject(body.activity);
  const inConv = asObject(input.conversation);
  const inChannelData = asObject(input.channelData);
  const inFrom = asObject(input.from);
  const tenantId =
    asString(inConv.tenantId) ??
    asString(asObject(inChannelData.tenant).id) ??
    asString(body.tenantId) ??
    sb.tenants()[0]?.tenantId;
  const tenant = tenantId ? sb.tenant(tenantId) : undefined;
  if (!tenant)
    return controlError(ctx, 400, `no sandbox tenant ${tenantId}; see GET /_sandbox/info`);
  const userOid = asString(inFrom.aadObjectId) ?? asString(body.userOid) ?? tenant.staffOids[0];
  const user = tenant.users.find((u) => u.id === userOid);
  if (!user) {
    return controlError(ctx, 400, `no user ${userOid} in tenant ${tenant.tenantId}`);
  }
  const botAppId = asString(body.botAppId) ?? SANDBOX_APP.botId;

  const conversation = findOrCreateConversation(state, tenant.tenantId, user.id, inConv);
  const serviceUrl = `${sb.baseUrl}/connector/`;
  const now = sb.clock.now().toISOString();
  const activity: Json = {
    type: 'message',
    locale: 'en-US',
    textFormat: 'plain',
    ...input,
    id: asString(input.id) ?? randomUUID(),
    timestamp: now,
    localTimestamp: now,
    serviceUrl,
    channelId: 'msteams',
    from: {
      id: teamsUserId(tenant.tenantId, user.id),
      name: user.displayName,
      aadObjectId: user.id,
      ...inFrom,
    },
    recipient: {
      id: teamsBotId(botAppId),
      name: SANDBOX_APP.displayName,
      ...asObject(input.recipient),
    },
    conversation: {
      ...inConv,
      id: conversation.id,
      conversationType: conversation.conversationType,
      tenantId: tenant.tenantId,
      ...(conversation.isGroup ? { isGroup: true } : {}),
    },
    channelData: { ...inChannelData, tenant: { id: tenant.tenantId } },
  };
  state.addActivity(conversation.id, 'toBot', { op: 'toBot', activity }, activity.id as string);

  // Wall-clock stamped: the bot checks lifetimes with its own clock, not the sandbox's.
  const token = await signChannelToken(sb, { serviceUrl, audience: botAppId, now: new Date() });
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(activity),
      signal: AbortSignal.timeout(BOT_TIMEOUT_MS),
    });
  } catch (err) {
    return controlError(ctx, 502, `the bot at ${endpoint} did not answer: ${String(err)}`);
  }
  const text = await res.text();
  let answer: unknown = text;
  try {
    answer = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  sendJson(ctx, 200, { status: res.status, body: answer, activity });
}

function findOrCreateConversation(
  state: ConnectorState,
  tenantId: string,
  userOid: string,
  inConv: Json,
): ConnectorConversation {
  const id = asString(inConv.id);
  if (id) {
    const known = state.conversation(id);
    if (known) return known;
    const type = conversationTypeOf(id, inConv.conversationType);
    return state.createConversation({
      id,
      tenantId,
      conversationType: type,
      isGroup: type !== 'personal',
      ...(type === 'personal' ? { userOid } : {}),
      createdBy: 'sandbox',
    });
  }
  return (
    state.personalConversation(tenantId, userOid) ??
    state.createConversation({
      tenantId,
      conversationType: 'personal',
      isGroup: false,
      userOid,
      createdBy: 'sandbox',
    })
  );
}
