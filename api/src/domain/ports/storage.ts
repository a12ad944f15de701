/**
 * The database failed. `transient` failures (busy, deadlock, timeout, connection lost or closed at
 * shutdown) may succeed if tried again later, so work that already happened elsewhere (a calendar
 * event) must be kept for recovery, never undone because of them. Mapped once, in
 * api/src/data/storage-errors.ts.
 */
export class StorageError extends Error {
  constructor(
    readonly transient: boolean,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/** True for a database failure that retrying later cannot fix. */
export function isPermanentStorageError(err: unknown): err is StorageError {
  return err instanceof StorageError && !err.transient;
}
