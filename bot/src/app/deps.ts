import type { DirectoryDeps } from '../../../api/src/domain/interactions/deps';
import type { MeetingDeps } from '../../../api/src/domain/meetings/deps';
import type { Clock } from '../../../api/src/domain/ports/clock';
import type { Repositories } from '../../../api/src/domain/ports/repositories';
import type { UnitOfWork } from '../../../api/src/domain/ports/unit-of-work';
import type { Logger } from '../../../api/src/log/logger';

/** What the bot's flows are built from (assembled in api/src/main.ts). */
export interface BotDeps {
  log: Logger;
  clock: Clock;
  repos: Repositories;
  uow: UnitOfWork;
  directory: DirectoryDeps;
  /** Null until Graph is configured: scheduling commands then say so. */
  meetings: MeetingDeps | null;
  /** Where "Open interaction" leads: a deep link into the personal tab. */
  interactionLink(interactionId: string): string;
}

/** One verified turn, as the flows see it: who, where, and how to answer. */
export interface Turn {
  tenantId: string;
  userOid: string;
  /** The user's Teams id (`29:…`), for `refresh.userIds`. */
  userMri: string;
  conversationId: string;
  conversationType: string;
  serviceUrl: string;
  /** The zone the user's Teams client reported, if any (not yet validated). */
  clientTimeZone: string | null;
  /** For card actions: the id of the message holding the card. */
  replyToId: string | null;
  say(text: string): Promise<void>;
  /** Sends a card-only message (so it can be updated later) and returns its id. */
  sendCard(card: Record<string, unknown>): Promise<string | null>;
}
