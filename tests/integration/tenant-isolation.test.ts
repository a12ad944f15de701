import { randomUUID } from 'node:crypto';
import { JobStore } from '../../api/src/data/job-store';
import { createRepositories } from '../../api/src/data/repositories';
import { TypeOrmUnitOfWork } from '../../api/src/data/unit-of-work';
import type { UnitOfWork } from '../../api/src/domain/ports/unit-of-work';
import type { Clock } from '../../api/src/domain/ports/clock';
import type { Repositories, TenantScopedRepository } from '../../api/src/domain/ports/repositories';
import { openTestDb, type TestDb } from '../helpers/db';

const TENANT_A = 'aaaaaaaa-0000-4000-8000-00000000000a';
const TENANT_B = 'bbbbbbbb-0000-4000-8000-00000000000b';
const NOW = new Date('2025-03-04T05:06:07.000Z');
const clock: Clock = { now: () => NOW };

/** The ids of one tenant's seeded rows: one of each table, parents first. */
interface World {
  tenantId: string;
  clientId: string;
  emailDomain: string;
  contactId: string;
  email: string;
  interactionId: string;
  meetingId: string;
  providerMeetingId: string;
  attendeeEmail: string;
  artifactId: string;
  conversationId: string;
  subscriptionId: string;
  graphSubscriptionId: string;
  dedupeKey: string;
  eventId: string;
  draftId: string;
  userOid: string;
}

