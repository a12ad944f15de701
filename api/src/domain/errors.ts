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
