import { sendEmpty, sendJson, type Ctx } from './http';
import type { Sandbox } from './sandbox';
import { requireBot, type ConnectorCaller } from './connector-auth';
import { registerConnectorControl } from './connector-control';
import { meetingInfo } from './connector-meetings';
import {
  channelAccount,
  connectorErrorBody,
  ConnectorState,
  isInstalled,
  type ConnectorConversation,
  type RecordedActivity,
} from './connector-store';

type Json = Record<string, unknown>;

const BASE = '/connector/v3/conversations';

function fail(ctx: Ctx, status: number, code: string, message: string): void {
  sendJson(ctx, status, connectorErrorBody(code, message));
}

/** A JSON object body, or a 400 in the connector's words. */
function activityBody(ctx: Ctx): Json | undefined {
  try {
    const v: unknown = JSON.parse(ctx.body.toString('utf8') || 'null');
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Json;
  } catch {
    // answered below
  }
  fail(ctx, 400, 'BadSyntax', 'The request body must be a JSON object.');
  return undefined;
}

/** msteams-docs conversation-messages.md: the answer to a bot that is not (or no longer) installed. */
function notInRoster(ctx: Ctx): void {
  fail(ctx, 403, 'BotNotInConversationRoster', 'The bot is not part of the conversation roster.');
}

/** Whether the calling bot is in the conversation's roster (the app installed there). */
function inRoster(conv: ConnectorConversation, caller: ConnectorCaller): boolean {
  if (!isInstalled(conv)) return false;
  const installedApp = conv.installation?.appId;
  return !caller.appId || !installedApp || installedApp === caller.appId;
}

/**
 * The Bot Connector a Teams bot talks to (`serviceUrl` = `{sandbox}/connector/`): it records every
 * conversation and every version of every activity the bot sends, updates or deletes.
 */