async function seedTenant(r: Repositories, tenantId: string, label: string): Promise<World> {
  const w: World = {
    tenantId,
    clientId: randomUUID(),
    emailDomain: `${label}.example`,
    contactId: randomUUID(),
    email: `pat@${label}.example`,
    interactionId: randomUUID(),
    meetingId: randomUUID(),
    providerMeetingId: `provider-meeting-${label}`,
    attendeeEmail: `guest@${label}.example`,
    artifactId: randomUUID(),
    conversationId: `19:conversation-${label}@thread.v2`,
    subscriptionId: randomUUID(),
    graphSubscriptionId: randomUUID(),
    dedupeKey: `notification-${label}`,
    eventId: randomUUID(),
    draftId: randomUUID(),
    userOid: randomUUID(),
  };
  const user = w.userOid;
  await r.tenants.upsert(tenantId, {
    displayName: `Tenant ${label}`,
    status: 'active',
    consentedAt: NOW,
  });
  await r.tenantSettings.insert(tenantId, {
    organizerUpn: `organizer@${label}.example`,
    organizerOid: randomUUID(),
    autoRecord: true,
    autoTranscribe: true,
    retentionCopy: false,
    retentionDays: 30,
    defaultTimeZone: 'UTC',
    updatedBy: user,
    updatedAt: NOW,
  });
  await r.clients.insert(tenantId, {
    clientId: w.clientId,
    companyName: `Client ${label}`,
    emailDomain: w.emailDomain,
    createdAt: NOW,
    updatedAt: NOW,
  });
  await r.contacts.insert(tenantId, {
    contactId: w.contactId,
    clientId: w.clientId,
    name: `Pat ${label}`,
    email: w.email,
    createdAt: NOW,
    updatedAt: NOW,
  });
  await r.interactions.insert(tenantId, {
    interactionId: w.interactionId,
    type: 'online_meeting',
    clientId: w.clientId,
    contactId: w.contactId,
    title: `Review ${label}`,
    notes: null,
    startAt: NOW,
    endAt: NOW,
    status: 'planned',
    createdBy: user,
    createdAt: NOW,
    updatedAt: NOW,
  });
  await r.onlineMeetings.insert(tenantId, {
    meetingId: w.meetingId,
    interactionId: w.interactionId,
    provider: 'teams',
    providerEventId: `event-${label}`,
    creationRetryAt: null,
    leaseId: null,
    leaseUntil: null,
    cleanupPendingAt: null,
    providerMeetingId: w.providerMeetingId,
    joinUrl: `https://teams.example/join/${label}`,
    chatThreadId: null,
    organizerUpn: `organizer@${label}.example`,
    organizerOid: randomUUID(),
    subject: `Review ${label}`,
    startAt: NOW,
    endAt: NOW,
    timeZone: 'UTC',
    state: 'scheduled',
    captureDeadlineAt: null,
    nextCheckAt: null,
    lastErrorCode: null,
    lastErrorMessage: null,
    transactionId: randomUUID(),
    createdBy: user,
    version: 1,
    createdAt: NOW,
    updatedAt: NOW,
  });
  await r.meetingAttendees.insert(tenantId, {
    meetingId: w.meetingId,
    email: w.attendeeEmail,
    name: `Guest ${label}`,
    type: 'required',
    contactId: null,
  });
  await r.meetingArtifacts.insert(tenantId, {
    artifactId: w.artifactId,
    meetingId: w.meetingId,
    kind: 'transcript',
    providerArtifactId: `transcript-${label}`,
    contentCorrelationId: null,
    providerCreatedAt: NOW,
    providerEndedAt: NOW,
    sizeBytes: 1234,
    contentType: 'text/vtt',
    blobKey: null,
    state: 'discovered',
    lastErrorCode: null,
    createdAt: NOW,
    updatedAt: NOW,
  });
  await r.transcriptSegments.insert(tenantId, {
    artifactId: w.artifactId,
    seq: 0,
    startMs: 0,
    endMs: 1500,
    speaker: `Pat ${label}`,
    text: `hello from ${label}`,
  });
  await r.meetingCards.insert(tenantId, {
    meetingId: w.meetingId,
    conversationId: w.conversationId,
    activityId: `activity-${label}`,
    serviceUrl: 'https://smba.example/',
    lastRenderedState: 'scheduled',
    postedAt: NOW,
    updatedAt: NOW,
  });
  await r.conversationRefs.insert(tenantId, {
    conversationId: w.conversationId,
    conversationType: 'channel',
    serviceUrl: 'https://smba.example/',
    reference: JSON.stringify({ label }),
    userOid: null,
    updatedAt: NOW,
  });
  await r.meetingDrafts.insert(tenantId, {
    draftId: w.draftId,
    conversationId: w.conversationId,
    userOid: user,
    meetingId: randomUUID(),
    state: 'open',
    payload: JSON.stringify({ label }),
    expiresAt: NOW,
    createdAt: NOW,
    updatedAt: NOW,
  });
  await r.chatLists.insert(tenantId, {
    conversationId: w.conversationId,
    userOid: user,
    meetingIds: w.meetingId,
    updatedAt: NOW,
  });
  await r.graphSubscriptions.insert(tenantId, {
    subscriptionId: w.subscriptionId,
    graphSubscriptionId: w.graphSubscriptionId,
    resource: `communications/onlineMeetings/${label}/transcripts`,
    changeType: 'created',
    organizerOid: null,
    includeResourceData: false,
    encryptionCertId: null,
    clientStateId: randomUUID(),
    clientStateHash: `hash-${label}`,
    expiresAt: NOW,
    state: 'active',
    lastRenewedAt: null,
    lastErrorCode: null,
    createdAt: NOW,
    updatedAt: NOW,
  });
  await r.inbox.insert(tenantId, {
    dedupeKey: w.dedupeKey,
    subscriptionId: w.subscriptionId,
    kind: 'notification',
    payload: JSON.stringify({ label }),
    receivedAt: NOW,
    processedAt: null,
  });
  await r.auditEvents.insert(tenantId, {
    eventId: w.eventId,
    actorOid: user,
    action: 'artifact.viewed',
    targetType: 'artifact',
    targetId: w.artifactId,
    detail: null,
    occurredAt: NOW,
  });
  return w;
}

/** A repository and its key with the row type erased, so one table can drive every repository. */
type Row = { tenantId: string } & Record<string, unknown>;
interface AnyRepo {
  get(tenantId: string, key: object): Promise<Row | null>;
  list(tenantId: string, filter?: object): Promise<Row[]>;
  count(tenantId: string, filter?: object): Promise<number>;
  update(tenantId: string, key: object, patch: object): Promise<boolean>;
  delete(tenantId: string, key: object): Promise<boolean>;
}
interface Case {
  name: string;
  repo: (r: Repositories) => AnyRepo;
  key: (w: World) => Record<string, unknown>;
  patch: Record<string, unknown>;
}

function scoped<T extends { tenantId: string }, K extends keyof T>(
  name: string,
  repo: (r: Repositories) => TenantScopedRepository<T, K>,
  key: (w: World) => Pick<T, K>,
  patch: Partial<Omit<T, 'tenantId' | K>>,
): Case {
  return { name, repo, key, patch } as unknown as Case;
}

