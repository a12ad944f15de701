import { DomainError } from '../errors';
import { createContact } from '../interactions/contacts';
import { resolveContact } from '../interactions/contact-search';
import { foldText } from '../interactions/contact-matching';
import { normalizeEmail } from '../interactions/validation';
import type { DirectoryDeps } from '../interactions/deps';
import type { Client, Contact } from '../interactions/types';
import type { DraftAttendee } from './types';

const MAX_CHOICES = 10;
const CLIENTS_SCANNED = 5000;

export interface WhoChoice {
  contactId: string;
  name: string;
  email: string;
  client: string | null;
}

/** What one typed attendee turned out to be, or what the person must answer about it. */
export type WhoQuestion =
  | { kind: 'resolved'; attendee: DraftAttendee }
  | { kind: 'choose'; who: number; query: string; choices: WhoChoice[] }
  | { kind: 'create'; who: number; email: string; client: string; clientIsNew: boolean }
  | { kind: 'unknown'; who: number; message: string };

const attendeeOf = (typed: string, c: Contact): DraftAttendee => ({
  typed,
  email: c.email,
  name: c.name,
  contactId: c.contactId,
  clientId: c.clientId,
});

async function choicesOf(
  deps: Pick<DirectoryDeps, 'repos'>,
  tenantId: string,
  contacts: Contact[],
) {
  const out: WhoChoice[] = [];
  for (const c of contacts.slice(0, MAX_CHOICES)) {
    const client = await deps.repos.clients.get(tenantId, { clientId: c.clientId });
    out.push({
      contactId: c.contactId,
      name: c.name,
      email: c.email,
      client: client?.companyName ?? null,
    });
  }
  return out;
}

/** The client whose company name is exactly what was typed (case and accents aside). */
async function clientNamed(
  deps: Pick<DirectoryDeps, 'repos'>,
  tenantId: string,
  typed: string,
): Promise<Client | null> {
  const wanted = foldText(typed);
  const clients = await deps.repos.clients.list(tenantId, {}, { limit: CLIENTS_SCANNED });
  return clients.find((c) => foldText(c.companyName) === wanted) ?? null;
}

/**
 * Resolves what a person typed for an attendee: an email (a contact, or an offer to create one
 * under the client its domain belongs to), a contact's name (one, or a choice between equals), or
 * a client's name (its only contact, or a choice between its contacts).
 */
export async function resolveWho(
  deps: Pick<DirectoryDeps, 'repos'>,
  tenantId: string,
  who: number,
  typed: string,
): Promise<WhoQuestion> {
  const found = await resolveContact(deps, tenantId, typed).catch((err: unknown) => {
    if (err instanceof DomainError && err.code === 'invalid_input')
      return { kind: 'none' as const };
    throw err;
  });
  if (found.kind === 'found')
    return { kind: 'resolved', attendee: attendeeOf(typed, found.contact) };
  if (found.kind === 'ambiguous') {
    const choices = await choicesOf(
      deps,
      tenantId,
      found.candidates.map((m) => m.contact),
    );
    return { kind: 'choose', who, query: typed, choices };
  }
  const email = typed.includes('@') ? normalizeEmail(typed) : null;
  if (email) {
    if (!email.domain) {
      return {
        kind: 'unknown',
        who,
        message: `${email.email} is not a contact yet, and its domain is not a company's; add them from the Meetings tab.`,
      };
    }
    const owner = await deps.repos.clients.findByEmailDomain(tenantId, email.domain);
    return {
      kind: 'create',
      who,
      email: email.email,
      client: owner?.companyName ?? email.domain,
      clientIsNew: !owner,
    };
  }
  if (typed.includes('@')) {
    return { kind: 'unknown', who, message: `"${short(typed)}" is not a valid email address.` };
  }
  const client = await clientNamed(deps, tenantId, typed);
  if (client) {
    const contacts = await deps.repos.contacts.list(
      tenantId,
      { clientId: client.clientId },
      { limit: MAX_CHOICES + 1, order: { name: 'ASC' } },
    );
    if (contacts.length === 1)
      return { kind: 'resolved', attendee: attendeeOf(typed, contacts[0]) };
    if (contacts.length > 1) {
      return {
        kind: 'choose',
        who,
        query: client.companyName,
        choices: await choicesOf(deps, tenantId, contacts),
      };
    }
    return {
      kind: 'unknown',
      who,
      message: `${client.companyName} has no contacts yet; schedule with their email address instead.`,
    };
  }
  return {
    kind: 'unknown',
    who,
    message: `I couldn't find a contact, client or email called "${short(typed)}".`,
  };
}

function short(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Settles an open question: the chosen contact (this tenant's), or a new contact for the email. */
export async function settle(
  deps: DirectoryDeps,
  tenantId: string,
  typed: string,
  answer: { contactId: string } | { createContact: true },
): Promise<DraftAttendee> {
  if ('contactId' in answer) {
    const contact = await deps.repos.contacts.get(tenantId, { contactId: answer.contactId });
    if (!contact) throw new DomainError('not_found', 'That contact no longer exists.');
    return attendeeOf(typed, contact);
  }
  const email = normalizeEmail(typed);
  if (!email) throw new DomainError('invalid_input', `"${short(typed)}" is not an email address.`);
  const existing = await deps.repos.contacts.findByEmail(tenantId, email.email);
  if (existing) return attendeeOf(typed, existing);
  const contact = await createContact(deps, tenantId, {
    name: nameFromEmail(email.email),
    email: email.email,
  });
  return attendeeOf(typed, contact);
}

/** "jane.doe@acme.com" → "Jane Doe": a name to start with, editable later in the tab. */
function nameFromEmail(email: string): string {
  const local = email
    .split('@')[0]
    .replace(/[._+-]+/g, ' ')
    .trim();
  const words = local.split(/\s+/).filter(Boolean);
  return words.map((w) => w[0].toUpperCase() + w.slice(1)).join(' ') || email;
}
