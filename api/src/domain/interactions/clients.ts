import { randomUUID } from 'node:crypto';
import { DomainError } from '../errors';
import type { Clock } from '../ports/clock';
import type { Repositories } from '../ports/repositories';
import type { DirectoryDeps } from './deps';
import type { Client } from './types';
import { requireDomain, requireName } from './validation';

export interface NewClient {
  companyName: string;
  /** Contacts with an email at this domain are placed on this client; unique per tenant. */
  emailDomain?: string | null;
}

export function clientConflict(existing: Client, cause?: unknown): DomainError {
  return new DomainError(
    'conflict',
    `The email domain ${existing.emailDomain} already belongs to the client "${existing.companyName}".`,
    { existingClientId: existing.clientId, companyName: existing.companyName },
    { cause },
  );
}

/** Inserts a client row from already normalized values; errors (such as a lost race) propagate. */
export async function insertClientRow(
  repos: Repositories,
  clock: Clock,
  tenantId: string,
  input: { companyName: string; emailDomain: string | null },
): Promise<Client> {
  const now = clock.now();
  return repos.clients.insert(tenantId, {
    clientId: randomUUID(),
    companyName: input.companyName,
    emailDomain: input.emailDomain,
    createdAt: now,
    updatedAt: now,
  });
}

/**
 * Creates a client. A domain is stored lower-case and in ASCII (IDN as punycode); a second client
 * with the same domain is a 'conflict' naming the one that owns it.
 */
export async function createClient(
  deps: DirectoryDeps,
  tenantId: string,
  input: NewClient,
): Promise<Client> {
  const companyName = requireName(input.companyName, 'client', 'companyName');
  const rawDomain = input.emailDomain?.trim() ?? '';
  const emailDomain = rawDomain === '' ? null : requireDomain(rawDomain, 'client');
  if (emailDomain) {
    const existing = await deps.repos.clients.findByEmailDomain(tenantId, emailDomain);
    if (existing) throw clientConflict(existing);
  }
  try {
    return await insertClientRow(deps.repos, deps.clock, tenantId, { companyName, emailDomain });
  } catch (err) {
    // A concurrent request took the domain between the check and the insert (unique index).
    const winner = emailDomain
      ? await deps.repos.clients.findByEmailDomain(tenantId, emailDomain)
      : null;
    if (winner) throw clientConflict(winner, err);
    throw err;
  }
}

/** The client that owns an email domain, created when there is none; idempotent (bootstrap). */
export async function ensureClient(
  deps: DirectoryDeps,
  tenantId: string,
  input: { companyName: string; emailDomain: string },
): Promise<Client> {
  const emailDomain = requireDomain(input.emailDomain, 'client');
  const found = await deps.repos.clients.findByEmailDomain(tenantId, emailDomain);
  if (found) return found;
  const companyName = requireName(input.companyName, 'client', 'companyName');
  return insertClientRow(deps.repos, deps.clock, tenantId, { companyName, emailDomain });
}
