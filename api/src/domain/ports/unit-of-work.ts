import type { JobQueue } from './job-queue';
import type { Repositories } from './repositories';

/** Repositories and the outbox bound to one database transaction. */
export interface Transaction {
  repos: Repositories;
  /** Jobs written here commit with the change they follow, or not at all. */
  jobs: JobQueue;
}

/**
 * Runs `fn` in one database transaction: everything it writes commits together or not at all.
 * Inside `fn` await only the database: on SQLite an open transaction holds the process-wide lock,
 * and the Graph adapter refuses to run inside one.
 */
export interface UnitOfWork {
  run<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
}
