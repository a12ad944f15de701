import { controlError } from './control';
import { jsonBody, sendJson } from './http';
import type { Sandbox } from './sandbox';
import type { SandboxTenant, SandboxUser } from './seed';
import { botTarget } from './bot-registration';
import { recordAndDeliver, teamsEnvelope, type Delivery } from './bot-delivery';
import {
  isInstalled,
  teamsBotId,
  teamsUserId,
  type ConnectorConversation,
  type ConnectorState,
  type Installation,
} from './connector-store';
import { events, meetings, type StoredMeeting } from './graph/meeting-store';

/**
 * Installing and uninstalling the app in a chat, as Teams tells the bot: an `installationUpdate`
 * then a `conversationUpdate` (msteams-docs subscribe-to-conversation-events.md; the Agents
 * Playground sends them in this order). In chats `channelData` has no `eventType`: that is only for
 * teams (`teamMemberAdded`), and a 1:1 chat lists both the bot and the user in `membersAdded`.
 */

type Json = Record<string, unknown>;
type Target = { endpoint: string; appId: string };

/** `from` of a Teams-raised event: the user's MRI and object id. */
const actor = (tenantId: string, user: SandboxUser): Json => ({
  id: teamsUserId(tenantId, user.id),
  aadObjectId: user.id,
});

/** Puts the bot in the roster, then tells it (installationUpdate add, conversationUpdate). */
export async function installBot(
  sb: Sandbox,
  state: ConnectorState,
  conv: ConnectorConversation,
  scope: Installation['scope'],
  by: SandboxUser,
  target: Target,
): Promise<Delivery[]> {
  conv.installed = true;
  conv.installation = {
    scope,
    appId: target.appId,
    byOid: by.id,
    installedAt: sb.clock.now().toISOString(),
  };
  state.saveConversation(conv);
  const from = actor(conv.tenantId, by);
  const bot = { id: teamsBotId(target.appId) };
  const members = conv.conversationType === 'personal' ? [bot, from] : [bot];
  return deliverPair(sb, state, target, [
    installationUpdate(sb, conv, from, target.appId, 'add'),
    {
      ...teamsEnvelope(sb, conv, from, target.appId),
      type: 'conversationUpdate',
      membersAdded: members,
    },
  ]);
}

/** Takes the bot out of the roster first (it can no longer post), then tells it. */
export async function uninstallBot(
  sb: Sandbox,
  state: ConnectorState,
  conv: ConnectorConversation,
  by: SandboxUser,
  target: Target,
): Promise<Delivery[]> {
  conv.installed = false;
  if (conv.installation) conv.installation.uninstalledAt = sb.clock.now().toISOString();
  state.saveConversation(conv);
  const from = actor(conv.tenantId, by);
  return deliverPair(sb, state, target, [
    installationUpdate(sb, conv, from, target.appId, 'remove'),
    {
      ...teamsEnvelope(sb, conv, from, target.appId),
      type: 'conversationUpdate',
      membersRemoved: [{ id: teamsBotId(target.appId) }],
    },
  ]);
}

/** `installationUpdate` as Teams sends it on install (`add`) and uninstall (`remove`). */
function installationUpdate(
  sb: Sandbox,
  conv: ConnectorConversation,
  from: ReturnType<typeof actor>,
  appId: string,
  action: 'add' | 'remove',
) {
  return {
    ...teamsEnvelope(sb, conv, from, appId),
    type: 'installationUpdate',
    action,
    entities: [{ type: 'clientInfo', locale: 'en-US' }],
  };
}

/** Teams sends the two in order: the second only once the first was delivered. */
async function deliverPair(
  sb: Sandbox,
  state: ConnectorState,
  target: Target,
  [first, second]: [Parameters<typeof recordAndDeliver>[2], Parameters<typeof recordAndDeliver>[2]],
): Promise<Delivery[]> {
  return [
    await recordAndDeliver(sb, state, first, target),
    await recordAndDeliver(sb, state, second, target),
  ];
}

/** A meeting by onlineMeeting id, event id, chat thread id or join URL (as `/_sandbox/meetings/{ref}`). */
export function findMeeting(sb: Sandbox, ref: string): StoredMeeting | undefined {
  const all = meetings(sb);
  const viaEvent = events(sb).get(ref)?.meetingId;
  return (
    all.get(ref) ??
    (viaEvent ? all.get(viaEvent) : undefined) ??
    [...all.values()].find(
      (m) => m.eventId === ref || m.chatInfo.threadId === ref || m.joinWebUrl === ref,
    )
  );
}

interface InstallBody {
  tenantId?: unknown;
  scope?: unknown;
  userOid?: unknown;
  conversationId?: unknown;
  meeting?: unknown;
}

