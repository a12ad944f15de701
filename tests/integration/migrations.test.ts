import { DataSource, Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { openTestDb, type TestDb } from '../helpers/db';
import { createDataSource, migrate, openDataSource } from '../../api/src/data/data-source';
import { ALL_TABLES } from '../helpers/schema';
import { migrations } from '../../migrations';

/** A migration that dies half-way, after it already changed the schema. */
class Broken1999999999999 implements MigrationInterface {
  name = 'Broken1999999999999';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'half_made',
        columns: [{ name: 'id', type: 'varchar', length: '36', isPrimary: true }],
      }),
    );
    await queryRunner.query(`UPDATE tenants SET display_name = 'changed'`);
    throw new Error('process died here');
  }
  async down(): Promise<void> {}
}

async function tableNames(db: TestDb): Promise<string[]> {
  const rows: { name: string }[] = await db.dataSource.query(
    `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'migrations' ORDER BY name`,
  );
  return rows.map((r) => r.name);
}

async function pendingSchemaSql(db: TestDb): Promise<string[]> {
  const log = await db.dataSource.driver.createSchemaBuilder().log();
  return log.upQueries.map((q) => q.query);
}

describe('migrations on SQLite', () => {
  let db: TestDb;
  afterEach(async () => db?.close());

  it('create every table of the data model, and the entities match the migrated schema', async () => {
    db = await openTestDb();
    expect(await tableNames(db)).toEqual(ALL_TABLES);
    expect(await pendingSchemaSql(db)).toEqual([]);
  });

  it('go up, down and up again to the same schema', async () => {
    db = await openTestDb();
    const first = await db.dataSource.query(`SELECT name, sql FROM sqlite_master ORDER BY name`);
    for (let i = 0; i < db.dataSource.migrations.length; i++)
      await db.dataSource.undoLastMigration();
    expect(await tableNames(db)).toEqual([]);
    await db.dataSource.runMigrations();
    expect(await db.dataSource.query(`SELECT name, sql FROM sqlite_master ORDER BY name`)).toEqual(
      first,
    );
    expect(await pendingSchemaSql(db)).toEqual([]);
  });

  it('leave the database at the previous version when a migration fails half-way', async () => {
    db = await openTestDb();
    await db.dataSource.query(
      `INSERT INTO tenants (tenant_id, display_name, status, created_at, updated_at) VALUES ('t1', 'Contoso', 'active', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')`,
    );
    await db.dataSource.destroy();
    const withBroken = new DataSource({
      ...db.dataSource.options,
      migrations: [...(db.dataSource.options.migrations as never[]), Broken1999999999999],
    } as never);
    await withBroken.initialize();
    await expect(withBroken.runMigrations({ transaction: 'each' })).rejects.toThrow(
      'process died here',
    );
    expect(await withBroken.query(`SELECT name FROM migrations`)).toEqual(
      migrations.map((M) => ({ name: new M().name })),
    );
    expect(
      await withBroken.query(`SELECT name FROM sqlite_master WHERE name = 'half_made'`),
    ).toEqual([]);
    expect(await withBroken.query(`SELECT display_name FROM tenants`)).toEqual([
      { display_name: 'Contoso' },
    ]);
    await withBroken.destroy();
  });

  it('migrate once when two processes on one file start together: the loser finds nothing left to do', async () => {
    db = await openTestDb({ migrate: false });
    const other = createDataSource({ kind: 'sqlite', file: db.file }).dataSource;
    await openDataSource({ kind: 'sqlite', file: db.file }, other);
    try {
      const applied = await Promise.all([migrate(db.dataSource), migrate(other)]);
      expect(applied.flat().sort()).toEqual(migrations.map((M) => new M().name).sort());
      expect(await tableNames(db)).toEqual(ALL_TABLES);
      expect(await pendingSchemaSql(db)).toEqual([]);
    } finally {
      await other.destroy();
    }
  });

  it('open SQLite with WAL, synchronous FULL, a busy timeout and foreign keys on', async () => {
    db = await openTestDb();
    const pragma = async (name: string) =>
      Object.values((await db.dataSource.query(`PRAGMA ${name}`))[0])[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('synchronous')).toBe(2);
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBe(5000);
  });
});
