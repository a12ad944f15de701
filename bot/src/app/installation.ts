import type { ConversationReference } from 'botbuilder';
import {
  forgetInstallation,
  rememberInstallation,
} from '../../../api/src/domain/conversations/installations';
import { decodeReference, encodeReference, withViewer } from '../conversation-ref';
import type { BotDeps, Turn } from './deps';

/**
 * Records that the bot is in this conversation (a message or an install event proves it) and that
 * this user sees its cards. Returns whether the conversation is new to us, and its viewers.
 */
export async function noteConversation(
  deps: BotDeps,
  turn: Turn,
  reference: Partial<ConversationReference>,
  unsigned: boolean,
): Promise<{ isNew: boolean; viewers: string[] }> {
  const known = await deps.repos.conversationRefs.get(turn.tenantId, {
    conversationId: turn.conversationId,
  });
  const stored = known ? decodeReference(known.reference) : null;
  const before = stored?.viewers ?? [];
  const viewers = turn.userMri ? withViewer(before, turn.userMri) : before;
  const unchanged =
    stored &&
    stored.unsigned === unsigned &&
    known?.serviceUrl === turn.serviceUrl &&
    viewers.join() === before.join();
  if (unchanged) return { isNew: false, viewers };
  const isNew = await rememberInstallation(deps, {
    tenantId: turn.tenantId,
    conversationId: turn.conversationId,
    conversationType: turn.conversationType.slice(0, 32),
    serviceUrl: turn.serviceUrl,
    reference: encodeReference({ v: 1, reference, unsigned, viewers }),
    userOid: turn.conversationType === 'personal' ? turn.userOid : null,
  });
  return { isNew, viewers };
}

/** The app was removed from the conversation: forget it and the cards posted there. */
export function forgetConversation(deps: BotDeps, turn: Turn): Promise<void> {
  return forgetInstallation(deps, turn.tenantId, turn.conversationId);
}

/** The people who see this conversation's cards (for `refresh.userIds`). */
export async function viewersOf(deps: BotDeps, tenantId: string, conversationId: string) {
  const known = await deps.repos.conversationRefs.get(tenantId, { conversationId });
  return (known && decodeReference(known.reference)?.viewers) || [];
}
