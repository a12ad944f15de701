import { StorageError } from '../domain/ports/storage';

interface DriverErrorShape {
  name?: string;
  code?: string;
  number?: number;
  message?: string;
  driverError?: DriverErrorShape;
  originalError?: DriverErrorShape;
}

// SQLite result codes (extended codes share the prefix) that a later try can get past.
const SQLITE_TRANSIENT = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_PROTOCOL',
];
// SQL Server: deadlock victim, lock timeout, and Azure SQL's documented transient errors.
const MSSQL_TRANSIENT = new Set([
  1205, 1222, -2, 233, 64, 4060, 4221, 10053, 10054, 10060, 10928, 10929, 40143, 40197, 40501,
  40540, 40613, 49918, 49919, 49920,
]);
// Connection-level codes of the mssql driver.
const CONNECTION_CODES = new Set(['ETIMEOUT', 'ESOCKET', 'ECONNCLOSED', 'ECONNRESET', 'ENOTOPEN']);
// The connection is gone or not there yet (shutdown, restart): nothing about the data is wrong.
const NOT_CONNECTED = [
  /database connection is not open/i,
  /connection is not yet established/i,
  /connection with .* database is not established/i,
  /query runner already released/i,
];
const UNIQUE_NUMBERS = new Set([2601, 2627]);

function flatten(err: unknown): DriverErrorShape[] {
  const out: DriverErrorShape[] = [];
  let e = err as DriverErrorShape | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    out.push(e);
    e = e.driverError ?? e.originalError;
  }
  return out;
}

/** A unique index refused the write (SQLite or SQL Server). */
export function isUniqueViolation(err: unknown): boolean {
  return flatten(err).some(
    (e) =>
      e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
      e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
      (e.number !== undefined && UNIQUE_NUMBERS.has(e.number)),
  );
}

/** The one place database failures become StorageErrors: transient or permanent, with a code. */
export function toStorageError(err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const chain = flatten(err);
  const message = chain.find((e) => e.message)?.message ?? String(err);
  const sqlite = chain.find((e) => typeof e.code === 'string' && e.code.startsWith('SQLITE'));
  const sqliteCode = sqlite?.code;
  if (sqliteCode) {
    const transient = SQLITE_TRANSIENT.some((c) => sqliteCode.startsWith(c));
    return new StorageError(transient, sqliteCode, message, { cause: err });
  }
  const mssql = chain.find((e) => typeof e.number === 'number');
  if (mssql?.number !== undefined) {
    return new StorageError(MSSQL_TRANSIENT.has(mssql.number), `MSSQL_${mssql.number}`, message, {
      cause: err,
    });
  }
  const connection = chain.find((e) => e.code && CONNECTION_CODES.has(e.code));
  if (connection?.code) return new StorageError(true, connection.code, message, { cause: err });
  if (chain.some((e) => NOT_CONNECTED.some((p) => p.test(e.message ?? '')))) {
    return new StorageError(true, 'NOT_CONNECTED', message, { cause: err });
  }
  return new StorageError(false, 'UNKNOWN', message, { cause: err });
}

/** Whether an error came from the database layer at all (driver, TypeORM or our SQLite guard). */
export function isDatabaseError(err: unknown): boolean {
  if (err instanceof StorageError) return true;
  const chain = flatten(err);
  return chain.some(
    (e) =>
      e.name === 'QueryFailedError' ||
      e.name === 'TransactionWaitTimeout' ||
      (typeof e.name === 'string' &&
        /^(CannotExecuteNotConnected|ConnectionIsNotSet|QueryRunnerAlreadyReleased)Error$/.test(
          e.name,
        )) ||
      (typeof e.code === 'string' &&
        (e.code.startsWith('SQLITE') || CONNECTION_CODES.has(e.code))) ||
      typeof e.number === 'number',
  );
}
