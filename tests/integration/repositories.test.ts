import { randomUUID } from 'node:crypto';
import { createRepositories } from '../../api/src/data/repositories';
import type { Repositories } from '../../api/src/domain/ports/repositories';
import { openTestDb, type TestDb } from '../helpers/db';
import { ManualClock } from '../helpers/clock';

const TENANT = 'cccccccc-0000-4000-8000-00000000000c';

describe('repositories store canonical forms', () => {
  let db: TestDb;
  let repos: Repositories;
  const clock = new ManualClock();

  beforeEach(async () => {
    db = await openTestDb();
    repos = createRepositories(db.dataSource.manager, db.entities, clock);
    await repos.tenants.upsert(TENANT, {
      displayName: 'Contoso',
      status: 'active',
      consentedAt: null,
    });
  });
  afterEach(async () => db.close());

  async function addClient(emailDomain: string | null) {
    const clientId = randomUUID();
    const now = clock.now();
    await repos.clients.insert(TENANT, {
      clientId,
      companyName: 'Acme',
      emailDomain,
      createdAt: now,
      updatedAt: now,
    });
    return clientId;
  }

  async function addContact(clientId: string, email: string) {
    const now = clock.now();
    return repos.contacts.insert(TENANT, {
      contactId: randomUUID(),
      clientId,
      name: 'Jane Doe',
      email,
      createdAt: now,
      updatedAt: now,
    });
  }

  it('finds a contact whatever the case of the email it was saved or looked up with', async () => {
    const clientId = await addClient('Acme.COM');
    const saved = await addContact(clientId, ' Jane@Acme.com ');
    expect(saved.email).toBe('jane@acme.com');
    expect((await repos.contacts.findByEmail(TENANT, 'JANE@acme.COM'))?.contactId).toBe(
      saved.contactId,
    );
    expect((await repos.clients.findByEmailDomain(TENANT, 'acme.com'))?.clientId).toBe(clientId);
  });

  it('treats two spellings of one email as the same contact', async () => {
    const clientId = await addClient(null);
    await addContact(clientId, 'pat@acme.com');
    await expect(addContact(clientId, 'Pat@Acme.com')).rejects.toThrow(/UNIQUE/);
  });

  it('lowercases an email changed by update', async () => {
    const clientId = await addClient(null);
    const contact = await addContact(clientId, 'pat@acme.com');
    await repos.contacts.update(
      TENANT,
      { contactId: contact.contactId },
      { email: 'PAT@NEW.example' },
    );
    expect((await repos.contacts.findByEmail(TENANT, 'pat@new.example'))?.contactId).toBe(
      contact.contactId,
    );
  });
});
