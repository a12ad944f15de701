import type { DataSource } from 'typeorm';
import type { Clock } from '../domain/ports/clock';
import { JOB_PAYLOADS, type JobQueue } from '../domain/ports/job-queue';
import type { Transaction, UnitOfWork } from '../domain/ports/unit-of-work';
import type { Entities } from './entities';
import type { JobStore } from './job-store';
import { createRepositories } from './repositories';
import { isDatabaseError, toStorageError } from './storage-errors';
import { inTransaction } from './transaction';

/** Transactions over the TypeORM data source, with repositories and the outbox bound to them. */
export class TypeOrmUnitOfWork implements UnitOfWork {
  constructor(
    private readonly dataSource: DataSource,
    private readonly entities: Entities,
    private readonly jobs: JobStore,
    private readonly clock: Clock,
  ) {}

  async run<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.dataSource, (manager) => {
        const outbox: JobQueue = {
          enqueue: (request) => {
            // A payload that breaks its contract is a bug here, not a job to dead-letter later.
            const payload = JOB_PAYLOADS[request.kind].parse(request.payload);
            return this.jobs.enqueue({ ...request, payload }, manager);
          },
        };
        return fn({ repos: createRepositories(manager, this.entities, this.clock), jobs: outbox });
      });
    } catch (err) {
      // BEGIN and COMMIT fail outside any repository call; map them like the rest.
      throw isDatabaseError(err) ? toStorageError(err) : err;
    }
  }
}
