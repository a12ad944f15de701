import { controlError } from './control';
import { jsonBody, sendJson, type Ctx } from './http';
import type { Sandbox } from './sandbox';
import type { SandboxUser } from './seed';
import { botTarget } from './bot-registration';
import { recordAndDeliver, teamsEnvelope, userAccount, type Delivery } from './bot-delivery';
import {
  ADAPTIVE_CARD,
  adaptiveCards,
  findExecute,
  invokeAction,
  invokeResponseProblem,
} from './card-actions';
import {
  isInstalled,
  teamsUserId,
  type ConnectorConversation,
  type ConnectorState,
  type RecordedActivity,
} from './connector-store';

/**
 * A user pressing an `Action.Execute` button, or their client refreshing a card, as Teams does it:
 * an `adaptiveCard/action` invoke whose answer must be an AdaptiveCardInvokeResponse within 5 s
 * (teams-platform §4 [flag]: msteams-docs give message-extension invokes five seconds, then the
 * user sees an error and the late answer is ignored). A returned card replaces the card for that
 * user only (msteams-docs User-Specific-Views.md).
 */

type Json = Record<string, unknown>;

export const CARD_ACTION_TIMEOUT_MS = 5_000;
/** "The refresh triggers only if the card from the last invoke is older than a minute." */
const REFRESH_AFTER_MS = 60_000;
/** Without `userIds` Teams auto-refreshes for everyone in conversations of at most 60 members. */
const AUTO_REFRESH_MEMBERS = 60;

interface ClickBody {
  conversationId?: unknown;
  activityId?: unknown;
  verb?: unknown;
  data?: unknown;
  inputs?: unknown;
  userOid?: unknown;
}

interface Clicked {
  conv: ConnectorConversation;
  record: RecordedActivity;
  user: SandboxUser;
  /** The cards this user sees: their own view while it is current, else the message's. */
  cards: Json[];
}

/** The conversation, the bot's message and the user; answers the error itself otherwise. */
function resolveClick(
  sb: Sandbox,
  state: ConnectorState,
  ctx: Ctx,
  b: ClickBody,
): Clicked | undefined {
  const conv = state.conversation(String(b.conversationId ?? ''));
  if (!conv) return void controlError(ctx, 404, `no conversation ${String(b.conversationId)}`);
  if (!isInstalled(conv)) {
    return void controlError(ctx, 409, `the app is not installed in conversation ${conv.id}`);
  }
  const record = state.activity(conv.id, String(b.activityId ?? ''));
  if (!record || record.deletedAt) {
    return void controlError(ctx, 404, `no activity ${String(b.activityId)} in ${conv.id}`);
  }
  if (record.direction !== 'fromBot') {
    return void controlError(ctx, 400, `activity ${record.id} was not sent by the bot`);
  }
  const tenant = sb.tenant(conv.tenantId);
  const oid = String(b.userOid ?? conv.userOid ?? tenant?.staffOids[0]);
  const user = tenant?.users.find((u) => u.id === oid);
  if (!user) return void controlError(ctx, 400, `no user ${oid} in tenant ${conv.tenantId}`);
  if (conv.conversationType === 'personal' && conv.userOid !== user.id) {
    return void controlError(ctx, 400, `only ${String(conv.userOid)} is in this 1:1 chat`);
  }
  const view = record.userViews?.[user.id];
  const current = view && view.basedOnVersion === record.versions.length ? view : undefined;
  const cards = current
    ? [current.card]
    : adaptiveCards(record.versions[record.versions.length - 1].activity);
  return { conv, record, user, cards };
}

/** Sends the invoke and judges the answer as Teams would; records the card the user now sees. */
async function invoke(
  sb: Sandbox,
  state: ConnectorState,
  c: Clicked,
  action: Json,
  trigger: 'manual' | 'automatic',
  target: { endpoint: string; appId: string },
): Promise<Json> {
  const activity = {
    ...teamsEnvelope(sb, c.conv, userAccount(c.conv.tenantId, c.user), target.appId),
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId: c.record.id,
    value: { action, trigger },
  };
  const d: Delivery = await recordAndDeliver(sb, state, activity, {
    ...target,
    timeoutMs: CARD_ACTION_TIMEOUT_MS,
  });
  const base = { invoke: activity, status: d.status, durationMs: d.durationMs };
  if (d.status === null) {
    const failure = d.error === 'timeout' ? 'timed out after 5 s' : 'bot unreachable';
    return { ok: false, failure, ...base, ...(d.error ? { error: d.error } : {}) };
  }
  const problem = invokeResponseProblem(d.body);
  // Teams asks for HTTP 200; botbuilder's ActivityHandler answers HTTP = the body's statusCode.
  const statusOk = d.status === 200 || (!problem && (d.body as Json).statusCode === d.status);
  if (!statusOk) return { ok: false, failure: `HTTP ${d.status}`, ...base, body: d.body };
  if (problem) {
    return {
      ok: false,
      failure: 'not an AdaptiveCardInvokeResponse',
      problem,
      ...base,
      body: d.body,
    };
  }
  const response = d.body as Json;
  if (response.type !== ADAPTIVE_CARD) return { ok: true, ...base, response };
  const userView = state.setUserView(c.record, c.user.id, {
    card: response.value as Json,
    trigger,
    verb: String(action.verb),
    basedOnVersion: c.record.versions.length,
  });
  return { ok: true, ...base, response, userView };
}

