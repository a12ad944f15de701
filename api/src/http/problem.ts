import { DomainError } from '../domain/errors';

/** RFC 9457 problem details; the only error shape the API sends. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code?: string;
  requestId?: string;
  [extra: string]: unknown;
}

/** An HTTP-level failure raised by transport code (body too large, bad JSON, …). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function problem(status: number, code: string, detail?: string): Problem {
  return { type: 'about:blank', title: TITLES[status] ?? 'Error', status, code, detail };
}

function fromDomain(err: DomainError): Problem {
  switch (err.code) {
    case 'not_found':
      return problem(404, err.code, err.message);
    case 'invalid_input':
      return {
        ...problem(422, err.code, err.message),
        ...(err.details ? { errors: err.details } : {}),
      };
    case 'conflict':
    case 'organizer_not_configured':
      return problem(409, err.code, err.message);
    case 'forbidden':
    case 'tenant_not_active':
      return problem(403, err.code, err.message);
    case 'unavailable':
      return problem(503, err.code, err.message);
  }
}

/** Maps any thrown value to a problem; unknown errors never leak their message or stack. */
export function toProblem(err: unknown): Problem {
  if (err instanceof DomainError) return fromDomain(err);
  if (err instanceof HttpError) return problem(err.status, err.code, err.message);
  // restify's own errors (404 route, 405 method) carry a statusCode and a safe message.
  const e = err as { statusCode?: number; body?: { code?: string; message?: string } };
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return problem(e.statusCode, String(e.body?.code ?? 'error'), e.body?.message);
  }
  return problem(500, 'internal', 'An unexpected error occurred.');
}
