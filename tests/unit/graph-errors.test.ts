import fc from 'fast-check';
import { isRetryable, mapGraphFailure, parseRetryAfter } from '../../api/src/graph/errors';

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
