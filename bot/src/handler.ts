import {
  TeamsActivityHandler,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
} from 'botbuilder';
import { DomainError } from '../../api/src/domain/errors';
import { onAction } from './app/actions';
import { sentenceFor, tenantContext, TENANT_NOT_ACTIVE } from './app/context';
import type { BotDeps, Turn } from './app/deps';
import { forgetConversation, noteConversation } from './app/installation';
import { ConversationLimiter } from './app/limits';
import { onMeetingEvent } from './app/meeting-events';
import { onCommand, touchesGraph } from './app/messages';
import { VERBS } from './cards';
import { helpText } from './commands';
import { commandText, cardActivity, turnOf } from './turn';

const CARD = 'application/vnd.microsoft.card.adaptive';
/** Card actions that reach Graph: limited like the chat commands that do. */
const GRAPH_VERBS = new Set<string>([
  VERBS.draftCreate,
  VERBS.meetingRescheduleSubmit,
  VERBS.meetingCancelConfirm,
]);
const SLOW_DOWN = "You're sending commands faster than I can act on them; give me a few seconds.";

/**
 * Maps Teams activities to the flows in `app/` and nothing else: a move to the Microsoft 365
 * Agents SDK replaces this file, `turn.ts` and the adapter, not the flows.
 */
export class InteractionsBot extends TeamsActivityHandler {
  private readonly perConversation = new ConversationLimiter(10, 10_000);
  private readonly graphPerConversation = new ConversationLimiter(5, 10_000);
  private readonly slowDownSaid = new ConversationLimiter(1, 10_000);

  constructor(
    private readonly deps: BotDeps,
    /** This bot answers activities that came without a channel token (the Agents Playground). */
    private readonly unsigned: boolean,
  ) {
    super();
    this.onMessage(async (ctx, next) => {
      await this.message(ctx);
      await next();
    });
    this.onInstallationUpdate(async (ctx, next) => {
      const action = String(ctx.activity.action ?? '');
      await (action.startsWith('remove') ? this.removed(ctx) : this.installed(ctx));
      await next();
    });
    this.onConversationUpdate(async (ctx, next) => {
      const me = ctx.activity.recipient?.id;
      if (ctx.activity.membersAdded?.some((m) => m.id === me)) await this.installed(ctx);
      if (ctx.activity.membersRemoved?.some((m) => m.id === me)) await this.removed(ctx);
      await next();
    });
    this.onTeamsMeetingStartEvent(async (meeting, ctx, next) => {
      await this.meetingEvent(ctx, 'started', meeting.joinUrl, meeting.startTime);
      await next();
    });
    this.onTeamsMeetingEndEvent(async (meeting, ctx, next) => {
      await this.meetingEvent(ctx, 'ended', meeting.joinUrl, meeting.endTime);
      await next();
    });
  }

  /** The turn, if it comes from an active tenant's user; otherwise it is answered politely here. */
  private async verified(ctx: TurnContext, answer: boolean) {
    const turn = turnOf(ctx);
    const tenant = turn ? await tenantContext(this.deps, turn) : null;
    if (!turn || !tenant) {
      if (answer) await ctx.sendActivity(TENANT_NOT_ACTIVE);
      return null;
    }
    return { turn, tenant };
  }

  private async message(ctx: TurnContext): Promise<void> {
    const v = await this.verified(ctx, true);
    if (!v) return;
    const key = `${v.turn.tenantId}/${v.turn.conversationId}`;
    const text = commandText(ctx);
    const submitted = ctx.activity.value as { verb?: unknown } | undefined;
    const reachesGraph =
      typeof submitted?.verb === 'string' ? GRAPH_VERBS.has(submitted.verb) : touchesGraph(text);
    if (!this.perConversation.take(key) || (reachesGraph && !this.graphPerConversation.take(key))) {
      // Said once per window: a flood in must not become a flood out.
      if (this.slowDownSaid.take(key)) await v.turn.say(SLOW_DOWN);
      return;
    }
    const { viewers } = await noteConversation(this.deps, v.turn, reference(ctx), this.unsigned);
    try {
      if (typeof submitted?.verb === 'string') return await this.submitted(ctx, v, submitted.verb);
      await onCommand(this.deps, v.turn, v.tenant, text, viewers);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      await v.turn.say(sentenceFor(err));
    }
  }

