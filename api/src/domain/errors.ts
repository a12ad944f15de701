/** Codes every transport knows how to translate; later features add theirs here. */
export type DomainErrorCode =
  | 'not_found'
  | 'invalid_input'
  | 'conflict'
  | 'forbidden'
  | 'tenant_not_active'
  | 'organizer_not_configured'
  | 'unavailable';

/** An error the domain expects and a person can act on; transports map `code`, never `message`. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DomainError';
  }
}

/**
 * Work stopped because whoever ran it gave up (shutdown, a lost lease, a client that went away, a
 * time budget): nothing is wrong with the data, and nothing must be undone because of it.
 */
export class AbortedError extends Error {
  constructor(message = 'the operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortedError';
  }
}

/** Throws an AbortedError (keeping the signal's reason) if `signal` has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw asAborted(signal);
}

/** The AbortedError for an aborted signal. */
export function asAborted(signal: AbortSignal): AbortedError {
  const reason: unknown = signal.reason;
  if (reason instanceof AbortedError) return reason;
  const why = reason instanceof Error ? reason.message : 'the operation was aborted';
  return new AbortedError(why, { cause: reason });
}
