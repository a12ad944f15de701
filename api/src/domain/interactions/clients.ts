import { randomUUID } from 'node:crypto';
import type { Clock } from '../ports/clock';
import type { Repositories } from '../ports/repositories';
import type { Client, Contact } from './types';

interface Deps {
  repos: Repositories;
  clock: Clock;
}

/** The client that owns an email domain, created when there is none; idempotent. */
export async function ensureClient(
  deps: Deps,
  tenantId: string,
  input: { companyName: string; emailDomain: string },
): Promise<Client> {
  const found = await deps.repos.clients.findByEmailDomain(tenantId, input.emailDomain);
  if (found) return found;
  const now = deps.clock.now();
  return deps.repos.clients.insert(tenantId, {
    clientId: randomUUID(),
    companyName: input.companyName,
    emailDomain: input.emailDomain.trim().toLowerCase(),
    createdAt: now,
    updatedAt: now,
  });
}

/** The contact with this email, created under `clientId` when there is none; idempotent. */
export async function ensureContact(
  deps: Deps,
  tenantId: string,
  input: { clientId: string; name: string; email: string },
): Promise<Contact> {
  const found = await deps.repos.contacts.findByEmail(tenantId, input.email);
  if (found) return found;
  const now = deps.clock.now();
  return deps.repos.contacts.insert(tenantId, {
    contactId: randomUUID(),
    clientId: input.clientId,
    name: input.name,
    email: input.email,
    createdAt: now,
    updatedAt: now,
  });
}
