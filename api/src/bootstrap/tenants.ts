import type { DirectoryDeps } from '../domain/interactions/deps';
import { ensureTenant } from '../domain/tenants/onboarding';
import { ensureClient } from '../domain/interactions/clients';
import { ensureContact } from '../domain/interactions/contacts';
import type { SandboxInfo } from './sandbox';

/** Registers the sandbox's tenants (active, with organizer) and its demo clients; idempotent. */
export async function registerSandboxTenants(
  deps: DirectoryDeps,
  info: SandboxInfo,
): Promise<number> {
  for (const t of info.tenants) {
    await ensureTenant(deps, {
      tenantId: t.tenantId,
      displayName: t.displayName,
      organizer: t.organizer ? { upn: t.organizer.upn, oid: t.organizer.oid } : undefined,
    });
    for (const c of t.clients) {
      const client = await ensureClient(deps, t.tenantId, c);
      for (const contact of c.contacts) {
        await ensureContact(deps, t.tenantId, { clientId: client.clientId, ...contact });
      }
    }
  }
  return info.tenants.length;
}
