import type { Clock } from '../ports/clock';
import type { Repositories } from '../ports/repositories';
import type { UnitOfWork } from '../ports/unit-of-work';

/** What the client and contact directory needs; `uow` makes multi-row writes atomic when given. */
export interface DirectoryDeps {
  repos: Repositories;
  clock: Clock;
  uow?: UnitOfWork;
}
