/**
 * The database failed. `transient` failures (busy, deadlock, timeout, connection lost or closed at
 * shutdown) may succeed if tried again later, so work that already happened elsewhere (a calendar
 * event) must be kept for recovery, never undone because of them. Mapped once, in
 * api/src/data/storage-errors.ts.
 */
export class StorageError extends Error {
  /** A unique key refused the write: someone else wrote the same row first. */
  readonly conflict: boolean;

  constructor(
    readonly transient: boolean,
    readonly code: string,
    message: string,
    options?: { cause?: unknown; conflict?: boolean },
  ) {
    super(message, options);
    this.name = 'StorageError';
    this.conflict = options?.conflict ?? false;
  }
}

/** True for a database failure that retrying later cannot fix. */
export function isPermanentStorageError(err: unknown): err is StorageError {
  return err instanceof StorageError && !err.transient;
}
