import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../api/src/config';
import { createDataSource, migrate, openDataSource } from '../../api/src/data/data-source';
import type { Entities } from '../../api/src/data/entities';
import { createRepositories } from '../../api/src/data/repositories';
import { ALL_TABLES } from '../helpers/schema';

// Runs the migrations and the tenant-scoped repositories against a real SQL Server when MSSQL_URL is
// set, e.g. mssql://sa:Passw0rd!@localhost:1433/interactions_test?trustServerCertificate=true
// The database must be a throwaway one: the suite undoes every migration and drops every table.
// Without MSSQL_URL the suite is skipped (offline DDL coverage lives in mssql-ddl.test.ts).
const url = process.env.MSSQL_URL;
if (!url) {
  // Written straight to stderr: jest holds back console output of a skipped suite.
  process.stderr.write(
    'mssql-live: skipped (set MSSQL_URL=mssql://user:password@host:1433/database?trustServerCertificate=true to run against a real SQL Server)\n',
  );
}
const describeLive = url ? describe : describe.skip;

describeLive('SQL Server (live, MSSQL_URL)', () => {
  let dataSource: DataSource;
  let entities: Entities;

  async function tableNames(): Promise<string[]> {
    const rows: { name: string }[] = await dataSource.query(
      `SELECT TABLE_NAME AS name FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> 'migrations' ORDER BY TABLE_NAME`,
    );
    return rows.map((r) => r.name);
  }

  async function undoAll(): Promise<void> {
    // undoLastMigration is a no-op when nothing is applied, so this also cleans up after a failed run.
    for (let i = 0; i < dataSource.migrations.length; i++) await dataSource.undoLastMigration();
  }

  async function pendingSchemaSql(): Promise<string[]> {
    const log = await dataSource.driver.createSchemaBuilder().log();
    return log.upQueries.map((q) => q.query);
  }

  beforeAll(async () => {
    const { database } = loadConfig({ DATABASE_URL: url });
    if (database.kind !== 'mssql') throw new Error(`MSSQL_URL is not an mssql:// URL`);
    ({ dataSource, entities } = createDataSource(database));
    await openDataSource(database, dataSource);
    await undoAll();
    await migrate(dataSource);
  }, 120_000);

  afterAll(async () => {
    if (!dataSource?.isInitialized) return;
    try {
      await undoAll();
      await dataSource.query(`DROP TABLE IF EXISTS "migrations"`);
    } finally {
      await dataSource.destroy();
    }
  }, 120_000);

  it('migrates up, down and up again, and the entities then match the migrated schema', async () => {
    expect(await tableNames()).toEqual(ALL_TABLES);
    expect(await pendingSchemaSql()).toEqual([]);

    await undoAll();
    expect(await tableNames()).toEqual([]);

    expect(await migrate(dataSource)).toEqual(dataSource.migrations.map((m) => m.name));
    expect(await tableNames()).toEqual(ALL_TABLES);
    expect(await pendingSchemaSql()).toEqual([]);
  }, 120_000);

  it('migrates once when three instances start together (sp_getapplock)', async () => {
    await undoAll();
    const { database } = loadConfig({ DATABASE_URL: url });
    const others = [createDataSource(database).dataSource, createDataSource(database).dataSource];
    if (database.kind !== 'mssql') throw new Error('not mssql');
    for (const ds of others) await openDataSource(database, ds);
    try {
      const applied = await Promise.all([migrate(dataSource), ...others.map((ds) => migrate(ds))]);
      expect(applied.flat().sort()).toEqual(dataSource.migrations.map((m) => m.name).sort());
      expect(await tableNames()).toEqual(ALL_TABLES);
    } finally {
      for (const ds of others) await ds.destroy();
    }
  }, 120_000);

  it("does not let one tenant read, change or delete another tenant's client", async () => {
    const repos = createRepositories(dataSource.manager, entities, { now: () => new Date() });
    const tenantA = randomUUID();
    const tenantB = randomUUID();
    for (const [tid, displayName] of [
      [tenantA, 'Contoso Ltd'],
      [tenantB, 'Fabrikam Ünïcödé'],
    ]) {
      await repos.tenants.upsert(tid, { displayName, status: 'active', consentedAt: null });
    }
    const now = new Date();
    const clientId = randomUUID();
    await repos.clients.insert(tenantA, {
      clientId,
      companyName: 'Northwind Traders',
      emailDomain: 'northwind.example',
      createdAt: now,
      updatedAt: now,
    });

    expect(await repos.clients.get(tenantB, { clientId })).toBeNull();
    expect(await repos.clients.update(tenantB, { clientId }, { companyName: 'Hijacked' })).toBe(
      false,
    );
    expect(await repos.clients.delete(tenantB, { clientId })).toBe(false);
    expect(await repos.clients.list(tenantB)).toEqual([]);

    const own = await repos.clients.get(tenantA, { clientId });
    expect(own).toMatchObject({ tenantId: tenantA, clientId, companyName: 'Northwind Traders' });
    expect((await repos.tenants.get(tenantB))?.displayName).toBe('Fabrikam Ünïcödé');
    expect(await repos.clients.delete(tenantA, { clientId })).toBe(true);
  }, 60_000);
});
