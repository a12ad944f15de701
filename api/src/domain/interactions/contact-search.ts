import { DomainError } from '../errors';
import type { Repositories } from '../ports/repositories';
import { MATCH_SCORES, NameRanker, prepareQuery, type NameQuery } from './contact-matching';
import { findContactByEmail } from './contacts';
import type { DirectoryDeps } from './deps';
import type { Client, Contact } from './types';
import { DIRECTORY_LIMITS, normalizeEmail } from './validation';

/** The repositories' page cap. */
const PAGE = 500;
/**
 * Names are matched in memory over a scan of the tenant's contacts, so a search reads at most this
 * many (by contact id); a larger directory needs a stored folded-name column with an index.
 */
export const MAX_CONTACTS_SCANNED = 20_000;
export const SEARCH_LIMITS = { defaultLimit: 10, maxLimit: 50 } as const;

export interface ContactMatch {
  contact: Contact;
  client: Client;
  /** One of MATCH_SCORES: 1 is the exact name; equal scores are equally good. */
  score: number;
}

export type ContactResolution =
  | { kind: 'found'; contact: Contact; client: Client | null; score: number }
  | { kind: 'ambiguous'; candidates: ContactMatch[] }
  | { kind: 'none' };

function searchError(problem: string): DomainError {
  return new DomainError('invalid_input', `The contact search can't run: ${problem}.`, {
    fields: { query: problem },
  });
}

function requireQuery(query: string): NameQuery {
  if ((query ?? '').length > DIRECTORY_LIMITS.queryMax) {
    throw searchError(`the search is longer than ${DIRECTORY_LIMITS.queryMax} characters`);
  }
  const prepared = prepareQuery(query ?? '');
  if (!prepared) throw searchError('the search has no letters or digits');
  return prepared;
}

function requireLimit(limit: number | undefined): number {
  const value = limit ?? SEARCH_LIMITS.defaultLimit;
  if (!Number.isInteger(value) || value < 1 || value > SEARCH_LIMITS.maxLimit) {
    throw new DomainError(
      'invalid_input',
      `The contact search can't run: the limit must be 1 to ${SEARCH_LIMITS.maxLimit}.`,
      { fields: { limit: `must be an integer from 1 to ${SEARCH_LIMITS.maxLimit}` } },
    );
  }
  return value;
}

async function clientsById(repos: Repositories, tenantId: string, clientIds: string[]) {
  const clients = new Map<string, Client>();
  for (const clientId of new Set(clientIds)) {
    const client = await repos.clients.get(tenantId, { clientId });
    if (client) clients.set(clientId, client);
  }
  return clients;
}

/**
 * The tenant's contacts whose name matches `query`, best first: exact full name, then whole name
 * parts, prefixes, substrings, small typos; case and diacritics never matter.
 */
export async function findContactsByName(
  deps: Pick<DirectoryDeps, 'repos'>,
  tenantId: string,
  query: string,
  options: { limit?: number } = {},
): Promise<ContactMatch[]> {
  const prepared = requireQuery(query);
  const limit = requireLimit(options.limit);
  const ranker = new NameRanker<Contact>(
    prepared,
    limit,
    (c) => c.name,
    (c) => c.contactId,
  );
  for (let offset = 0; offset < MAX_CONTACTS_SCANNED; offset += PAGE) {
    const page = await deps.repos.contacts.list(
      tenantId,
      {},
      { order: { contactId: 'ASC' }, limit: PAGE, offset },
    );
    ranker.offer(page);
    if (page.length < PAGE) break;
  }
  const ranked = ranker.results();
  const clients = await clientsById(
    deps.repos,
    tenantId,
    ranked.map((r) => r.item.clientId),
  );
  return ranked.flatMap(({ item, score }) => {
    const client = clients.get(item.clientId);
    return client ? [{ contact: item, client, score }] : [];
  });
}

/** How many equally good candidates an ambiguous answer lists ("which Jane?"). */
const MAX_CANDIDATES = 10;

/**
 * The one contact a person means by `query`: an email is looked up exactly, a name is searched;
 * 'ambiguous' when the best two names match equally well, with every such candidate.
 */
export async function resolveContact(
  deps: Pick<DirectoryDeps, 'repos'>,
  tenantId: string,
  query: string,
): Promise<ContactResolution> {
  const email = (query ?? '').includes('@') ? normalizeEmail(query) : null;
  if (email) {
    const contact = await findContactByEmail(deps, tenantId, email.email);
    if (!contact) return { kind: 'none' };
    const client = await deps.repos.clients.get(tenantId, { clientId: contact.clientId });
    return { kind: 'found', contact, client, score: MATCH_SCORES.exact };
  }
  const matches = await findContactsByName(deps, tenantId, query, { limit: MAX_CANDIDATES });
  const [top, second] = matches;
  if (!top) return { kind: 'none' };
  if (second && second.score === top.score) {
    return { kind: 'ambiguous', candidates: matches.filter((m) => m.score === top.score) };
  }
  return { kind: 'found', contact: top.contact, client: top.client, score: top.score };
}
