import { randomUUID } from 'node:crypto';
import { controlError } from './control';
import { jsonBody, sendJson, type Ctx } from './http';
import type { Sandbox } from './sandbox';
import { SANDBOX_APP } from './seed';
import { botTarget } from './bot-registration';
import { deliverToBot, serviceUrlOf, type Delivery } from './bot-delivery';
import { installBot } from './connector-install';
import {
  isInstalled,
  teamsBotId,
  teamsUserId,
  type ConnectorConversation,
  type ConnectorState,
} from './connector-store';

interface SendBody {
  /** Defaults to the registration's messaging endpoint. */
  botEndpoint?: unknown;
  activity?: unknown;
  /** Defaults: the activity's tenant, else the first seeded tenant. */
  tenantId?: unknown;
  /** Defaults: the activity's `from.aadObjectId`, else the tenant's first staff member. */
  userOid?: unknown;
  /** The bot's app id (token audience); defaults to the registration's. */
  botAppId?: unknown;
}

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
 * `POST /_sandbox/bot/send {botEndpoint?, activity}`: plays the Teams channel. Completes the activity
 * (ids, serviceUrl, tenant, timestamp), records it, signs a channel token and POSTs it to the bot;
 * answers the bot's status and body (invoke responses come back there). A user's first message in
 * the app's 1:1 chat installs the app first, as Teams does when the user opens that chat.
 */
export async function sendToBot(sb: Sandbox, state: ConnectorState, ctx: Ctx): Promise<void> {
  const body = jsonBody<SendBody>(ctx);
  if (!body) return;
  const given = asString(body.botEndpoint);
  if (body.botEndpoint !== undefined && (!given || !/^https?:\/\//.test(given))) {
    return controlError(
      ctx,
      400,
      'botEndpoint must be the bot URL, e.g. http://127.0.0.1:3978/api/messages',
    );
  }
  const appOverride = asString(body.botAppId);
  const target = botTarget(sb, {
    ...(given ? { endpoint: given } : {}),
    ...(appOverride ? { appId: appOverride } : {}),
  });
  if (typeof target === 'string') return controlError(ctx, 400, `give botEndpoint, or ${target}`);
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
  const botAppId = target.appId;

  const conversation = findOrCreateConversation(state, tenant.tenantId, user.id, inConv);
  let installDeliveries: Delivery[] | undefined;
  if (!isInstalled(conversation)) {
    if (conversation.conversationType !== 'personal') {
      return controlError(
        ctx,
        409,
        `the app is not installed in conversation ${conversation.id}: Teams does not deliver to it; POST /_sandbox/apps/install first`,
      );
    }
    installDeliveries = await installBot(sb, state, conversation, 'personal', user, target);
  }
  const serviceUrl = serviceUrlOf(sb);
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
  const d = await deliverToBot(sb, activity, target);
  if (d.status === null) {
    return controlError(ctx, 502, `the bot at ${target.endpoint} did not answer: ${d.error ?? ''}`);
  }
  sendJson(ctx, 200, {
    status: d.status,
    body: d.body,
    activity,
    ...(installDeliveries ? { installDeliveries } : {}),
  });
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
    // A new group chat or channel is the control API's shortcut (installed); a new 1:1 chat is
    // installed by the user's first message.
    return state.createConversation({
      id,
      tenantId,
      conversationType: type,
      isGroup: type !== 'personal',
      ...(type === 'personal' ? { userOid } : {}),
      createdBy: 'sandbox',
      installed: type !== 'personal',
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
      installed: false,
    })
  );
}
