import { DomainError } from '../../../api/src/domain/errors';
import { isValidTimeZone } from '../../../api/src/domain/meetings/validation';
import type { TenantContext } from '../../../api/src/domain/tenants/context';
import type { BotDeps, Turn } from './deps';

/** Answered, in one sentence, to anyone whose organization is not set up (nothing is stored). */
export const TENANT_NOT_ACTIVE =
  "Interactions for Teams isn't set up for your organization yet; ask your Teams admin to add it.";

/**
 * The tenant context of a verified turn, or null when the tenant is not an active customer. The
 * tenant is the one Teams put on the activity (`channelData.tenant.id`) of a verified request.
 */
export async function tenantContext(deps: BotDeps, turn: Turn): Promise<TenantContext | null> {
  const tenant = await deps.repos.tenants.get(turn.tenantId);
  if (!tenant || tenant.status !== 'active') return null;
  return { tenantId: turn.tenantId, userOid: turn.userOid };
}

/** The user's zone: what their Teams client said, else the tenant's default, else UTC. */
export async function timeZoneOf(deps: BotDeps, turn: Turn): Promise<string> {
  if (turn.clientTimeZone && isValidTimeZone(turn.clientTimeZone)) return turn.clientTimeZone;
  const settings = await deps.repos.tenantSettings.get(turn.tenantId, {});
  const zone = settings?.defaultTimeZone;
  return zone && isValidTimeZone(zone) ? zone : 'UTC';
}

/** The meeting use cases, or a sentence saying scheduling is not available here. */
export function requireMeetings(deps: BotDeps) {
  if (!deps.meetings) {
    throw new DomainError(
      'unavailable',
      "Scheduling isn't available right now: the app has no Microsoft Graph access configured.",
    );
  }
  return deps.meetings;
}

/** What a person is told for a domain error: its message is written for them; codes pick the tone. */
export function sentenceFor(err: DomainError): string {
  switch (err.code) {
    case 'not_found':
    case 'invalid_input':
    case 'conflict':
    case 'forbidden':
    case 'organizer_not_configured':
    case 'unavailable':
      return err.message;
    case 'tenant_not_active':
      return TENANT_NOT_ACTIVE;
  }
}
