import type { ConversationReference } from 'botbuilder';
import type {
  CardDelivery,
  CardUpdate,
  MeetingSnapshot,
} from '../../api/src/domain/meetings/cards';
import type { MeetingCard } from '../../api/src/domain/meetings/types';
import type { BotAdapters } from './adapters';
import type { BotDeps } from './app/deps';
import { livingCard } from './app/living-card';
import { decodeReference } from './conversation-ref';
import { cardActivity } from './turn';

/** 403 (bot removed, `BotNotInConversationRoster`) and 404 (conversation or message gone). */
function isGone(err: unknown): boolean {
  const status = (err as { statusCode?: unknown })?.statusCode;
  return status === 403 || status === 404;
}

/**
 * Updates a posted living card in place with the Bot Connector (`updateActivity` in a proactive
 * turn), only in conversations the app is installed in; a copy that can no longer be reached is
 * reported gone so it is forgotten rather than retried.
 */
export class BotCardDelivery implements CardDelivery {
  constructor(
    private readonly adapters: BotAdapters,
    private readonly deps: BotDeps,
  ) {}

  async update(
    card: MeetingCard,
    snapshot: MeetingSnapshot,
    signal: AbortSignal,
  ): Promise<CardUpdate> {
    const row = await this.deps.repos.conversationRefs.get(card.tenantId, {
      conversationId: card.conversationId,
    });
    const stored = row ? decodeReference(row.reference) : null;
    if (!stored) return 'gone';
    const adapter = stored.unsigned ? this.adapters.unsigned : this.adapters.signed;
    if (!adapter) return 'gone';
    signal.throwIfAborted();
    const activity = {
      ...cardActivity(livingCard(this.deps, snapshot, { viewers: stored.viewers })),
      id: card.activityId,
    };
    let failure: { err: unknown } | null = null;
    // Errors inside the callback go to onTurnError, not to us: catch them here.
    await adapter.continueConversationAsync(
      stored.unsigned ? '' : this.adapters.appId,
      stored.reference as ConversationReference,
      async (ctx) => {
        try {
          await ctx.updateActivity(activity);
        } catch (err) {
          failure = { err };
        }
      },
    );
    if (!failure) return 'updated';
    const { err } = failure as { err: unknown };
    if (isGone(err)) return 'gone';
    throw err;
  }
}
