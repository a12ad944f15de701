import type { JobQueue } from './job-queue';
import type { Repositories } from './repositories';

/** Repositories and the job queue bound to one database transaction. */
export interface Transaction {
  repos: Repositories;
  jobs: JobQueue;
}

/** Runs `fn` in one database transaction: everything it writes commits together or not at all. */
export interface UnitOfWork {
  run<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
}