export function register(sb: Sandbox): void {
  const state = new ConnectorState(sb);
  const r = sb.router;

  /** Runs `fn` for an authorised bot call on a known conversation. */
  const inConversation =
    (fn: (ctx: Ctx, conv: ConnectorConversation, caller: ConnectorCaller) => void) =>
    async (ctx: Ctx) => {
      const caller = await requireBot(sb, state, ctx);
      if (!caller) return;
      const conv = state.conversation(ctx.params.conversationId);
      if (!conv) return fail(ctx, 404, 'ConversationNotFound', 'Conversation not found.');
      ctx.meta.tenantId = conv.tenantId;
      if (!inRoster(conv, caller)) return notInRoster(ctx);
      fn(ctx, conv, caller);
    };

  /** Send or reply: records the activity under a new id, answers 201 `{id}`. */
  const post = (op: 'send' | 'reply') =>
    inConversation((ctx, conv, caller) => {
      const body = activityBody(ctx);
      if (!body) return;
      const activity: Json = {
        ...body,
        conversation: { ...(body.conversation as Json), id: conv.id },
      };
      if (op === 'reply') activity.replyToId = ctx.params.activityId;
      const record = state.addActivity(conv.id, 'fromBot', { op, appId: caller.appId, activity });
      sendJson(ctx, 201, { id: record.id });
    });

  /** The bot's own live activity, or an answer saying why not. */
  const ownActivity = (ctx: Ctx, conv: ConnectorConversation): RecordedActivity | undefined => {
    const record = state.activity(conv.id, ctx.params.activityId);
    if (!record || record.deletedAt) {
      fail(
        ctx,
        404,
        'ActivityNotFoundInConversation',
        'The activity was not found in the conversation.',
      );
      return undefined;
    }
    if (record.direction !== 'fromBot') {
      fail(ctx, 403, 'Forbidden', 'A bot can only change the activities it sent.');
      return undefined;
    }
    return record;
  };

  r.on('POST', BASE, async (ctx) => {
    const caller = await requireBot(sb, state, ctx);
    if (!caller) return;
    const body = activityBody(ctx);
    if (!body) return;
    const channelData = (body.channelData ?? {}) as Json;
    const tenantId = String(body.tenantId ?? (channelData.tenant as Json | undefined)?.id ?? '');
    const tenant = sb.tenant(tenantId);
    if (!tenant) return fail(ctx, 400, 'BadArgument', 'A known tenantId is required.');
    const members = Array.isArray(body.members) ? (body.members as Json[]) : [];
    const isGroup = body.isGroup === true;
    const userOid = tenant.users.find((u) =>
      members.some(
        (m) => m.aadObjectId === u.id || m.id === u.id || m.id === channelAccount(tenant, u).id,
      ),
    )?.id;
    if (!isGroup && !userOid) {
      return fail(
        ctx,
        400,
        'BadArgument',
        'A personal conversation needs one member of the tenant.',
      );
    }
    ctx.meta.tenantId = tenant.tenantId;
    let conv: ConnectorConversation;
    if (isGroup) {
      conv = state.createConversation({
        tenantId: tenant.tenantId,
        conversationType: 'groupChat',
        isGroup,
        ...(typeof body.topicName === 'string' ? { topicName: body.topicName } : {}),
        createdBy: 'bot',
      });
    } else {
      // The 1:1 chat exists once the user has the app (personal scope); without it Teams refuses.
      const personal = userOid ? state.personalConversation(tenant.tenantId, userOid) : undefined;
      if (!personal || !inRoster(personal, caller)) return notInRoster(ctx);
      conv = personal;
    }
    let activityId: string | undefined;
    if (body.activity && typeof body.activity === 'object') {
      const activity = { ...(body.activity as Json), conversation: { id: conv.id } };
      const record = state.addActivity(conv.id, 'fromBot', {
        op: 'create',
        appId: caller.appId,
        activity,
      });
      activityId = record.id;
    }
    sendJson(ctx, 201, { id: conv.id, ...(activityId ? { activityId } : {}) });
  });

  r.on('POST', `${BASE}/:conversationId/activities`, post('send'));
  r.on('POST', `${BASE}/:conversationId/activities/:activityId`, post('reply'));

  r.on(
    'PUT',
    `${BASE}/:conversationId/activities/:activityId`,
    inConversation((ctx, conv, caller) => {
      const record = ownActivity(ctx, conv);
      if (!record) return;
      const body = activityBody(ctx);
      if (!body) return;
      const activity = {
        ...body,
        id: record.id,
        conversation: { ...(body.conversation as Json), id: conv.id },
      };
      state.addVersion(record, { op: 'update', appId: caller.appId, activity });
      sendJson(ctx, 200, { id: record.id });
    }),
  );

  r.on(
    'DELETE',
    `${BASE}/:conversationId/activities/:activityId`,
    inConversation((ctx, conv) => {
      const record = ownActivity(ctx, conv);
      if (!record) return;
      state.markDeleted(record);
      sendEmpty(ctx, 200);
    }),
  );

  const members = (conv: ConnectorConversation) => {
    const tenant = sb.tenant(conv.tenantId);
    return tenant ? tenant.users.map((u) => channelAccount(tenant, u)) : [];
  };
  r.on(
    'GET',
    `${BASE}/:conversationId/members`,
    inConversation((ctx, conv) => sendJson(ctx, 200, members(conv))),
  );
  r.on(
    'GET',
    `${BASE}/:conversationId/pagedmembers`,
    inConversation((ctx, conv) => sendJson(ctx, 200, { members: members(conv) })),
  );
  r.on(
    'GET',
    `${BASE}/:conversationId/members/:memberId`,
    inConversation((ctx, conv) => {
      const wanted = ctx.params.memberId;
      const m = members(conv).find((a) => a.id === wanted || a.aadObjectId === wanted);
      if (!m) return fail(ctx, 404, 'MemberNotFoundInConversation', 'The member was not found.');
      sendJson(ctx, 200, m);
    }),
  );

  r.on('GET', '/connector/v1/meetings/:meetingId', async (ctx) => {
    if (!(await requireBot(sb, state, ctx))) return;
    const info = meetingInfo(sb, ctx.params.meetingId);
    if (!info) return fail(ctx, 404, 'NotFound', 'The meeting was not found.');
    sendJson(ctx, 200, info);
  });

  registerConnectorControl(sb, state);
}
