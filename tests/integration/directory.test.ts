import { randomUUID } from 'node:crypto';
import { createRepositories } from '../../api/src/data/repositories';
import { JobStore } from '../../api/src/data/job-store';
import { TypeOrmUnitOfWork } from '../../api/src/data/unit-of-work';
import { DomainError } from '../../api/src/domain/errors';
import { createClient, ensureClient } from '../../api/src/domain/interactions/clients';
import {
  createContact,
  ensureContact,
  findContactByEmail,
} from '../../api/src/domain/interactions/contacts';
import {
  findContactsByName,
  resolveContact,
} from '../../api/src/domain/interactions/contact-search';
import { MATCH_SCORES } from '../../api/src/domain/interactions/contact-matching';
import type { DirectoryDeps } from '../../api/src/domain/interactions/deps';
import type { Repositories } from '../../api/src/domain/ports/repositories';
import type { UnitOfWork } from '../../api/src/domain/ports/unit-of-work';
import { openTestDb, type TestDb } from '../helpers/db';
import { ManualClock } from '../helpers/clock';

const A = 'aaaaaaaa-0000-4000-8000-00000000000a';
const B = 'bbbbbbbb-0000-4000-8000-00000000000b';

/** Rejects with a DomainError of this code whose message matches. */
async function expectDomainError(promise: Promise<unknown>, code: string, message?: RegExp) {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe(code);
  if (message) expect((err as DomainError).message).toMatch(message);
  return err as DomainError;
}