/** Why Teams would not auto-refresh this card for this user now, or undefined when it would. */
function refreshRefusal(sb: Sandbox, c: Clicked, refresh: Json): string | undefined {
  const mri = teamsUserId(c.conv.tenantId, c.user.id);
  const userIds = refresh.userIds;
  if (Array.isArray(userIds)) {
    if (userIds.length === 0) {
      return 'refresh.userIds is empty: Teams never auto-refreshes, it only offers the manual "Refresh card" menu';
    }
    if (!userIds.includes(mri)) return `the user's MRI ${mri} is not in refresh.userIds`;
  } else {
    const members = c.conv.isGroup ? (sb.tenant(c.conv.tenantId)?.users.length ?? 0) : 1;
    if (members > AUTO_REFRESH_MEMBERS) {
      return `refresh.userIds is missing and the conversation has ${members} (> 60) members`;
    }
  }
  const view = c.record.userViews?.[c.user.id];
  if (view && view.basedOnVersion === c.record.versions.length) {
    const age = sb.clock.now().getTime() - Date.parse(view.at);
    if (age < REFRESH_AFTER_MS) {
      return `the card from the user's last invoke is ${Math.round(age / 1000)} s old; Teams refreshes only after a minute`;
    }
  }
  return undefined;
}

/** `POST /_sandbox/cards/execute` and `/_sandbox/cards/refresh`. */
export function registerCardControl(sb: Sandbox, state: ConnectorState): void {
  sb.router.on('POST', '/_sandbox/cards/execute', async (ctx) => {
    const b = jsonBody<ClickBody>(ctx);
    if (!b) return;
    if (typeof b.verb !== 'string' || !b.verb) return controlError(ctx, 400, 'verb is required');
    if (b.data !== undefined) {
      return controlError(
        ctx,
        400,
        'a user cannot change an action’s data; give inputs (values of the card’s Input.* fields)',
      );
    }
    const inputs = b.inputs ?? {};
    if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) {
      return controlError(ctx, 400, 'inputs must be an object of input id → value');
    }
    const c = resolveClick(sb, state, ctx, b);
    if (!c) return;
    const found = findExecute(c.cards, b.verb);
    if (!found) {
      return controlError(
        ctx,
        400,
        `the card this user sees has no Action.Execute with verb "${b.verb}"`,
      );
    }
    if (found.action.isEnabled === false) {
      return controlError(ctx, 400, `the "${b.verb}" button is disabled (isEnabled: false)`);
    }
    const action = invokeAction(found.card, found.action, inputs as Json);
    if (typeof action === 'string') return controlError(ctx, 400, action);
    const target = botTarget(sb);
    if (typeof target === 'string') return controlError(ctx, 409, target);
    sendJson(ctx, 200, await invoke(sb, state, c, action, 'manual', target));
  });

  sb.router.on('POST', '/_sandbox/cards/refresh', async (ctx) => {
    const b = jsonBody<ClickBody>(ctx);
    if (!b) return;
    const c = resolveClick(sb, state, ctx, b);
    if (!c) return;
    const card = c.cards.find((k) => {
      const refresh = k.refresh as Json | undefined;
      return (refresh?.action as Json | undefined)?.type === 'Action.Execute';
    });
    if (!card)
      return controlError(ctx, 409, 'the card has no refresh.action of type Action.Execute');
    const refresh = card.refresh as Json;
    const refusal = refreshRefusal(sb, c, refresh);
    if (refusal) return controlError(ctx, 409, `Teams would not refresh: ${refusal}`);
    const action = invokeAction(card, { ...(refresh.action as Json), associatedInputs: 'none' });
    if (typeof action === 'string') return controlError(ctx, 400, action);
    const target = botTarget(sb);
    if (typeof target === 'string') return controlError(ctx, 409, target);
    sendJson(ctx, 200, await invoke(sb, state, c, action, 'automatic', target));
  });
}
