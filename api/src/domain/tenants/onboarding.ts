import type { Clock } from '../ports/clock';
import type { Repositories } from '../ports/repositories';
import type { UnitOfWork } from '../ports/unit-of-work';
import type { TenantSettings } from './types';

/** Settings of a tenant nobody configured yet. */
export function defaultSettings(now: Date): Omit<TenantSettings, 'tenantId'> {
  return {
    organizerUpn: null,
    organizerOid: null,
    autoRecord: false,
    autoTranscribe: true,
    retentionCopy: false,
    retentionDays: null,
    defaultTimeZone: 'UTC',
    updatedBy: null,
    updatedAt: now,
  };
}

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
  deps: { uow: UnitOfWork; clock: Clock },
  input: TenantRegistration,
): Promise<void> {
  await deps.uow.run((tx) => register(tx.repos, deps.clock.now(), input));
}

async function register(repos: Repositories, now: Date, input: TenantRegistration) {
  const existing = await repos.tenants.get(input.tenantId);
  await repos.tenants.upsert(input.tenantId, {
    displayName: input.displayName,
    status: existing?.status === 'suspended' ? 'suspended' : 'active',
    consentedAt: existing?.consentedAt ?? now,
  });
  const settings = await repos.tenantSettings.get(input.tenantId, {});
  if (!settings) {
    await repos.tenantSettings.insert(input.tenantId, {
      ...defaultSettings(now),
      organizerUpn: input.organizer?.upn ?? null,
      organizerOid: input.organizer?.oid ?? null,
      defaultTimeZone: input.defaultTimeZone ?? 'UTC',
    });
  } else if (!settings.organizerOid && input.organizer) {
    await repos.tenantSettings.update(
      input.tenantId,
      {},
      { organizerUpn: input.organizer.upn, organizerOid: input.organizer.oid, updatedAt: now },
    );
  }
}
