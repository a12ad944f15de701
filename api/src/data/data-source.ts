import fs from 'node:fs';
import path from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config';
import { migrations } from '../../../migrations';
import { buildEntities, type Entities } from './entities';
import type { Dialect } from './columns';
import { StartupError } from '../startup-error';
import { guardSingleConnection } from './transaction';

export function dialectOf(db: DatabaseConfig): Dialect {
  return db.kind === 'mssql' ? 'mssql' : 'sqlite';
}

/** A TypeORM DataSource for the configured database; nothing is opened until `initialize()`. */
export function createDataSource(db: DatabaseConfig): {
  dataSource: DataSource;
  entities: Entities;
} {
  const entities = buildEntities(dialectOf(db));
  const common = {
    entities: Object.values(entities),
    migrations,
    // Each migration commits alone, so a crash leaves the schema at the last finished one.
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
  } as const;
  const options: DataSourceOptions =
    db.kind === 'sqlite'
      ? {
          ...common,
          type: 'better-sqlite3',
          database: db.file,
          timeout: 5000,
          prepareDatabase: (conn: { pragma(sql: string): unknown }) => {
            if (db.file !== ':memory:') conn.pragma('journal_mode = WAL');
            conn.pragma('synchronous = FULL');
            conn.pragma('busy_timeout = 5000');
            conn.pragma('foreign_keys = ON');
          },
        }
      : {
          ...common,
          type: 'mssql',
          host: db.host,
          port: db.port,
          database: db.database,
          username: db.user,
          password: db.password,
          connectionTimeout: 15_000,
          requestTimeout: 30_000,
          pool: { max: 10, min: 0 },
          options: { encrypt: db.encrypt, trustServerCertificate: db.trustServerCertificate },
        };
  return { dataSource: new DataSource(options), entities };
}

function codeOf(err: unknown): string {
  const e = err as { code?: string; originalError?: { code?: string } };
  return e?.code ?? e?.originalError?.code ?? 'unknown';
}

/** Makes sure a directory exists and can be written, or says how to fix it. */
export function ensureWritableDir(dir: string, what: string, envKey: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    const probe = path.join(dir, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (err) {
    throw new StartupError(
      `cannot write the ${what} ${dir} (${codeOf(err)}): set ${envKey} to a writable directory or fix its permissions`,
      { cause: err },
    );
  }
}

/** Opens the database, turning driver failures into one actionable line. */
export async function openDataSource(db: DatabaseConfig, dataSource: DataSource): Promise<void> {
  if (db.kind === 'sqlite' && db.file !== ':memory:') {
    ensureWritableDir(path.dirname(db.file), 'database directory', 'DATABASE_URL');
  }
  try {
    await dataSource.initialize();
    guardSingleConnection(dataSource);
  } catch (err) {
    if (db.kind === 'mssql') {
      throw new StartupError(
        `cannot connect to SQL Server at ${db.host}:${db.port} database "${db.database}" (${codeOf(err)}): check DATABASE_URL, credentials, firewall and that the server is running`,
        { cause: err },
      );
    }
    throw new StartupError(
      `cannot open the SQLite database ${db.file} (${codeOf(err)}): check DATABASE_URL and that the file is not corrupt or locked`,
      { cause: err },
    );
  }
}

const MIGRATION_LOCK = `N'interactions-for-teams:migrations'`;

/**
 * SQL Server: an application lock owned by a transaction held open while migrations run, so N
 * instances starting together migrate one after another (the others find nothing pending).
 * A negative result means the lock was not granted (-1 timeout, -2 cancelled, -3 deadlock).
 */
export const MSSQL_MIGRATION_LOCK_SQL = `DECLARE @result int;
EXEC @result = sp_getapplock @Resource = ${MIGRATION_LOCK}, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 120000;
SELECT @result AS result;`;

async function underMssqlLock<T>(dataSource: DataSource, fn: () => Promise<T>): Promise<T> {
  const lock = dataSource.createQueryRunner('master');
  await lock.startTransaction();
  try {
    const [row] = (await lock.query(MSSQL_MIGRATION_LOCK_SQL)) as { result: number }[];
    if (!row || row.result < 0) {
      throw new StartupError(
        `another instance has been migrating the database for over two minutes (sp_getapplock ${row?.result}); run "npm run migrate" once, then start the instances`,
      );
    }
    const out = await fn();
    await lock.commitTransaction();
    return out;
  } catch (err) {
    await lock.rollbackTransaction().catch(() => undefined);
    throw err;
  } finally {
    await lock.release();
  }
}

/** Applies pending migrations once, even when several processes start together; returns their names. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const run = async () =>
    (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  if (dataSource.options.type === 'mssql') return underMssqlLock(dataSource, run);
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      // SQLite: another process on the same file got there first (each migration, and the
      // migrations table, is created in one statement or transaction, so ours rolled back whole).
      // Run again: what it applied is now recorded, and only what is left runs.
      if (attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

/** True when every known migration has been applied. */
export async function migrationsCurrent(dataSource: DataSource): Promise<boolean> {
  return !(await dataSource.showMigrations());
}
