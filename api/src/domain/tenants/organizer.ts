import { randomUUID } from 'node:crypto';
import { DomainError } from '../errors';
import type { Clock } from '../ports/clock';
import { GraphCallError, type GraphPort } from '../ports/graph';
import type { Repositories } from '../ports/repositories';
import type { TenantContext } from './context';
import { isValidEmail } from '../meetings/validation';

/**
 * Sets the account that organizes new meetings: its UPN is resolved to the object id Graph calls
 * need. Existing meetings keep the organizer they were created with.
 */
export async function setOrganizer(
  deps: { repos: Repositories; graph: GraphPort; clock: Clock },
  ctx: TenantContext,
  upn: string,
): Promise<{ upn: string; oid: string }> {
  const wanted = upn.trim();
  if (!isValidEmail(wanted.toLowerCase())) {
    throw new DomainError('invalid_input', `"${upn}" is not a user principal name (name@domain).`);
  }
  let user;
  try {
    user = await deps.graph.getUser(ctx.tenantId, wanted);
  } catch (err) {
    if (err instanceof GraphCallError && err.failure.reason === 'notFound') {
      throw new DomainError('invalid_input', `There is no user ${wanted} in this organization.`);
    }
    if (err instanceof GraphCallError && err.failure.reason === 'forbidden') {
      throw new DomainError(
        'forbidden',
        'The app may not read users (User.Read.All); an admin must grant admin consent.',
      );
    }
    throw new DomainError(
      'unavailable',
      'Microsoft Graph could not be reached; try again in a minute.',
      undefined,
      { cause: err },
    );
  }
  const now = deps.clock.now();
  const organizer = { upn: user.userPrincipalName, oid: user.id };
  const updated = await deps.repos.tenantSettings.update(
    ctx.tenantId,
    {},
    {
      organizerUpn: organizer.upn,
      organizerOid: organizer.oid,
      updatedBy: ctx.userOid,
      updatedAt: now,
    },
  );
  if (!updated) throw new DomainError('not_found', 'This organization has no settings yet.');
  await deps.repos.auditEvents.insert(ctx.tenantId, {
    eventId: randomUUID(),
    actorOid: ctx.userOid,
    action: 'settings.organizer.changed',
    targetType: 'tenant_settings',
    targetId: ctx.tenantId,
    detail: organizer.upn,
    occurredAt: now,
  });
  return organizer;
}
