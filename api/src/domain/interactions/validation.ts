import { domainToASCII, domainToUnicode } from 'node:url';
import { DomainError } from '../errors';
import { isValidEmail } from '../meetings/validation';

export const DIRECTORY_LIMITS = {
  /** Company and person names (the columns hold 256 characters). */
  nameMax: 256,
  /** RFC 1035 limit for the ASCII form of a domain. */
  domainMax: 253,
  /** A search longer than any stored name cannot match one; this also bounds the matching cost. */
  queryMax: 256,
} as const;

/** Letters, marks, digits, hyphens and the dots IDNA accepts; anything else is not a domain. */
const DOMAIN_CHARS = /^[\p{L}\p{M}\p{N}\-.\u3002\uFF0E\uFF61]+$/u;
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** At least two labels; the top-level one alphabetic or an IDN (`xn--`), never numeric (an IP). */
const ASCII_DOMAIN = new RegExp(`^(?:${LABEL}\\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$`);

export function invalid(what: string, field: string, problem: string): DomainError {
  return new DomainError('invalid_input', `The ${what} can't be saved: ${problem}.`, {
    fields: { [field]: problem },
  });
}

/** NFC, inner whitespace collapsed, trimmed; null when empty, too long or holding control chars. */
export function normalizeName(raw: string | null | undefined): string | null {
  const name = (raw ?? '').normalize('NFC').replace(/\s+/gu, ' ').trim();
  if (name.length === 0 || name.length > DIRECTORY_LIMITS.nameMax) return null;
  return /\p{Cc}/u.test(name) ? null : name;
}

export function requireName(raw: string, what: string, field: string): string {
  const name = normalizeName(raw);
  if (name === null) {
    throw invalid(what, field, `the name must be 1 to ${DIRECTORY_LIMITS.nameMax} characters`);
  }
  return name;
}

/** Lower-case ASCII form of a domain (IDN converted to punycode); null when it is not one. */
export function normalizeDomain(raw: string | null | undefined): string | null {
  const trimmed = (raw ?? '').trim().replace(/\.$/, '');
  // Checked before conversion: domainToASCII parses a URL host, so `a.com/x` would become `a.com`.
  if (trimmed.length === 0 || trimmed.length > 4 * DIRECTORY_LIMITS.domainMax) return null;
  if (!DOMAIN_CHARS.test(trimmed)) return null;
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (ascii.length === 0 || ascii.length > DIRECTORY_LIMITS.domainMax) return null;
  return ASCII_DOMAIN.test(ascii) ? ascii : null;
}

export function requireDomain(raw: string, what: string): string {
  const domain = normalizeDomain(raw);
  if (domain === null) {
    throw invalid(what, 'emailDomain', `"${raw.trim().slice(0, 64)}" is not an email domain`);
  }
  return domain;
}

export interface NormalizedEmail {
  /** Trimmed and lower-cased, as stored. */
  email: string;
  /** The ASCII domain the email belongs to, null when its domain is not a usable one. */
  domain: string | null;
}

/** Trimmed and lower-cased email; null when it is not a valid address. */
/** Personal mailbox providers: their domain says nothing about the client a contact works for. */
const PERSONAL_EMAIL_DOMAINS = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'yahoo.com',
  'icloud.com',
  'me.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'web.de',
  'mail.com',
  'yandex.com',
  'zoho.com',
]);

/** A lower-case email and its company domain (null for personal mailbox providers). */
export function normalizeEmail(raw: string | null | undefined): NormalizedEmail | null {
  const email = (raw ?? '').trim().toLowerCase();
  if (!isValidEmail(email)) return null;
  const domain = normalizeDomain(email.slice(email.lastIndexOf('@') + 1));
  return { email, domain: domain && PERSONAL_EMAIL_DOMAINS.has(domain) ? null : domain };
}

export function requireEmail(raw: string, what: string): NormalizedEmail {
  const email = normalizeEmail(raw);
  if (email === null) {
    throw invalid(
      what,
      'email',
      `"${(raw ?? '').trim().slice(0, 64)}" is not a valid email address`,
    );
  }
  return email;
}

/** Second-level labels under a country code that are not the organisation (`acme.co.uk`). */
const GENERIC_SECOND_LEVEL = new Set(['co', 'com', 'org', 'net', 'ac', 'gov', 'edu', 'ltd', 'plc']);

const capitalize = (word: string) => {
  const [first = '', ...rest] = Array.from(word);
  return first.toUpperCase() + rest.join('');
};

/**
 * A company name guessed from a normalized domain: `acme.example` → "Acme",
 * `mail.acme-corp.co.uk` → "Acme Corp", `xn--bcher-kva.example` → "Bücher".
 */
export function companyNameFromDomain(domain: string): string {
  const labels = (domainToUnicode(domain) || domain).split('.');
  const tld = labels.pop() ?? '';
  const last = labels[labels.length - 1];
  if (labels.length >= 2 && tld.length === 2 && last && GENERIC_SECOND_LEVEL.has(last)) {
    labels.pop();
  }
  const words = (labels[labels.length - 1] ?? '').split('-').filter((w) => w.length > 0);
  return words.length > 0 ? words.map(capitalize).join(' ') : domain;
}
