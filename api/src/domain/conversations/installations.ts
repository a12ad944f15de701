import type { Clock } from '../ports/clock';
import type { Repositories } from '../ports/repositories';
import type { UnitOfWork } from '../ports/unit-of-work';
import type { ConversationRef } from '../meetings/types';

export interface ConversationDeps {
  repos: Repositories;
  uow: UnitOfWork;
  clock: Clock;
}

/** A conversation the app was installed in, as the transport describes it. */
export type Installation = Omit<ConversationRef, 'updatedAt'>;

/**
 * Remembers (or refreshes) where the bot is installed: proactive card updates go only to these
 * conversations. Returns true when it was not known before (greet once).
 */
export async function rememberInstallation(
  deps: ConversationDeps,
  ref: Installation,
): Promise<boolean> {
  const { tenantId, conversationId, ...rest } = ref;
  const now = deps.clock.now();
  const existing = await deps.repos.conversationRefs.get(tenantId, { conversationId });
  if (existing) {
    await deps.repos.conversationRefs.update(
      tenantId,
      { conversationId },
      { ...rest, updatedAt: now },
    );
    return false;
  }
  try {
    await deps.repos.conversationRefs.insert(tenantId, { conversationId, ...rest, updatedAt: now });
    return true;
  } catch (err) {
    // Teams sends installationUpdate and conversationUpdate together: the other one stored it.
    if (await deps.repos.conversationRefs.get(tenantId, { conversationId })) return false;
    throw err;
  }
}

/** The app was removed from a conversation: forget it and every card posted there. */
export async function forgetInstallation(
  deps: ConversationDeps,
  tenantId: string,
  conversationId: string,
): Promise<void> {
  await deps.uow.run(async (tx) => {
    for (const card of await tx.repos.meetingCards.list(tenantId, { conversationId })) {
      await tx.repos.meetingCards.delete(tenantId, {
        meetingId: card.meetingId,
        conversationId,
      });
    }
    await tx.repos.chatLists
      .list(tenantId, { conversationId })
      .then((rows) =>
        Promise.all(
          rows.map((r) =>
            tx.repos.chatLists.delete(tenantId, { conversationId, userOid: r.userOid }),
          ),
        ),
      );
    await tx.repos.conversationRefs.delete(tenantId, { conversationId });
  });
}

export async function installation(
  repos: Repositories,
  tenantId: string,
  conversationId: string,
): Promise<ConversationRef | null> {
  return repos.conversationRefs.get(tenantId, { conversationId });
}
