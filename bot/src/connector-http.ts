import { fetch, type Agent } from 'undici';

/** The fields of a botbuilder (core-http-compat) request this client reads. */
interface WebResourceLike {
  url: string;
  method: string;
  headers: { toJson(options?: { preserveCase?: boolean }): Record<string, string> };
  body?: unknown;
  abortSignal?: AbortSignal;
  timeout?: number;
}

const TIMEOUT_MS = 30_000;

/**
 * An HTTP client for botbuilder's ConnectorClient (its `httpClient` option) that sends through an
 * undici agent: in sandbox mode the one that trusts the sandbox's CA. botbuilder's own client
 * builds its TLS agents itself and takes no CA.
 */
export function connectorHttpClient(agent: Agent) {
  return {
    async sendRequest(request: WebResourceLike) {
      const timeout = AbortSignal.timeout(request.timeout || TIMEOUT_MS);
      const signal = request.abortSignal
        ? AbortSignal.any([request.abortSignal, timeout])
        : timeout;
      const res = await fetch(request.url, {
        method: request.method,
        headers: request.headers.toJson({ preserveCase: true }),
        body:
          typeof request.body === 'string' || request.body instanceof Uint8Array
            ? request.body
            : undefined,
        dispatcher: agent,
        signal,
      });
      const bodyAsText = await res.text();
      const headers: Record<string, string> = {};
      res.headers.forEach((value, key) => {
        headers[key] = value;
      });
      return {
        request,
        status: res.status,
        bodyAsText,
        headers: {
          toJson: () => headers,
          get: (name: string) => headers[name.toLowerCase()],
          rawHeaders: () => headers,
        },
      };
    },
  };
}
