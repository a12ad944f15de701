import { isUniqueViolation, toStorageError } from '../../api/src/data/storage-errors';
import { TransactionWaitTimeout } from '../../api/src/data/transaction';

/** Errors shaped as the drivers throw them, wrapped the way TypeORM wraps them. */
const typeorm = (driverError: object) =>
  Object.assign(new Error('query failed'), {
    name: 'QueryFailedError',
    ...driverError,
    driverError,
  });
const sqlite = (code: string) => typeorm(Object.assign(new Error(code), { code }));
const mssql = (number: number, code = 'EREQUEST') =>
  typeorm(Object.assign(new Error(`mssql ${number}`), { number, code }));

describe('mapping database failures', () => {
  it.each([
    ['SQLite busy', sqlite('SQLITE_BUSY'), true],
    ['SQLite busy (snapshot)', sqlite('SQLITE_BUSY_SNAPSHOT'), true],
    ['SQLite locked', sqlite('SQLITE_LOCKED'), true],
    ['SQLite disk I/O', sqlite('SQLITE_IOERR_WRITE'), true],
    ['SQLite disk full', sqlite('SQLITE_FULL'), true],
    ['our wait for the open transaction', new TransactionWaitTimeout(), true],
    [
      'the connection closed at shutdown',
      typeorm(new TypeError('The database connection is not open')),
      true,
    ],
    ['SQL Server deadlock victim', mssql(1205), true],
    ['Azure SQL unavailable', mssql(40613), true],
    [
      'SQL Server request timeout',
      typeorm(Object.assign(new Error('Timeout'), { code: 'ETIMEOUT' })),
      true,
    ],
    [
      'SQL Server connection lost',
      typeorm(Object.assign(new Error('closed'), { code: 'ECONNCLOSED' })),
      true,
    ],
    ['SQLite unique index', sqlite('SQLITE_CONSTRAINT_UNIQUE'), false],
    ['SQLite check or trigger', sqlite('SQLITE_CONSTRAINT_TRIGGER'), false],
    ['SQLite corrupt file', sqlite('SQLITE_CORRUPT'), false],
    ['SQL Server duplicate key', mssql(2627), false],
    ['SQL Server foreign key', mssql(547), false],
    ['SQL Server truncation', mssql(2628), false],
    ['SQL Server NULL into NOT NULL', mssql(515), false],
    ['SQLite SQL logic error (a bug: retried until the deadline)', sqlite('SQLITE_ERROR'), true],
    ['SQL Server log full', mssql(9002), true],
    ['something nobody listed', new Error('what'), true],
  ])('%s → transient %s', (_name, err, transient) => {
    expect(toStorageError(err).transient).toBe(transient);
  });

  it('marks a unique violation as a conflict (someone wrote the row first)', () => {
    expect(toStorageError(sqlite('SQLITE_CONSTRAINT_PRIMARYKEY')).conflict).toBe(true);
    expect(toStorageError(mssql(2627)).conflict).toBe(true);
    expect(toStorageError(sqlite('SQLITE_CONSTRAINT_CHECK')).conflict).toBe(false);
  });

  it('recognises unique violations on both databases, and nothing else', () => {
    expect(isUniqueViolation(sqlite('SQLITE_CONSTRAINT_UNIQUE'))).toBe(true);
    expect(isUniqueViolation(mssql(2601))).toBe(true);
    expect(isUniqueViolation(mssql(2627))).toBe(true);
    expect(isUniqueViolation(sqlite('SQLITE_CONSTRAINT_FOREIGNKEY'))).toBe(false);
    expect(isUniqueViolation(mssql(1205))).toBe(false);
  });
});
