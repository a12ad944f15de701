import type { Clock } from '../ports/clock';
import type { Repositories } from '../ports/repositories';
import type { UnitOfWork } from '../ports/unit-of-work';

/** What the client and contact directory needs; multi-row writes go through `uow`. */
export interface DirectoryDeps {
  repos: Repositories;
  clock: Clock;
  uow: UnitOfWork;
}
