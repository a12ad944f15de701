import { DomainError } from '../errors';
import type { Clock } from '../ports/clock';
import type { Repositories } from '../ports/repositories';
import type { TenantContext } from '../tenants/context';
import type { OnlineMeeting } from './types';

/** How a person names a meeting in chat: the code on its card, or a number from their last list. */
export type MeetingReference = { type: 'code'; code: string } | { type: 'index'; index: number };

const LIST_MAX = 20;
const SCANNED = 500;
const RECENT_MS = 14 * 86_400_000;

/** The short code shown on a meeting's card: the first six hex digits of its id. */
export function meetingCode(meetingId: string): string {
  return meetingId.replace(/-/g, '').slice(0, 6).toUpperCase();
}

/**
 * A person's meetings for the `meetings` command: upcoming ones soonest first, then the last two
 * weeks' most recent first; at most 20. The list is remembered so "cancel 2" means what they saw.
 */
export async function listMeetingsForChat(
  deps: { repos: Repositories; clock: Clock },
  ctx: TenantContext,
  conversationId: string,
): Promise<OnlineMeeting[]> {
  const now = deps.clock.now().getTime();
  const mine = await deps.repos.onlineMeetings.list(
    ctx.tenantId,
    { createdBy: ctx.userOid },
    { order: { startAt: 'DESC' }, limit: SCANNED },
  );
  const upcoming = mine
    .filter((m) => m.endAt.getTime() >= now && m.state !== 'cancelled' && m.state !== 'failed')
    .sort((a, b) => a.startAt.getTime() - b.startAt.getTime());
  const recent = mine.filter(
    (m) => !upcoming.includes(m) && m.startAt.getTime() >= now - RECENT_MS,
  );
  const list = [...upcoming, ...recent].slice(0, LIST_MAX);
  const key = { conversationId, userOid: ctx.userOid };
  const row = { meetingIds: list.map((m) => m.meetingId).join(','), updatedAt: new Date(now) };
  if (!(await deps.repos.chatLists.update(ctx.tenantId, key, row))) {
    await deps.repos.chatLists.insert(ctx.tenantId, { ...key, ...row }).catch(async (err) => {
      if (!(await deps.repos.chatLists.update(ctx.tenantId, key, row))) throw err;
    });
  }
  return list;
}

/** The meeting a person means; another tenant's meeting and a missing one get the same answer. */
export async function findMeetingByReference(
  deps: { repos: Repositories },
  ctx: TenantContext,
  conversationId: string,
  ref: MeetingReference,
): Promise<OnlineMeeting> {
  if (ref.type === 'index') {
    const list = await deps.repos.chatLists.get(ctx.tenantId, {
      conversationId,
      userOid: ctx.userOid,
    });
    const meetingId = list?.meetingIds.split(',').filter(Boolean)[ref.index - 1];
    if (!meetingId) {
      throw new DomainError(
        'not_found',
        `There is no meeting ${ref.index} in your last list; say "meetings" to see it again.`,
      );
    }
    const m = await deps.repos.onlineMeetings.get(ctx.tenantId, { meetingId });
    if (!m) throw new DomainError('not_found', 'That meeting no longer exists.');
    return m;
  }
  const found = await deps.repos.onlineMeetings.findByIdPrefix(ctx.tenantId, idPrefixOf(ref.code));
  const matches = [];
  for (const m of found) {
    if (await mayView(deps, ctx, conversationId, m)) matches.push(m);
  }
  if (matches.length === 0) {
    throw new DomainError('not_found', `There is no meeting with the code ${ref.code}.`);
  }
  if (matches.length > 1) {
    throw new DomainError(
      'conflict',
      `More than one meeting has the code ${ref.code}; say "meetings" and use its number.`,
    );
  }
  return matches[0];
}

/** The code's six hex digits as the start of a UUID (which has no dash before its ninth). */
function idPrefixOf(code: string): string {
  return code
    .toLowerCase()
    .replace(/[^0-9a-f]/g, '')
    .slice(0, 6);
}

/**
 * Whether a person may see a meeting in a conversation: they scheduled it, or its card was posted
 * there (everyone in that chat already sees it). A code seen elsewhere shows nothing more.
 */
export async function mayView(
  deps: { repos: Repositories },
  ctx: TenantContext,
  conversationId: string,
  m: OnlineMeeting,
): Promise<boolean> {
  if (m.createdBy === ctx.userOid) return true;
  const card = await deps.repos.meetingCards.get(ctx.tenantId, {
    meetingId: m.meetingId,
    conversationId,
  });
  return card !== null;
}
