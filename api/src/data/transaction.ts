import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * SQLite (better-sqlite3) has one connection for the whole process: a statement issued by other
 * work while a transaction is open would run inside it, and be rolled back with it. So on SQLite,
 * transactions run one at a time, and every other statement waits until the open one ends.
 * SQL Server has a connection pool and real isolation; there this is a plain transaction.
 */
const WAIT_LIMIT_MS = 10_000;

/** A statement waited too long for another transaction (counts as SQLITE_BUSY: transient). */
export class TransactionWaitTimeout extends Error {
  readonly code = 'SQLITE_BUSY_TRANSACTION_WAIT';
  constructor() {
    super('query waited too long for a SQLite transaction');
    this.name = 'TransactionWaitTimeout';
  }
}

/** Marks the async context of an open unit of work, on every dialect. */
const openTransaction = new AsyncLocalStorage<true>();

/**
 * True while the caller runs inside a transaction. Adapters that talk to the network refuse to
 * run then: on SQLite an open transaction holds the process-wide lock, so awaiting anything but
 * the database inside it stalls every other request.
 */
export function insideTransaction(): boolean {
  return openTransaction.getStore() === true;
}

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
        if (Date.now() > waitUntil) throw new TransactionWaitTimeout();
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
  const run = () => openTransaction.run(true, () => dataSource.transaction(fn));
  return serializer ? serializer.exclusive(run) : run();
}
