import { StorageError } from '../domain/ports/storage';

interface DriverErrorShape {
  name?: string;
  code?: string;
  number?: number;
  message?: string;
  driverError?: DriverErrorShape;
  originalError?: DriverErrorShape;
}

// What retrying cannot fix: the data itself was refused (constraints, types, sizes) or the file is
// not a database. Everything else counts as transient, so a failure nobody listed never makes us
// undo work done elsewhere (a calendar event): recovery tries again, and gives up by its deadline.
const SQLITE_PERMANENT = [
  'SQLITE_CONSTRAINT',
  'SQLITE_TOOBIG',
  'SQLITE_MISMATCH',
  'SQLITE_RANGE',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
];
// SQL Server: duplicate key, constraint (FK/check), NULL into NOT NULL, truncation, conversion.
const MSSQL_PERMANENT = new Set([2601, 2627, 547, 515, 8152, 2628, 245, 8114, 241]);
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
  const conflict = isUniqueViolation(err);
  const chain = flatten(err);
  const message = chain.find((e) => e.message)?.message ?? String(err);
  const sqlite = chain.find((e) => typeof e.code === 'string' && e.code.startsWith('SQLITE'));
  const sqliteCode = sqlite?.code;
  if (sqliteCode) {
    const transient = !SQLITE_PERMANENT.some((c) => sqliteCode.startsWith(c));
    return new StorageError(transient, sqliteCode, message, { cause: err, conflict });
  }
  const mssql = chain.find((e) => typeof e.number === 'number');
  if (mssql?.number !== undefined) {
    return new StorageError(!MSSQL_PERMANENT.has(mssql.number), `MSSQL_${mssql.number}`, message, {
      cause: err,
      conflict,
    });
  }
  const connection = chain.find((e) => e.code && CONNECTION_CODES.has(e.code));
  if (connection?.code) return new StorageError(true, connection.code, message, { cause: err });
  if (chain.some((e) => NOT_CONNECTED.some((p) => p.test(e.message ?? '')))) {
    return new StorageError(true, 'NOT_CONNECTED', message, { cause: err });
  }
  return new StorageError(true, 'UNKNOWN', message, { cause: err });
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