  /** An old client's Action.Submit fallback: the same action; the card is updated in place. */
  private async submitted(ctx: TurnContext, v: Verified, verb: string): Promise<void> {
    const card = await onAction(this.deps, v.turn, v.tenant, {
      verb,
      data: ctx.activity.value,
      trigger: 'manual',
    });
    if (!v.turn.replyToId) return void (await ctx.sendActivity(cardActivity(card)));
    await ctx.updateActivity({ ...cardActivity(card), id: v.turn.replyToId });
  }

  protected override async onAdaptiveCardInvoke(
    ctx: TurnContext,
    value: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    const v = await this.verified(ctx, false);
    if (!v)
      return {
        statusCode: 200,
        type: 'application/vnd.microsoft.activity.message',
        value: TENANT_NOT_ACTIVE as never,
      };
    const key = `${v.turn.tenantId}/${v.turn.conversationId}`;
    const verb = String(value.action?.verb ?? '').slice(0, 64);
    // Teams' own automatic refreshes (one per viewer) only read: they do not use up the chat's limit.
    const automatic = (value as { trigger?: unknown }).trigger === 'automatic';
    const limited =
      (!automatic && !this.perConversation.take(key)) ||
      (GRAPH_VERBS.has(verb) && !this.graphPerConversation.take(key));
    if (limited) {
      return {
        statusCode: 429,
        type: 'application/vnd.microsoft.activity.retryAfter',
        value: 5 as never,
      };
    }
    await noteConversation(this.deps, v.turn, reference(ctx), this.unsigned);
    try {
      const card = await onAction(this.deps, v.turn, v.tenant, {
        verb,
        data: value.action?.data,
        trigger: automatic ? 'automatic' : 'manual',
      });
      return { statusCode: 200, type: CARD, value: card as never };
    } catch (err) {
      this.deps.log.error({ err, correlationId: ctx.activity.id, verb }, 'card action failed');
      return {
        statusCode: 500,
        type: 'application/vnd.microsoft.error',
        value: {
          code: 'InternalError',
          message: 'Something went wrong; try again in a moment.',
        } as never,
      };
    }
  }

  private async installed(ctx: TurnContext): Promise<void> {
    const v = await this.verified(ctx, true);
    if (!v) return;
    const { isNew } = await noteConversation(this.deps, v.turn, reference(ctx), this.unsigned);
    // Teams sends installationUpdate and conversationUpdate together: greet once.
    if (isNew) await v.turn.say(`Hi! I turn client meetings into interactions.\n\n${helpText()}`);
  }

  private async removed(ctx: TurnContext): Promise<void> {
    const turn = turnOf(ctx);
    if (turn) await forgetConversation(this.deps, turn);
  }

  private async meetingEvent(
    ctx: TurnContext,
    kind: 'started' | 'ended',
    joinUrl: string | undefined,
    at: Date | undefined,
  ): Promise<void> {
    const v = await this.verified(ctx, false);
    if (!v) return;
    const channelData = (ctx.activity.channelData ?? {}) as { meeting?: { id?: unknown } };
    const teamsMeetingId =
      typeof channelData.meeting?.id === 'string' ? channelData.meeting.id : undefined;
    await onMeetingEvent(this.deps, v.turn, { kind, teamsMeetingId, joinUrl, at });
  }
}

type Verified = { turn: Turn; tenant: { tenantId: string; userOid: string } };

function reference(ctx: TurnContext) {
  return TurnContext.getConversationReference(ctx.activity);
}
