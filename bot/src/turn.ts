import { TurnContext, type Activity } from 'botbuilder';
import type { Card } from './cards';
import { attachment } from './cards';
import type { Turn } from './app/deps';

type Json = Record<string, unknown>;
const asObject = (v: unknown): Json =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
const asString = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** The tenant Teams put on the activity (only trusted once the request was verified). */
export function tenantOf(a: Partial<Activity>): string | null {
  return (
    asString(asObject(asObject(a.channelData).tenant).id) ?? asString(a.conversation?.tenantId)
  );
}

/** The zone the user's client reported: `localTimezone`, else the `clientInfo` entity's. */
function clientTimeZone(a: Partial<Activity>): string | null {
  const local = asString(a.localTimezone);
  if (local) return local.slice(0, 64);
  const info = (a.entities ?? []).find((e) => e.type === 'clientInfo') as Json | undefined;
  return asString(info?.timezone)?.slice(0, 64) ?? null;
}

/** A card-only message: with text beside it Teams makes two bubbles and the card can't be updated. */
export function cardActivity(card: Card): Partial<Activity> {
  return { type: 'message', attachments: [attachment(card)] };
}

/** The flows' view of one turn; null when it lacks a tenant or a user (nothing to act as). */
export function turnOf(ctx: TurnContext): Turn | null {
  const a = ctx.activity;
  const tenantId = tenantOf(a);
  const userOid = asString(a.from?.aadObjectId);
  if (!tenantId || !userOid || !a.conversation?.id) return null;
  return {
    tenantId,
    userOid,
    userMri: asString(a.from?.id) ?? '',
    conversationId: a.conversation.id,
    conversationType: asString(a.conversation.conversationType) ?? 'personal',
    serviceUrl: a.serviceUrl,
    clientTimeZone: clientTimeZone(a),
    replyToId: asString(a.replyToId),
    say: async (text) => {
      await ctx.sendActivity({ type: 'message', text, textFormat: 'markdown' });
    },
    sendCard: async (card) => (await ctx.sendActivity(cardActivity(card)))?.id ?? null,
  };
}

/** The message text with the bot's @mention taken out (group chats). */
export function commandText(ctx: TurnContext): string {
  const stripped = TurnContext.removeRecipientMention(ctx.activity) ?? ctx.activity.text ?? '';
  return stripped.replace(/<at>[^<]*<\/at>/gi, ' ').trim();
}
