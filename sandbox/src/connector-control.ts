import { controlError } from './control';
import { jsonBody, sendJson } from './http';
import type { Sandbox } from './sandbox';
import { registerBotRegistration } from './bot-registration';
import { sendToBot } from './connector-bot';
import { registerCardControl } from './connector-cards';
import { registerInstallControl } from './connector-install';
import type { ConnectorState, RecordedActivity } from './connector-store';

/** Snapshot for the control API: the current state, every version, and whose card views still show. */
function withCurrent(a: RecordedActivity) {
  const views = Object.entries(a.userViews ?? {}).map(([oid, v]) => [
    oid,
    { ...v, current: v.basedOnVersion === a.versions.length },
  ]);
  return {
    ...a,
    ...(a.userViews ? { userViews: Object.fromEntries(views) as object } : {}),
    current: a.versions[a.versions.length - 1].activity,
  };
}

interface ConversationBody {
  tenantId?: unknown;
  conversationType?: unknown;
  userOid?: unknown;
  installed?: unknown;
}

/** Control API of the Bot Connector and of Teams-the-client (registration, installs, clicks). */
export function registerConnectorControl(sb: Sandbox, state: ConnectorState): void {
  const r = sb.router;
  r.on('GET', '/_sandbox/connector/settings', (ctx) => sendJson(ctx, 200, state.settings()));
  r.on('POST', '/_sandbox/connector/settings', (ctx) => {
    const body = jsonBody<{ requireAuth?: unknown }>(ctx);
    if (!body) return;
    if (typeof body.requireAuth !== 'boolean') {
      return controlError(ctx, 400, 'requireAuth must be true or false');
    }
    state.saveSettings({ requireAuth: body.requireAuth });
    sendJson(ctx, 200, state.settings());
  });

  r.on('GET', '/_sandbox/connector/conversations', (ctx) =>
    sendJson(ctx, 200, {
      conversations: state
        .listConversations()
        .map((c) => ({ ...c, activityCount: state.activitiesOf(c.id).length })),
    }),
  );
  r.on('POST', '/_sandbox/connector/conversations', (ctx) => {
    const body = jsonBody<ConversationBody>(ctx);
    if (!body) return;
    const tenant = sb.tenant(String(body.tenantId ?? ''));
    if (!tenant)
      return controlError(ctx, 400, 'tenantId must be a sandbox tenant; see GET /_sandbox/info');
    const type = body.conversationType ?? 'personal';
    if (type !== 'personal' && type !== 'groupChat' && type !== 'channel') {
      return controlError(ctx, 400, 'conversationType must be personal, groupChat or channel');
    }
    if (body.installed !== undefined && typeof body.installed !== 'boolean') {
      return controlError(ctx, 400, 'installed must be true or false');
    }
    const userOid = String(body.userOid ?? tenant.staffOids[0]);
    if (type === 'personal' && !tenant.users.some((u) => u.id === userOid)) {
      return controlError(ctx, 400, `no user ${userOid} in tenant ${tenant.tenantId}`);
    }
    const existing = type === 'personal' && state.personalConversation(tenant.tenantId, userOid);
    if (existing && typeof body.installed === 'boolean') {
      existing.installed = body.installed;
      state.saveConversation(existing);
    }
    // A shortcut: the bot is put in (or left out of) the roster without being told.
    const conv =
      existing ||
      state.createConversation({
        tenantId: tenant.tenantId,
        conversationType: type,
        isGroup: type !== 'personal',
        ...(type === 'personal' ? { userOid } : {}),
        createdBy: 'sandbox',
        installed: body.installed !== false,
      });
    sendJson(ctx, 201, conv);
  });
  r.on('GET', '/_sandbox/connector/conversations/:conversationId/activities', (ctx) => {
    const conv = state.conversation(ctx.params.conversationId);
    if (!conv) return controlError(ctx, 404, `no conversation ${ctx.params.conversationId}`);
    sendJson(ctx, 200, {
      conversation: conv,
      activities: state.activitiesOf(conv.id).map(withCurrent),
    });
  });

  r.on('POST', '/_sandbox/bot/send', (ctx) => sendToBot(sb, state, ctx));
  registerBotRegistration(sb);
  registerInstallControl(sb, state);
  registerCardControl(sb, state);
}