const cases: Case[] = [
  scoped(
    'clients',
    (r) => r.clients,
    (w) => ({ clientId: w.clientId }),
    { companyName: 'Renamed' },
  ),
  scoped(
    'contacts',
    (r) => r.contacts,
    (w) => ({ contactId: w.contactId }),
    { name: 'Renamed' },
  ),
  scoped(
    'interactions',
    (r) => r.interactions,
    (w) => ({ interactionId: w.interactionId }),
    { title: 'Renamed' },
  ),
  scoped(
    'online meetings',
    (r) => r.onlineMeetings,
    (w) => ({ meetingId: w.meetingId }),
    { subject: 'Renamed' },
  ),
  scoped(
    'meeting attendees',
    (r) => r.meetingAttendees,
    (w) => ({ meetingId: w.meetingId, email: w.attendeeEmail }),
    { name: 'Renamed' },
  ),
  scoped(
    'meeting artifacts',
    (r) => r.meetingArtifacts,
    (w) => ({ artifactId: w.artifactId }),
    { state: 'stored' },
  ),
  scoped(
    'transcript segments',
    (r) => r.transcriptSegments,
    (w) => ({ artifactId: w.artifactId, seq: 0 }),
    { text: 'rewritten' },
  ),
  scoped(
    'meeting cards',
    (r) => r.meetingCards,
    (w) => ({ meetingId: w.meetingId, conversationId: w.conversationId }),
    { activityId: 'activity-renamed' },
  ),
  scoped(
    'conversation refs',
    (r) => r.conversationRefs,
    (w) => ({ conversationId: w.conversationId }),
    { serviceUrl: 'https://elsewhere.example/' },
  ),
  scoped(
    'meeting drafts',
    (r) => r.meetingDrafts,
    (w) => ({ draftId: w.draftId }),
    { payload: '{"renamed":true}' },
  ),
  scoped(
    'chat lists',
    (r) => r.chatLists,
    (w) => ({ conversationId: w.conversationId, userOid: w.userOid }),
    { meetingIds: 'renamed' },
  ),
  scoped(
    'graph subscriptions',
    (r) => r.graphSubscriptions,
    (w) => ({ subscriptionId: w.subscriptionId }),
    { state: 'expired' },
  ),
  scoped(
    'inbox items',
    (r) => r.inbox,
    (w) => ({ dedupeKey: w.dedupeKey }),
    { processedAt: NOW },
  ),
  scoped(
    'audit events',
    (r) => r.auditEvents,
    (w) => ({ eventId: w.eventId }),
    { detail: 'edited' },
  ),
];

