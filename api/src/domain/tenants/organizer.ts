import { randomUUID } from 'node:crypto';
import { DomainError } from '../errors';
import type { Clock } from '../ports/clock';
import { GraphCallError, type GraphPort } from '../ports/graph';
import { StorageError } from '../ports/storage';
import type { Repositories } from '../ports/repositories';
import type { UnitOfWork } from '../ports/unit-of-work';
import type { TenantContext } from './context';
import { isValidEmail } from '../meetings/validation';
import { adminFix } from '../meetings/failures';
import { defaultSettings } from './onboarding';

/**
 * Sets the account that organizes new meetings: its UPN is resolved to the object id Graph calls
 * need. Existing meetings keep the organizer they were created with. The setting, its audit event
 * and the job that makes sure the organizer's subscriptions exist commit together.
 */
export async function setOrganizer(
  deps: { repos: Repositories; uow: UnitOfWork; graph: GraphPort; clock: Clock },
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
    if (!(err instanceof GraphCallError)) throw err;
    if (err.failure.detail === 'permissionMissing') {
      throw new DomainError(
        'forbidden',
        'The app may not read users (User.Read.All); an admin must grant admin consent.',
        undefined,
        { cause: err },
      );
    }
    // Consent, credentials or tenant: an admin can fix it, and retrying will not.
    const fix = adminFix(err.failure);
    if (fix) throw new DomainError('forbidden', fix, undefined, { cause: err });
    const f = err.failure;
    if (f.reason === 'throttled' || f.reason === 'transient') {
      throw new DomainError(
        'unavailable',
        'Microsoft Graph could not be reached; try again in a minute.',
        undefined,
        { cause: err },
      );
    }
    throw new DomainError(
      'conflict',
      `Microsoft Graph refused to look up ${wanted} (${f.code ?? f.reason}).`,
      { graphCode: f.code, requestId: f.requestId },
      { cause: err },
    );
  }
  const now = deps.clock.now();
  const organizer = { upn: user.userPrincipalName, oid: user.id };
  const save = () =>
    deps.uow.run(async (tx) => {
      const patch = {
        organizerUpn: organizer.upn,
        organizerOid: organizer.oid,
        updatedBy: ctx.userOid,
        updatedAt: now,
      };
      const updated = await tx.repos.tenantSettings.update(ctx.tenantId, {}, patch);
      if (!updated) {
        await tx.repos.tenantSettings.insert(ctx.tenantId, { ...defaultSettings(now), ...patch });
      }
      await tx.repos.auditEvents.insert(ctx.tenantId, {
        eventId: randomUUID(),
        actorOid: ctx.userOid,
        action: 'settings.organizer.changed',
        targetType: 'tenant_settings',
        targetId: ctx.tenantId,
        detail: organizer.upn,
        occurredAt: now,
      });
      // Graph only notifies for transcripts whose subscription existed when transcription began.
      await tx.jobs.enqueue({
        kind: 'subscriptions.ensure',
        tenantId: ctx.tenantId,
        payload: { organizerOid: organizer.oid },
        dedupeKey: organizer.oid,
      });
    });
  try {
    await save();
  } catch (err) {
    // Two first requests for a tenant without settings both inserted them: the second updates.
    if (!(err instanceof StorageError && err.conflict)) throw err;
    await save();
  }
  return organizer;
}