/** The chat to install into, created when Teams would create it; a string says what is wrong. */
function chatFor(
  state: ConnectorState,
  sb: Sandbox,
  tenant: SandboxTenant,
  b: InstallBody,
  user: SandboxUser,
): ConnectorConversation | [number, string] {
  const create = (
    c: Partial<ConnectorConversation> & Pick<ConnectorConversation, 'conversationType'>,
  ) =>
    state.createConversation({
      tenantId: tenant.tenantId,
      isGroup: c.conversationType !== 'personal',
      createdBy: 'sandbox',
      installed: false,
      ...c,
    });
  if (b.scope === 'personal') {
    return (
      state.personalConversation(tenant.tenantId, user.id) ??
      create({ conversationType: 'personal', userOid: user.id })
    );
  }
  if (b.scope === 'groupChat') {
    if (b.conversationId === undefined) return create({ conversationType: 'groupChat' });
    const conv = state.conversation(String(b.conversationId));
    if (!conv) return [404, `no conversation ${String(b.conversationId)}`];
    if (conv.conversationType !== 'groupChat' || conv.tenantId !== tenant.tenantId) {
      return [400, `conversation ${conv.id} is not a group chat of tenant ${tenant.tenantId}`];
    }
    return conv;
  }
  const m = typeof b.meeting === 'string' ? findMeeting(sb, b.meeting) : undefined;
  if (!m) {
    return [
      404,
      'meeting must be a meeting ref (onlineMeeting id, event id, chat thread id or join URL); see GET /_sandbox/meetings',
    ];
  }
  if (m.tenantId !== tenant.tenantId) return [400, `the meeting is in tenant ${m.tenantId}`];
  const threadId = m.chatInfo.threadId;
  return (
    state.conversation(threadId) ??
    create({ id: threadId, conversationType: 'groupChat', topicName: m.subject, meetingId: m.id })
  );
}

/** `POST /_sandbox/apps/install` and `/_sandbox/apps/uninstall`. */
export function registerInstallControl(sb: Sandbox, state: ConnectorState): void {
  sb.router.on('POST', '/_sandbox/apps/install', async (ctx) => {
    const b = jsonBody<InstallBody>(ctx);
    if (!b) return;
    const tenant = sb.tenant(String(b.tenantId ?? ''));
    if (!tenant)
      return controlError(ctx, 400, 'tenantId must be a sandbox tenant; see GET /_sandbox/info');
    if (b.scope !== 'personal' && b.scope !== 'groupChat' && b.scope !== 'meeting') {
      return controlError(ctx, 400, 'scope must be personal, groupChat or meeting');
    }
    const target = botTarget(sb);
    if (typeof target === 'string') return controlError(ctx, 409, target);
    const oid = String(
      b.userOid ?? (b.scope === 'meeting' ? tenant.organizerOid : tenant.staffOids[0]),
    );
    const user = tenant.users.find((u) => u.id === oid);
    if (!user) return controlError(ctx, 400, `no user ${oid} in tenant ${tenant.tenantId}`);
    const conv = chatFor(state, sb, tenant, b, user);
    if (Array.isArray(conv)) return controlError(ctx, conv[0], conv[1]);
    if (isInstalled(conv)) {
      return controlError(ctx, 409, `the app is already installed in conversation ${conv.id}`);
    }
    const deliveries = await installBot(sb, state, conv, b.scope, user, target);
    sendJson(ctx, 200, { conversation: conv, deliveries });
  });

  sb.router.on('POST', '/_sandbox/apps/uninstall', async (ctx) => {
    const b = jsonBody<{ conversationId?: unknown; userOid?: unknown }>(ctx);
    if (!b) return;
    const conv = state.conversation(String(b.conversationId ?? ''));
    if (!conv) return controlError(ctx, 404, `no conversation ${String(b.conversationId)}`);
    if (!isInstalled(conv)) {
      return controlError(ctx, 409, `the app is not installed in conversation ${conv.id}`);
    }
    const target = botTarget(sb);
    if (typeof target === 'string') return controlError(ctx, 409, target);
    const tenant = sb.tenant(conv.tenantId);
    const oid = String(
      b.userOid ?? conv.userOid ?? conv.installation?.byOid ?? tenant?.staffOids[0],
    );
    const user = tenant?.users.find((u) => u.id === oid);
    if (!user) return controlError(ctx, 400, `no user ${oid} in tenant ${conv.tenantId}`);
    const deliveries = await uninstallBot(sb, state, conv, user, target);
    sendJson(ctx, 200, { conversation: conv, deliveries });
  });
}
