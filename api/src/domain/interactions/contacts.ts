import { randomUUID } from 'node:crypto';
import { DomainError } from '../errors';
import { LIMITS } from '../meetings/validation';
import type { Clock } from '../ports/clock';
import type { Repositories } from '../ports/repositories';
import { insertClientRow } from './clients';
import type { DirectoryDeps } from './deps';
import type { Client, Contact } from './types';
import { companyNameFromDomain, invalid, requireEmail, requireName } from './validation';

export interface NewContact {
  /** The client the contact works for; when absent, the client that owns the email's domain. */
  clientId?: string | null;
  name: string;
  email: string;
}

export function contactConflict(existing: Contact, cause?: unknown): DomainError {
  return new DomainError(
    'conflict',
    `The email ${existing.email} already belongs to the contact "${existing.name}".`,
    { existingContactId: existing.contactId, clientId: existing.clientId },
    { cause },
  );
}

interface Placement {
  name: string;
  email: string;
  clientId: string | null;
  domain: string | null;
}

async function clientFor(
  repos: Repositories,
  clock: Clock,
  tenantId: string,
  p: Placement,
  trace: { createdClient: boolean },
): Promise<{ client: Client; created: boolean }> {
  if (p.clientId) {
    const client = await repos.clients.get(tenantId, { clientId: p.clientId });
    if (!client) throw invalid('contact', 'clientId', 'unknown client');
    return { client, created: false };
  }
  const domain = p.domain;
  if (!domain) throw invalid('contact', 'clientId', `choose a client for ${p.email}`);
  const owner = await repos.clients.findByEmailDomain(tenantId, domain);
  if (owner) return { client: owner, created: false };
  trace.createdClient = true;
  const companyName = companyNameFromDomain(domain);
  const client = await insertClientRow(repos, clock, tenantId, {
    companyName,
    emailDomain: domain,
  });
  return { client, created: true };
}

async function placeContact(
  repos: Repositories,
  clock: Clock,
  tenantId: string,
  p: Placement,
  trace: { createdClient: boolean },
): Promise<Contact> {
  const existing = await repos.contacts.findByEmail(tenantId, p.email);
  if (existing) throw contactConflict(existing);
  const { client } = await clientFor(repos, clock, tenantId, p, trace);
  const now = clock.now();
  return repos.contacts.insert(tenantId, {
    contactId: randomUUID(),
    clientId: client.clientId,
    name: p.name,
    email: p.email,
    createdAt: now,
    updatedAt: now,
  });
}

/**
 * Creates a contact. The email is stored lower-case and is unique per tenant ('conflict' naming the
 * contact that has it). A `clientId` must be a client of this tenant; without one the contact goes
 * to the client owning the email's domain, and an unknown domain creates that client (named after
 * the domain) in the same transaction as the contact.
 */
export async function createContact(
  deps: DirectoryDeps,
  tenantId: string,
  input: NewContact,
): Promise<Contact> {
  const name = requireName(input.name, 'contact', 'name');
  const { email, domain } = requireEmail(input.email, 'contact');
  const clientId = input.clientId?.trim() || null;
  if (!clientId && !domain) {
    throw invalid('contact', 'clientId', `choose a client: ${email} has no company domain`);
  }
  const placement: Placement = { name, email, clientId, domain };
  for (let attempt = 1; ; attempt += 1) {
    const trace = { createdClient: false };
    try {
      return await deps.uow.run((tx) =>
        placeContact(tx.repos, deps.clock, tenantId, placement, trace),
      );
    } catch (err) {
      if (err instanceof DomainError) throw err;
      // Unique indexes decide races: a lost one is reported like the check that came too early.
      const winner = await deps.repos.contacts.findByEmail(tenantId, email);
      if (winner) throw contactConflict(winner, err);
      // Another request created the domain's client meanwhile: one more attempt places us on it.
      const retry =
        attempt === 1 &&
        trace.createdClient &&
        domain !== null &&
        (await deps.repos.clients.findByEmailDomain(tenantId, domain)) !== null;
      if (!retry) throw err;
    }
  }
}

/** The contact with this email (any case), or null; never another tenant's. */
export async function findContactByEmail(
  deps: Pick<DirectoryDeps, 'repos'>,
  tenantId: string,
  email: string,
): Promise<Contact | null> {
  const normalized = (email ?? '').trim().toLowerCase();
  if (normalized.length === 0 || normalized.length > LIMITS.emailMax) return null;
  return deps.repos.contacts.findByEmail(tenantId, normalized);
}

/** The contact with this email, created under `clientId` when there is none; idempotent (bootstrap). */
export async function ensureContact(
  deps: DirectoryDeps,
  tenantId: string,
  input: { clientId: string; name: string; email: string },
): Promise<Contact> {
  const { email } = requireEmail(input.email, 'contact');
  const found = await deps.repos.contacts.findByEmail(tenantId, email);
  if (found) return found;
  const now = deps.clock.now();
  return deps.repos.contacts.insert(tenantId, {
    contactId: randomUUID(),
    clientId: input.clientId,
    name: requireName(input.name, 'contact', 'name'),
    email,
    createdAt: now,
    updatedAt: now,
  });
}
