import type { Clock } from '../ports/clock';
import type { Repositories } from '../ports/repositories';

export interface TenantRegistration {
  tenantId: string;
  displayName: string;
  /** The service account that organizes meetings, if known at registration. */
  organizer?: { upn: string; oid: string };
  defaultTimeZone?: string;
}

/**
 * Makes a tenant active (consented) and gives it settings; idempotent. Settings a tenant admin
 * already changed are kept, except that a missing organizer is filled in.
 */
export async function ensureTenant(
  deps: { repos: Repositories; clock: Clock },
  input: TenantRegistration,
): Promise<void> {
  const { repos, clock } = deps;
  const now = clock.now();
  const existing = await repos.tenants.get(input.tenantId);
  await repos.tenants.upsert(input.tenantId, {
    displayName: input.displayName,
    status: existing?.status === 'suspended' ? 'suspended' : 'active',
    consentedAt: existing?.consentedAt ?? now,
  });
  const settings = await repos.tenantSettings.get(input.tenantId, {});
  if (!settings) {
    await repos.tenantSettings.insert(input.tenantId, {
      organizerUpn: input.organizer?.upn ?? null,
      organizerOid: input.organizer?.oid ?? null,
      autoRecord: false,
      autoTranscribe: true,
      retentionCopy: false,
      retentionDays: null,
      defaultTimeZone: input.defaultTimeZone ?? 'UTC',
      updatedBy: null,
      updatedAt: now,
    });
  } else if (!settings.organizerOid && input.organizer) {
    await repos.tenantSettings.update(
      input.tenantId,
      {},
      { organizerUpn: input.organizer.upn, organizerOid: input.organizer.oid, updatedAt: now },
    );
  }
}