describe('tenant isolation in the repositories', () => {
  let db: TestDb;
  let repos: Repositories;
  let uow: UnitOfWork;
  let a: World;
  let b: World;

  beforeEach(async () => {
    db = await openTestDb();
    repos = createRepositories(db.dataSource.manager, db.entities, clock);
    uow = new TypeOrmUnitOfWork(
      db.dataSource,
      db.entities,
      new JobStore(db.dataSource, db.entities, clock, { maxAttempts: 3 }),
      clock,
    );
    a = await seedTenant(repos, TENANT_A, 'alpha');
    b = await seedTenant(repos, TENANT_B, 'beta');
  });
  afterEach(async () => db.close());

  it('covers every tenant-scoped repository', () => {
    const covered = new Set([...cases.map((c) => c.repo(repos)), repos.tenantSettings]);
    const all = Object.entries(repos).filter(([name]) => name !== 'tenants');
    expect(all.filter(([, repo]) => !covered.has(repo as AnyRepo)).map(([n]) => n)).toEqual([]);
  });

  describe.each(cases)('$name', ({ name, repo, key, patch }) => {
    it(`tenant B cannot read, update or delete tenant A's ${name}`, async () => {
      const r = repo(repos);
      const before = await r.get(TENANT_A, key(a));
      expect(before).not.toBeNull();

      expect(await r.get(TENANT_B, key(a))).toBeNull();
      expect(await r.update(TENANT_B, key(a), patch)).toBe(false);
      expect(await r.delete(TENANT_B, key(a))).toBe(false);

      expect(await r.get(TENANT_A, key(a))).toEqual(before);
      expect(await r.get(TENANT_B, key(b))).toMatchObject({ tenantId: TENANT_B });
    });

    it(`tenant B's list and count of ${name} never include tenant A's rows`, async () => {
      const r = repo(repos);
      const listed = await r.list(TENANT_B);
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ tenantId: TENANT_B, ...key(b) });
      expect(await r.count(TENANT_B)).toBe(1);

      expect(await r.list(TENANT_B, key(a))).toEqual([]);
      expect(await r.count(TENANT_B, key(a))).toBe(0);
      // A filter naming the other tenant is overridden by the tenant argument.
      const smuggled = { tenantId: TENANT_A };
      expect(await r.list(TENANT_B, smuggled)).toEqual(listed);
      expect(await r.count(TENANT_B, smuggled)).toBe(1);
    });

    it(`a patch that sets tenantId does not move ${name} to another tenant`, async () => {
      const r = repo(repos);
      expect(await r.update(TENANT_A, key(a), { ...patch, tenantId: TENANT_B } as never)).toBe(
        true,
      );
      expect(await r.get(TENANT_A, key(a))).toMatchObject({ tenantId: TENANT_A, ...patch });
      expect(await r.get(TENANT_B, key(a))).toBeNull();
      expect(await r.count(TENANT_B)).toBe(1);
    });

    it(`tenant A can still update its own ${name}, and only its own`, async () => {
      const r = repo(repos);
      expect(await r.update(TENANT_A, key(a), patch)).toBe(true);
      expect(await r.get(TENANT_A, key(a))).toMatchObject(patch);
      expect(await r.get(TENANT_B, key(b))).not.toMatchObject(patch);
    });
  });

  describe('tenant settings (keyed by the tenant alone)', () => {
    it("tenant B reads, updates and deletes only its own settings, never tenant A's", async () => {
      const settingsA = await repos.tenantSettings.get(TENANT_A, {});
      expect(settingsA?.organizerUpn).toBe('organizer@alpha.example');
      expect((await repos.tenantSettings.get(TENANT_B, {}))?.organizerUpn).toBe(
        'organizer@beta.example',
      );
      expect(await repos.tenantSettings.list(TENANT_B)).toEqual([
        expect.objectContaining({ tenantId: TENANT_B }),
      ]);
      expect(await repos.tenantSettings.count(TENANT_B)).toBe(1);

      expect(await repos.tenantSettings.update(TENANT_B, {}, { retentionDays: 7 })).toBe(true);
      expect(await repos.tenantSettings.delete(TENANT_B, {})).toBe(true);

      expect(await repos.tenantSettings.get(TENANT_A, {})).toEqual(settingsA);
      expect(await repos.tenantSettings.get(TENANT_B, {})).toBeNull();
      expect(await repos.tenantSettings.update(TENANT_B, {}, { retentionDays: 1 })).toBe(false);
      expect(await repos.tenantSettings.delete(TENANT_B, {})).toBe(false);
      expect(await repos.tenantSettings.get(TENANT_A, {})).toEqual(settingsA);
    });

    it('a patch that sets tenantId does not move tenant settings to another tenant', async () => {
      await repos.tenantSettings.delete(TENANT_B, {});
      const patch = { retentionDays: 90, tenantId: TENANT_B } as never;
      expect(await repos.tenantSettings.update(TENANT_A, {}, patch)).toBe(true);
      expect(await repos.tenantSettings.get(TENANT_A, {})).toMatchObject({ retentionDays: 90 });
      expect(await repos.tenantSettings.get(TENANT_B, {})).toBeNull();
    });
  });

  describe('tenants', () => {
    it("updating one tenant leaves the other tenant's row alone", async () => {
      const tenantA = await repos.tenants.get(TENANT_A);
      expect(await repos.tenants.update(TENANT_B, { displayName: 'Beta renamed' })).toBe(true);
      expect(await repos.tenants.get(TENANT_B)).toMatchObject({ displayName: 'Beta renamed' });
      expect(await repos.tenants.get(TENANT_A)).toEqual(tenantA);
    });

    it('a patch that sets tenantId does not rename the tenant', async () => {
      const other = randomUUID();
      const patch = { displayName: 'Beta renamed', tenantId: other } as never;
      expect(await repos.tenants.update(TENANT_B, patch)).toBe(true);
      expect(await repos.tenants.get(TENANT_B)).toMatchObject({ displayName: 'Beta renamed' });
      expect(await repos.tenants.get(other)).toBeNull();
    });

    it('an unknown tenant is absent: get is null, update and delete are false', async () => {
      const unknown = randomUUID();
      expect(await repos.tenants.get(unknown)).toBeNull();
      expect(await repos.tenants.update(unknown, { status: 'suspended' })).toBe(false);
      expect(await repos.tenants.delete(unknown)).toBe(false);
      expect(await repos.tenants.listActiveTenantIds()).toEqual(
        expect.arrayContaining([TENANT_A, TENANT_B]),
      );
    });

    it('listActiveTenantIds leaves out suspended and offboarded tenants', async () => {
      await repos.tenants.update(TENANT_A, { status: 'suspended' });
      expect(await repos.tenants.listActiveTenantIds()).toEqual([TENANT_B]);
    });
  });

  describe('specific finders', () => {
    it("findByEmail and findByEmailDomain from tenant B do not see tenant A's rows", async () => {
      expect(await repos.contacts.findByEmail(TENANT_B, a.email)).toBeNull();
      expect(await repos.clients.findByEmailDomain(TENANT_B, a.emailDomain)).toBeNull();
      expect(await repos.contacts.findByEmail(TENANT_A, a.email)).toMatchObject({
        contactId: a.contactId,
      });
      expect(await repos.clients.findByEmailDomain(TENANT_A, a.emailDomain)).toMatchObject({
        clientId: a.clientId,
      });
    });

    it("findByInteraction and findByProviderMeetingId from tenant B do not see tenant A's meeting", async () => {
      expect(await repos.onlineMeetings.findByInteraction(TENANT_B, a.interactionId)).toBeNull();
      expect(
        await repos.onlineMeetings.findByProviderMeetingId(TENANT_B, a.providerMeetingId),
      ).toBeNull();
      expect(await repos.onlineMeetings.findByInteraction(TENANT_A, a.interactionId)).toMatchObject(
        { meetingId: a.meetingId },
      );
      expect(
        await repos.onlineMeetings.findByProviderMeetingId(TENANT_A, a.providerMeetingId),
      ).toMatchObject({ meetingId: a.meetingId });
    });

    it("findByGraphId from tenant B does not see tenant A's subscription", async () => {
      expect(await repos.graphSubscriptions.findByGraphId(TENANT_B, a.graphSubscriptionId)).toBe(
        null,
      );
      expect(
        await repos.graphSubscriptions.findByGraphId(TENANT_A, a.graphSubscriptionId),
      ).toMatchObject({ subscriptionId: a.subscriptionId });
    });

    it("updateIfVersion from tenant B does not touch tenant A's meeting, even with its current version", async () => {
      const before = await repos.onlineMeetings.get(TENANT_A, { meetingId: a.meetingId });
      const ok = await repos.onlineMeetings.updateIfVersion(
        TENANT_B,
        a.meetingId,
        before!.version,
        { state: 'cancelled' },
      );
      expect(ok).toBe(false);
      expect(await repos.onlineMeetings.get(TENANT_A, { meetingId: a.meetingId })).toEqual(before);
    });

    it('updateIfVersion applies a patch at the current version and bumps it', async () => {
      const key = { meetingId: a.meetingId };
      const before = await repos.onlineMeetings.get(TENANT_A, key);
      const patch = { state: 'in_progress' as const };
      expect(
        await repos.onlineMeetings.updateIfVersion(TENANT_A, a.meetingId, before!.version, patch),
      ).toBe(true);
      const after = await repos.onlineMeetings.get(TENANT_A, key);
      expect(after).toMatchObject({ state: 'in_progress' });
      expect(after!.version).toBeGreaterThan(before!.version);
    });

    it('updateIfVersion with a stale version returns false and changes nothing', async () => {
      const key = { meetingId: a.meetingId };
      const read = await repos.onlineMeetings.get(TENANT_A, key);
      const stale = read!.version;
      expect(
        await repos.onlineMeetings.updateIfVersion(TENANT_A, a.meetingId, stale, {
          state: 'in_progress',
        }),
      ).toBe(true);
      const current = await repos.onlineMeetings.get(TENANT_A, key);

      expect(
        await repos.onlineMeetings.updateIfVersion(TENANT_A, a.meetingId, stale, {
          state: 'cancelled',
        }),
      ).toBe(false);
      expect(await repos.onlineMeetings.get(TENANT_A, key)).toEqual(current);
    });

    it('updateIfVersion ignores tenantId, meetingId and version smuggled into the patch', async () => {
      const key = { meetingId: a.meetingId };
      const before = await repos.onlineMeetings.get(TENANT_A, key);
      const patch = {
        subject: 'Moved?',
        tenantId: TENANT_B,
        meetingId: randomUUID(),
        version: 99,
      } as never;
      expect(
        await repos.onlineMeetings.updateIfVersion(TENANT_A, a.meetingId, before!.version, patch),
      ).toBe(true);
      const after = await repos.onlineMeetings.get(TENANT_A, key);
      expect(after).toMatchObject({ subject: 'Moved?', tenantId: TENANT_A });
      expect(after!.version).toBe(before!.version + 1);
      expect(await repos.onlineMeetings.count(TENANT_B)).toBe(1);
    });

    it("replaceForArtifact from tenant B cannot replace tenant A's transcript", async () => {
      const keyA = { artifactId: a.artifactId };
      const segmentsA = await repos.transcriptSegments.list(TENANT_A, keyA);
      const injected = [{ seq: 0, startMs: 0, endMs: 10, speaker: null, text: 'injected' }];

      // B has no such artifact, so the composite foreign key rejects the rows.
      await expect(
        uow.run((tx) =>
          tx.repos.transcriptSegments.replaceForArtifact(TENANT_B, a.artifactId, injected),
        ),
      ).rejects.toThrow();
      await uow.run((tx) =>
        tx.repos.transcriptSegments.replaceForArtifact(TENANT_B, a.artifactId, []),
      );

      expect(await repos.transcriptSegments.list(TENANT_A, keyA)).toEqual(segmentsA);
      expect(await repos.transcriptSegments.count(TENANT_B)).toBe(1);
    });

    it("replaceForArtifact replaces only that tenant's segments of that artifact", async () => {
      await uow.run((tx) =>
        tx.repos.transcriptSegments.replaceForArtifact(TENANT_B, b.artifactId, [
          { seq: 0, startMs: 0, endMs: 10, speaker: 'x', text: 'one' },
          { seq: 1, startMs: 10, endMs: 20, speaker: 'y', text: 'two' },
        ]),
      );
      const segmentsB = await repos.transcriptSegments.list(
        TENANT_B,
        { artifactId: b.artifactId },
        { order: { seq: 'ASC' } },
      );
      expect(segmentsB.map((s) => s.text)).toEqual(['one', 'two']);
      await expect(
        repos.transcriptSegments.replaceForArtifact(TENANT_B, b.artifactId, []),
      ).rejects.toThrow(/inside a unit of work/);
      expect(await repos.transcriptSegments.list(TENANT_A)).toEqual([
        expect.objectContaining({ artifactId: a.artifactId, text: 'hello from alpha' }),
      ]);
    });
  });

  describe('keys and references stay inside the tenant', () => {
    it('the same contact email in two tenants is allowed', async () => {
      const contactId = randomUUID();
      await repos.contacts.insert(TENANT_B, {
        contactId,
        clientId: b.clientId,
        name: 'Same person',
        email: a.email,
        createdAt: NOW,
        updatedAt: NOW,
      });
      expect(await repos.contacts.findByEmail(TENANT_B, a.email)).toMatchObject({ contactId });
      expect(await repos.contacts.findByEmail(TENANT_A, a.email)).toMatchObject({
        contactId: a.contactId,
      });
    });

    it('the same contact email twice in one tenant is rejected by the unique index', async () => {
      await expect(
        repos.contacts.insert(TENANT_A, {
          contactId: randomUUID(),
          clientId: a.clientId,
          name: 'Duplicate',
          email: a.email,
          createdAt: NOW,
          updatedAt: NOW,
        }),
      ).rejects.toThrow(/UNIQUE/i);
      expect(await repos.contacts.count(TENANT_A)).toBe(1);
    });

    it('the same key in two tenants names two rows, and each tenant reaches only its own', async () => {
      const clientId = randomUUID();
      const row = { clientId, emailDomain: null, createdAt: NOW, updatedAt: NOW };
      await repos.clients.insert(TENANT_A, { ...row, companyName: 'Alpha copy' });
      await repos.clients.insert(TENANT_B, { ...row, companyName: 'Beta copy' });

      expect(await repos.clients.update(TENANT_B, { clientId }, { companyName: 'B only' })).toBe(
        true,
      );
      expect(await repos.clients.get(TENANT_A, { clientId })).toMatchObject({
        companyName: 'Alpha copy',
      });
      expect(await repos.clients.delete(TENANT_B, { clientId })).toBe(true);
      expect(await repos.clients.get(TENANT_A, { clientId })).not.toBeNull();
    });

    it('insert ignores a tenantId smuggled into the row', async () => {
      const clientId = randomUUID();
      await repos.clients.insert(TENANT_B, {
        clientId,
        companyName: 'Smuggled',
        emailDomain: null,
        createdAt: NOW,
        updatedAt: NOW,
        tenantId: TENANT_A,
      } as never);
      expect(await repos.clients.get(TENANT_A, { clientId })).toBeNull();
      expect(await repos.clients.get(TENANT_B, { clientId })).not.toBeNull();
    });

    it("a tenant B row cannot reference tenant A's parent row", async () => {
      await expect(
        repos.contacts.insert(TENANT_B, {
          contactId: randomUUID(),
          clientId: a.clientId,
          name: 'Cross-tenant',
          email: 'cross@beta.example',
          createdAt: NOW,
          updatedAt: NOW,
        }),
      ).rejects.toThrow(/FOREIGN KEY/i);
      await expect(
        repos.contacts.update(TENANT_B, { contactId: b.contactId }, { clientId: a.clientId }),
      ).rejects.toThrow(/FOREIGN KEY/i);
    });

    it('repository methods refuse an empty tenant id', async () => {
      // The guard throws synchronously in some methods, so wrap each call in an async function.
      await expect(async () => repos.contacts.list('')).rejects.toThrow(/tenant id/);
      await expect(async () => repos.contacts.get('', { contactId: a.contactId })).rejects.toThrow(
        /tenant id/,
      );
      await expect(async () => repos.contacts.findByEmail('', a.email)).rejects.toThrow(
        /tenant id/,
      );
      await expect(async () =>
        repos.onlineMeetings.updateIfVersion('', a.meetingId, 1, { subject: 'x' }),
      ).rejects.toThrow(/tenant id/);
    });
  });

  describe('bot state', () => {
    it("a meeting code finds only the tenant's own meeting", async () => {
      const prefix = a.meetingId.slice(0, 6);
      expect(
        (await repos.onlineMeetings.findByIdPrefix(TENANT_A, prefix)).map((m) => m.meetingId),
      ).toEqual([a.meetingId]);
      expect(await repos.onlineMeetings.findByIdPrefix(TENANT_B, prefix)).toEqual(
        b.meetingId.startsWith(prefix) ? [expect.objectContaining({ tenantId: TENANT_B })] : [],
      );
      expect(await repos.onlineMeetings.findByIdPrefix(TENANT_A, '%')).toEqual([]);
    });

    it("tenant B can neither claim nor purge tenant A's drafts", async () => {
      expect(await repos.meetingDrafts.claim(TENANT_B, a.draftId, 'created', NOW)).toBe(false);
      expect(await repos.meetingDrafts.updateOpen(TENANT_B, a.draftId, '{}', NOW)).toBe(false);
      expect(await repos.meetingDrafts.purgeExpired(TENANT_B, new Date(NOW.getTime() + 1000))).toBe(
        1,
      );
      expect(await repos.meetingDrafts.get(TENANT_A, { draftId: a.draftId })).toMatchObject({
        state: 'open',
      });
      expect(await repos.meetingDrafts.claim(TENANT_A, a.draftId, 'created', NOW)).toBe(true);
      expect(await repos.meetingDrafts.claim(TENANT_A, a.draftId, 'discarded', NOW)).toBe(false);
      // A created draft's payload is what its meeting was made from: it no longer changes.
      expect(await repos.meetingDrafts.updateOpen(TENANT_A, a.draftId, '{}', NOW)).toBe(false);
    });
  });
});
