import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * SQLite (better-sqlite3) has one connection for the whole process: a statement issued by other
 * work while a transaction is open would run inside it, and be rolled back with it. So on SQLite,
 * transactions run one at a time, and every other statement waits until the open one ends.
 * SQL Server has a connection pool and real isolation; there this is a plain transaction.
 */
const WAIT_LIMIT_MS = 10_000;

class SqliteSerializer {
  private readonly owner = new AsyncLocalStorage<symbol>();
  private holder: symbol | null = null;
  private tail: Promise<void> = Promise.resolve();
  private idle: Promise<void> = Promise.resolve();

  constructor(runner: QueryRunner) {
    const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
    (runner as { query: unknown }).query = async (...args: unknown[]) => {
      const waitUntil = Date.now() + WAIT_LIMIT_MS;
      while (this.holder && this.owner.getStore() !== this.holder) {
        // A query the open transaction itself waits for would never run: fail loudly instead.
        if (Date.now() > waitUntil)
          throw new Error('query waited too long for a SQLite transaction');
        await Promise.race([this.idle, new Promise((r) => setTimeout(r, 250).unref())]);
      }
      return query(...args);
    };
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.holder && this.owner.getStore() === this.holder) return fn();
    const token = Symbol('transaction');
    let release!: () => void;
    const previous = this.tail;
    const mine = new Promise<void>((r) => (release = r));
    this.tail = mine;
    await previous;
    this.holder = token;
    this.idle = mine;
    try {
      return await this.owner.run(token, fn);
    } finally {
      this.holder = null;
      release();
    }
  }
}

const serializers = new WeakMap<DataSource, SqliteSerializer>();

function serializerFor(dataSource: DataSource): SqliteSerializer | null {
  if (dataSource.options.type !== 'better-sqlite3') return null;
  let s = serializers.get(dataSource);
  if (!s) {
    s = new SqliteSerializer(dataSource.driver.createQueryRunner('master'));
    serializers.set(dataSource, s);
  }
  return s;
}

/** Installs the SQLite guard before any query runs (call once after initialize). */
export function guardSingleConnection(dataSource: DataSource): void {
  serializerFor(dataSource);
}

/** Runs `fn` in one transaction; on SQLite no other work interleaves with it. */
export function inTransaction<T>(
  dataSource: DataSource,
  fn: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const serializer = serializerFor(dataSource);
  const run = () => dataSource.transaction(fn);
  return serializer ? serializer.exclusive(run) : run();
}