describe('client and contact directory', () => {
  let db: TestDb;
  let repos: Repositories;
  let uow: UnitOfWork;
  let deps: DirectoryDeps;
  const clock = new ManualClock();

  beforeEach(async () => {
    db = await openTestDb();
    repos = createRepositories(db.dataSource.manager, db.entities, clock);
    const jobs = new JobStore(db.dataSource, db.entities, clock, { maxAttempts: 3 });
    uow = new TypeOrmUnitOfWork(db.dataSource, db.entities, jobs, clock);
    deps = { repos, clock, uow };
    for (const [tenantId, displayName] of [
      [A, 'Tenant A'],
      [B, 'Tenant B'],
    ]) {
      await repos.tenants.upsert(tenantId, { displayName, status: 'active', consentedAt: null });
    }
  });
  afterEach(async () => db.close());

  describe('creating clients', () => {
    it('stores a trimmed company name and the lower-case ASCII form of its email domain', async () => {
      const client = await createClient(deps, A, {
        companyName: '  Bücher   GmbH ',
        emailDomain: ' Bücher.Example ',
      });
      expect(client).toMatchObject({
        companyName: 'Bücher GmbH',
        emailDomain: 'xn--bcher-kva.example',
      });
      expect(await repos.clients.get(A, { clientId: client.clientId })).toEqual(client);
    });

    it('creates clients without an email domain', async () => {
      await createClient(deps, A, { companyName: 'Walk-in' });
      await createClient(deps, A, { companyName: 'Other walk-in', emailDomain: '' });
      expect(await repos.clients.count(A)).toBe(2);
    });

    it.each([[''], ['   '], ['x'.repeat(257)], ['Acme\u0000Corp']])(
      'rejects the company name %j',
      async (companyName) => {
        await expectDomainError(createClient(deps, A, { companyName }), 'invalid_input');
        expect(await repos.clients.count(A)).toBe(0);
      },
    );

    it.each([
      ['acme'],
      ['acme.com/evil'],
      ['10.0.0.1'],
      ['ac me.com'],
      ['-acme.com'],
      ['a..b.com'],
    ])('rejects the email domain %j', async (emailDomain) => {
      await expectDomainError(
        createClient(deps, A, { companyName: 'Acme', emailDomain }),
        'invalid_input',
        /not an email domain/,
      );
    });

    it('reports a second client with the same email domain as a conflict naming the first', async () => {
      const first = await createClient(deps, A, {
        companyName: 'Bücher',
        emailDomain: 'bücher.example',
      });
      for (const emailDomain of ['BÜCHER.example', 'xn--bcher-kva.example']) {
        const err = await expectDomainError(
          createClient(deps, A, { companyName: 'Copy', emailDomain }),
          'conflict',
          /"Bücher"/,
        );
        expect(err.details).toMatchObject({ existingClientId: first.clientId });
      }
      expect(await repos.clients.count(A)).toBe(1);
    });

    it('creates one of two clients created at once with the same domain and reports the other as a conflict', async () => {
      const results = await Promise.allSettled([
        createClient(deps, A, { companyName: 'Acme', emailDomain: 'acme.example' }),
        createClient(deps, A, { companyName: 'Acme Inc', emailDomain: 'ACME.example' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toMatchObject({ code: 'conflict' });
    });

    it('lets another tenant have a client with the same email domain', async () => {
      await createClient(deps, A, { companyName: 'Acme', emailDomain: 'acme.example' });
      await expect(
        createClient(deps, B, { companyName: 'Acme', emailDomain: 'acme.example' }),
      ).resolves.toMatchObject({ emailDomain: 'acme.example' });
    });
  });

  describe('creating contacts', () => {
    it('places a contact on the client it names and stores its email lower-case', async () => {
      const client = await createClient(deps, A, { companyName: 'Acme' });
      const contact = await createContact(deps, A, {
        clientId: client.clientId,
        name: ' Jane  Doe ',
        email: ' Jane.Doe@Acme.Example ',
      });
      expect(contact).toMatchObject({
        clientId: client.clientId,
        name: 'Jane Doe',
        email: 'jane.doe@acme.example',
      });
    });

    it.each([
      [{ name: 'Jane', email: 'not-an-email' }, /not a valid email/],
      [{ name: 'Jane', email: 'jane@' }, /not a valid email/],
      [{ name: '  ', email: 'jane@acme.example' }, /name/],
    ])('rejects %j', async (input, message) => {
      await expectDomainError(createContact(deps, A, input), 'invalid_input', message);
      expect(await repos.clients.count(A)).toBe(0);
    });

    it('does not turn a personal mailbox provider into a client: the client must be chosen', async () => {
      await expectDomainError(
        createContact(deps, A, { name: 'Jane Doe', email: 'jane.doe@gmail.com' }),
        'invalid_input',
        /choose a client/,
      );
      expect(await repos.clients.count(A)).toBe(0);
      const client = await createClient(deps, A, { companyName: 'Acme' });
      const contact = await createContact(deps, A, {
        clientId: client.clientId,
        name: 'Jane',
        email: 'jane.doe@gmail.com',
      });
      expect(contact.clientId).toBe(client.clientId);
    });

    it('reports an email that is already taken, in any case, as a conflict naming its contact', async () => {
      const first = await createContact(deps, A, { name: 'Jane Doe', email: 'jane@acme.example' });
      const err = await expectDomainError(
        createContact(deps, A, { name: 'Janie', email: 'JANE@acme.example' }),
        'conflict',
        /"Jane Doe"/,
      );
      expect(err.details).toMatchObject({ existingContactId: first.contactId });
    });

    it('rejects a client that does not exist or belongs to another tenant as an unknown client', async () => {
      const theirs = await createClient(deps, B, { companyName: 'Theirs' });
      for (const clientId of [theirs.clientId, randomUUID()]) {
        await expectDomainError(
          createContact(deps, A, { clientId, name: 'Jane', email: 'jane@acme.example' }),
          'invalid_input',
          /unknown client/,
        );
      }
      expect(await repos.contacts.count(A)).toBe(0);
      expect(await repos.clients.count(A)).toBe(0);
    });

    it('places a contact without a client on the client that owns the email domain', async () => {
      const acme = await createClient(deps, A, {
        companyName: 'Acme',
        emailDomain: 'acme.example',
      });
      const contact = await createContact(deps, A, { name: 'Jane', email: 'Jane@ACME.example' });
      expect(contact.clientId).toBe(acme.clientId);
      expect(await repos.clients.count(A)).toBe(1);
    });

    it('creates a client named after an unknown email domain for a contact without a client', async () => {
      const contact = await createContact(deps, A, {
        name: 'Jane',
        email: 'jane@acme-corp.example',
      });
      const client = await repos.clients.get(A, { clientId: contact.clientId });
      expect(client).toMatchObject({ companyName: 'Acme Corp', emailDomain: 'acme-corp.example' });
      const colleague = await createContact(deps, A, {
        name: 'Joe',
        email: 'joe@acme-corp.example',
      });
      expect(colleague.clientId).toBe(contact.clientId);
    });

    it("creates the client in the contact's tenant even when another tenant owns that domain", async () => {
      const theirs = await createClient(deps, B, {
        companyName: 'Acme B',
        emailDomain: 'acme.example',
      });
      const contact = await createContact(deps, A, { name: 'Jane', email: 'jane@acme.example' });
      expect(contact.clientId).not.toBe(theirs.clientId);
      expect(await repos.clients.get(A, { clientId: contact.clientId })).toMatchObject({
        companyName: 'Acme',
      });
    });

    it('asks for a client when the email domain cannot name one', async () => {
      await expectDomainError(
        createContact(deps, A, { name: 'Local', email: 'admin@intranet.1' }),
        'invalid_input',
        /choose a client/,
      );
    });

    /** A unit of work whose contact inserts fail, as a full disk or a dropped connection would. */
    function failingContactInserts(inner: UnitOfWork): UnitOfWork {
      return {
        run: (fn) =>
          inner.run((tx) => {
            const contacts = new Proxy(tx.repos.contacts, {
              get(target, prop) {
                if (prop === 'insert') return () => Promise.reject(new Error('disk I/O error'));
                const value: unknown = Reflect.get(target, prop);
                return typeof value === 'function' ? value.bind(target) : value;
              },
            });
            return fn({ ...tx, repos: { ...tx.repos, contacts } });
          }),
      };
    }

    it('leaves no new client behind when the contact cannot be saved (one transaction)', async () => {
      const failing = { ...deps, uow: failingContactInserts(uow) };
      await expect(
        createContact(failing, A, { name: 'Jane', email: 'jane@acme.example' }),
      ).rejects.toThrow('disk I/O error');
      expect(await repos.clients.count(A)).toBe(0);
    });

    it('puts two colleagues created at once on one new client', async () => {
      const [jane, joe] = await Promise.all([
        createContact(deps, A, { name: 'Jane', email: 'jane@newco.example' }),
        createContact(deps, A, { name: 'Joe', email: 'joe@newco.example' }),
      ]);
      expect(jane.clientId).toBe(joe.clientId);
      expect(await repos.clients.count(A)).toBe(1);
    });

    it('creates one of two contacts created at once with the same email and reports the other as a conflict', async () => {
      await createClient(deps, A, { companyName: 'Acme', emailDomain: 'acme.example' });
      const results = await Promise.allSettled([
        createContact(deps, A, { name: 'Jane', email: 'jane@acme.example' }),
        createContact(deps, A, { name: 'Jane D', email: 'JANE@acme.example' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toMatchObject({ code: 'conflict' });
      expect(await repos.contacts.count(A)).toBe(1);
    });
  });

  describe('finding contacts', () => {
    async function seed(tenantId: string, people: [string, string][]) {
      const out = [];
      for (const [name, email] of people)
        out.push(await createContact(deps, tenantId, { name, email }));
      return out;
    }

    it('finds a contact by email in any case, and never one of another tenant', async () => {
      const [jane] = await seed(A, [['Jane Doe', 'jane@acme.example']]);
      expect(await findContactByEmail(deps, A, ' JANE@Acme.Example ')).toEqual(jane);
      expect(await findContactByEmail(deps, B, 'jane@acme.example')).toBeNull();
      expect(await findContactByEmail(deps, A, 'john@acme.example')).toBeNull();
    });

    it('ranks matches by name and returns each with its client', async () => {
      await seed(A, [
        ['Janet Smith', 'janet@globex.example'],
        ['Jane Doe', 'jane.doe@acme.example'],
        ['José Álvarez', 'jose@acme.example'],
        ['Jane Doerr', 'jane.doerr@initech.example'],
      ]);
      const matches = await findContactsByName(deps, A, 'jane doe');
      expect(matches.map((m) => [m.contact.name, m.client.companyName, m.score])).toEqual([
        ['Jane Doe', 'Acme', MATCH_SCORES.exact],
        ['Jane Doerr', 'Initech', MATCH_SCORES.prefix],
      ]);
      expect((await findContactsByName(deps, A, 'ALVAREZ')).map((m) => m.contact.name)).toEqual([
        'José Álvarez',
      ]);
      expect(await findContactsByName(deps, A, 'jan', { limit: 1 })).toHaveLength(1);
    });

    it('searches every page of a directory larger than one repository page', async () => {
      await uow.run(async (tx) => {
        const client = await createClient({ ...deps, repos: tx.repos }, A, { companyName: 'Big' });
        for (let i = 0; i < 1200; i += 1) {
          await tx.repos.contacts.insert(A, {
            contactId: randomUUID(),
            clientId: client.clientId,
            name: `Person ${i}`,
            email: `p${i}@big.example`,
            createdAt: clock.now(),
            updatedAt: clock.now(),
          });
        }
        // The highest id comes last in the scan, on the third page.
        await tx.repos.contacts.insert(A, {
          contactId: 'ffffffff-ffff-4fff-bfff-ffffffffffff',
          clientId: client.clientId,
          name: 'Zelda Quist',
          email: 'zelda@big.example',
          createdAt: clock.now(),
          updatedAt: clock.now(),
        });
      });
      const [top] = await findContactsByName(deps, A, 'zelda quist');
      expect(top).toMatchObject({ contact: { name: 'Zelda Quist' }, score: MATCH_SCORES.exact });
    });

    it.each([
      ['an empty search', '', {}],
      ['a search of punctuation only', '--', {}],
      ['a search longer than 256 characters', 'a'.repeat(257), {}],
      ['a zero limit', 'jane', { limit: 0 }],
      ['a limit above 50', 'jane', { limit: 51 }],
    ])('rejects %s', async (_what, query, options) => {
      await expectDomainError(findContactsByName(deps, A, query, options), 'invalid_input');
    });

    it("never matches another tenant's contacts by name", async () => {
      await seed(A, [['Jane Doe', 'jane@acme.example']]);
      expect(await findContactsByName(deps, B, 'Jane Doe')).toEqual([]);
      expect(await resolveContact(deps, B, 'Jane Doe')).toEqual({ kind: 'none' });
      expect(await resolveContact(deps, B, 'jane@acme.example')).toEqual({ kind: 'none' });
    });
  });

  describe('resolving who a person means', () => {
    beforeEach(async () => {
      for (const [name, email] of [
        ['Jane Doe', 'jane@acme.example'],
        ['Jane Roe', 'jane@globex.example'],
        ['Janet Smith', 'janet@initech.example'],
        ['Bob Stone', 'bob@acme.example'],
      ]) {
        await createContact(deps, A, { name, email });
      }
    });

    it('finds the one contact with that exact name even when others share a part of it', async () => {
      const result = await resolveContact(deps, A, 'jane doe');
      expect(result).toMatchObject({ kind: 'found', contact: { name: 'Jane Doe' }, score: 1 });
    });

    it('finds a contact through a small typo when nobody else is as close', async () => {
      const result = await resolveContact(deps, A, 'bob stnoe');
      expect(result).toMatchObject({ kind: 'found', contact: { name: 'Bob Stone' } });
    });

    it('asks "which Jane?" with every equally good candidate and their clients', async () => {
      const result = await resolveContact(deps, A, 'Jane');
      expect(result.kind).toBe('ambiguous');
      if (result.kind !== 'ambiguous') return;
      expect(result.candidates.map((c) => [c.contact.name, c.client.companyName])).toEqual([
        ['Jane Doe', 'Acme'],
        ['Jane Roe', 'Globex'],
      ]);
    });

    it('looks an email up exactly, whatever its case', async () => {
      const result = await resolveContact(deps, A, 'JANE@globex.example');
      expect(result).toMatchObject({
        kind: 'found',
        contact: { name: 'Jane Roe' },
        client: { companyName: 'Globex' },
      });
      expect(await resolveContact(deps, A, 'jane@unknown.example')).toEqual({ kind: 'none' });
    });

    it('says none when no name matches', async () => {
      expect(await resolveContact(deps, A, 'Zebulon')).toEqual({ kind: 'none' });
    });
  });

  describe('sandbox bootstrap', () => {
    it('ensures a client and its contacts idempotently', async () => {
      const input = { companyName: 'Acme', emailDomain: 'Acme.Example' };
      const client = await ensureClient(deps, A, input);
      expect(await ensureClient(deps, A, input)).toEqual(client);
      const person = { clientId: client.clientId, name: 'Jane', email: 'Jane@acme.example' };
      const contact = await ensureContact(deps, A, person);
      expect(await ensureContact(deps, A, person)).toEqual(contact);
      expect(await repos.contacts.count(A)).toBe(1);
      expect(client.emailDomain).toBe('acme.example');
    });
  });
});
