import type { DataSource } from 'typeorm';
import type { Clock } from '../domain/ports/clock';
import type { Transaction, UnitOfWork } from '../domain/ports/unit-of-work';
import type { Entities } from './entities';
import type { JobStore } from './job-store';
import { createRepositories } from './repositories';
import { inTransaction } from './transaction';

/** Transactions over the TypeORM data source, with repositories and the queue bound to them. */
export class TypeOrmUnitOfWork implements UnitOfWork {
  constructor(
    private readonly dataSource: DataSource,
    private readonly entities: Entities,
    private readonly jobs: JobStore,
    private readonly clock: Clock,
  ) {}

  run<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, (manager) =>
      fn({
        repos: createRepositories(manager, this.entities, this.clock),
        jobs: { enqueue: (request) => this.jobs.enqueue(request, manager) },
      }),
    );
  }
}
