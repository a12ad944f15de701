import { openTestDb, type TestDb } from '../helpers/db';

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
    expect(await tableNames(db)).toEqual([
      'audit_events',
      'clients',
      'contacts',
      'conversation_refs',
      'graph_subscriptions',
      'inbox',
      'interactions',
      'jobs',
      'meeting_artifacts',
      'meeting_attendees',
      'meeting_cards',
      'online_meetings',
      'tenant_settings',
      'tenants',
      'transcript_segments',
    ]);
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
});
