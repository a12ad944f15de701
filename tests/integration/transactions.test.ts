import { TypeOrmUnitOfWork } from '../../api/src/data/unit-of-work';
import { JobStore } from '../../api/src/data/job-store';
import { createRepositories } from '../../api/src/data/repositories';
import { openTestDb, type TestDb } from '../helpers/db';
import { ManualClock } from '../helpers/clock';

describe('transactions on SQLite (one connection for the whole process)', () => {
  let db: TestDb;
  const clock = new ManualClock();

  beforeEach(async () => {
    db = await openTestDb();
  });
  afterEach(async () => db.close());

  const tenant = (id: string) => ({
    displayName: id,
    status: 'active' as const,
    consentedAt: null,
  });

  it('runs concurrent transactions one after another instead of failing', async () => {
    const uow = new TypeOrmUnitOfWork(
      db.dataSource,
      db.entities,
      new JobStore(db.dataSource, db.entities, clock, { maxAttempts: 3 }),
      clock,
    );
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        uow.run(async (tx) => {
          await tx.repos.tenants.upsert(`t${i}`, tenant(`t${i}`));
          await new Promise((r) => setTimeout(r, 1));
          await tx.jobs.enqueue({
            tenantId: `t${i}`,
            kind: 'card.refresh',
            payload: { meetingId: `m${i}` },
          });
        }),
      ),
    );
    const repos = createRepositories(db.dataSource.manager, db.entities, clock);
    expect((await repos.tenants.listActiveTenantIds()).length).toBe(20);
  });

  it('keeps a write made outside a transaction that rolls back meanwhile', async () => {
    const uow = new TypeOrmUnitOfWork(
      db.dataSource,
      db.entities,
      new JobStore(db.dataSource, db.entities, clock, { maxAttempts: 3 }),
      clock,
    );
    const repos = createRepositories(db.dataSource.manager, db.entities, clock);
    let inside!: () => void;
    const entered = new Promise<void>((r) => (inside = r));
    const failing = uow
      .run(async (tx) => {
        await tx.repos.tenants.upsert('rolled-back', tenant('rolled-back'));
        inside();
        await new Promise((r) => setTimeout(r, 50));
        throw new Error('abort');
      })
      .catch((e: Error) => e.message);
    await entered;
    await repos.tenants.upsert('outside', tenant('outside'));
    expect(await failing).toBe('abort');
    expect(await repos.tenants.get('outside')).not.toBeNull();
    expect(await repos.tenants.get('rolled-back')).toBeNull();
  });

  it('refuses an outbox job whose payload breaks its contract, and the change it came with rolls back', async () => {
    const uow = new TypeOrmUnitOfWork(
      db.dataSource,
      db.entities,
      new JobStore(db.dataSource, db.entities, clock, { maxAttempts: 3 }),
      clock,
    );
    await expect(
      uow.run(async (tx) => {
        await tx.repos.tenants.upsert('t-bad', tenant('t-bad'));
        await tx.jobs.enqueue({
          tenantId: 't-bad',
          kind: 'card.refresh',
          payload: { meetingId: 'm', extra: 'nope' } as never,
        });
      }),
    ).rejects.toThrow(/Unrecognized key/);
    const repos = createRepositories(db.dataSource.manager, db.entities, clock);
    expect(await repos.tenants.get('t-bad')).toBeNull();
  });
});
