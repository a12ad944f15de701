import fc from 'fast-check';
import {
  isRetryable,
  mapGraphFailure,
  mapTokenFailure,
  parseRetryAfter,
} from '../../api/src/graph/errors';

describe('mapping Graph failures', () => {
  it.each([
    [429, 'TooManyRequests', 'Please retry again later.', 'throttled', null],
    [
      429,
      'ApplicationThrottled',
      'Application is over its MailboxConcurrency limit.',
      'throttled',
      null,
    ],
    [401, 'InvalidAuthenticationToken', 'Access token is empty.', 'unauthorized', null],
    [
      403,
      'Forbidden',
      'No application access policy found for this app.',
      'forbidden',
      'accessPolicyMissing',
    ],
    [
      403,
      'ErrorAccessDenied',
      'Access is denied. Check credentials and try again.',
      'forbidden',
      'permissionMissing',
    ],
    [
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
      'forbidden',
      'permissionMissing',
    ],
    [
      404,
      'ErrorItemNotFound',
      'The specified object was not found in the store.',
      'notFound',
      null,
    ],
    [404, 'Request_ResourceNotFound', "Resource 'x' does not exist", 'notFound', null],
    [410, 'Gone', 'gone', 'gone', null],
    [409, 'ErrorIrresolvableConflict', 'conflict', 'conflict', null],
    [412, 'PreconditionFailed', 'etag', 'conflict', null],
    [500, 'InternalServerError', 'oops', 'transient', null],
    [502, 'BadGateway', 'bad gateway', 'transient', null],
    [503, 'serviceNotAvailable', 'Service unavailable.', 'transient', null],
    [504, 'UnknownError', 'Gateway timeout.', 'transient', null],
    [400, 'BadRequest', 'The query specified in the URI is not valid.', 'unknown', null],
    [402, 'PaymentRequired', 'evaluation capacity exceeded', 'unknown', null],
  ] as const)('%i %s → %s', (status, code, message, reason, detail) => {
    const failure = mapGraphFailure({ status, code, message, requestId: 'req-1' });
    expect(failure).toMatchObject({ reason, detail, status, code, requestId: 'req-1' });
  });

  it('treats a network failure (no status) as transient', () => {
    expect(mapGraphFailure({ status: null, network: true, message: 'ECONNRESET' })).toMatchObject({
      reason: 'transient',
      status: null,
    });
  });

  it('retries only throttling and transient failures', () => {
    expect(['throttled', 'transient'].every((r) => isRetryable(r as never))).toBe(true);
    expect(
      ['unauthorized', 'forbidden', 'notFound', 'gone', 'conflict', 'unknown'].some((r) =>
        isRetryable(r as never),
      ),
    ).toBe(false);
  });
});

describe('Retry-After', () => {
  const now = new Date('2026-06-01T09:00:00.000Z');

  it('reads whole seconds, decimal seconds and an HTTP-date', () => {
    expect(parseRetryAfter('10', now)).toBe(10_000);
    expect(parseRetryAfter('2.128', now)).toBe(2128);
    expect(parseRetryAfter('Mon, 01 Jun 2026 09:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Mon, 01 Jun 2026 08:59:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    for (const v of [null, undefined, '', 'soon', '-5', '1e3'])
      expect(parseRetryAfter(v, now)).toBeNull();
  });

  it('never returns a negative or unbounded wait, whatever the header says', () => {
    fc.assert(
      fc.property(fc.string(), (header) => {
        const ms = parseRetryAfter(header, now);
        return ms === null || (ms >= 0 && ms <= 24 * 3600_000);
      }),
    );
    fc.assert(
      fc.property(
        fc.nat(100_000),
        (s) => parseRetryAfter(String(s), now) === Math.min(s * 1000, 24 * 3600_000),
      ),
    );
  });
});

describe('mapping token failures (Entra)', () => {
  const entra = (code: number, text: string) =>
    `AADSTS${code}: ${text}\r\nTrace ID: 8e2d\r\nCorrelation ID: 77aa\r\nTimestamp: 2026-12-02 07:25:54Z`;
  it.each([
    [
      401,
      'invalid_client',
      entra(7000215, 'Invalid client secret provided.'),
      'unauthorized',
      'credentialsInvalid',
    ],
    [
      401,
      'invalid_client',
      entra(7000222, 'The provided client secret keys are expired.'),
      'unauthorized',
      'credentialsInvalid',
    ],
    [
      400,
      'unauthorized_client',
      entra(700016, "Application with identifier 'x' was not found in the directory 'Contoso'."),
      'forbidden',
      'consentMissing',
    ],
    [
      400,
      'invalid_grant',
      entra(65001, 'The user or administrator has not consented to use the application.'),
      'forbidden',
      'consentMissing',
    ],
    [
      400,
      'invalid_request',
      entra(90002, "Tenant 'x' not found."),
      'unauthorized',
      'tenantNotFound',
    ],
    [
      503,
      'temporarily_unavailable',
      entra(50196, 'The server terminated an operation.'),
      'transient',
      null,
    ],
    [429, null, null, 'throttled', null],
    [
      400,
      'invalid_scope',
      entra(1002012, 'The provided value for scope x is not valid.'),
      'unauthorized',
      null,
    ],
  ] as const)('%i %s → %s/%s', (status, error, description, reason, detail) => {
    expect(mapTokenFailure({ status, error, description })).toMatchObject({ reason, detail });
  });

  it('keeps the AADSTS code and its sentence, without trace ids', () => {
    const f = mapTokenFailure({
      status: 401,
      error: 'invalid_client',
      description: `Error(s): 7000215 - Timestamp: 2026 - Description: ${entra(7000215, 'Invalid client secret provided.')}`,
    });
    expect(f).toMatchObject({
      code: 'AADSTS7000215',
      message: 'AADSTS7000215: Invalid client secret provided.',
    });
  });

  it('treats no answer at all as transient: the sign-in service may be back in a minute', () => {
    expect(
      mapTokenFailure({ status: null, network: true, description: 'ECONNRESET' }),
    ).toMatchObject({
      reason: 'transient',
      detail: null,
    });
  });

  it('never calls a failure Entra explained with an AADSTS code transient, whatever the status', () => {
    for (const code of [7000215, 700016, 90002, 65001])
      for (const status of [null, 400, 401, 500])
        expect(isRetryable(mapTokenFailure({ status, description: entra(code, 'x') }).reason)).toBe(
          false,
        );
  });
});
