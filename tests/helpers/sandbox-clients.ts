import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import {
  Client,
  type AuthenticationProvider,
  type FetchOptions,
} from '@microsoft/microsoft-graph-client';
import { fetch as undiciFetch } from 'undici';
import type { TestSandbox } from './sandbox';

/**
 * msal-node's network client for tests: talks to the sandbox over HTTPS trusting its CA, and refuses
 * (at once, recording the URL) any other host — so an attempt to reach Microsoft fails fast offline.
 */
export class SandboxNetworkClient implements INetworkModule {
  /** URLs msal asked for that are not the sandbox (e.g. instance discovery). */
  readonly refused: string[] = [];

  constructor(private readonly sb: Pick<TestSandbox, 'url' | 'agent'>) {}

  sendGetRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    if (new URL(url).origin !== new URL(this.sb.url).origin) {
      this.refused.push(url);
      throw new Error(`offline test: refusing to contact ${new URL(url).host}`);
    }
    const res = await undiciFetch(url, {
      method,
      headers: options?.headers,
      body: method === 'POST' ? (options?.body ?? '') : undefined,
      dispatcher: this.sb.agent,
      signal: timeout ? AbortSignal.timeout(timeout) : undefined,
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => (headers[key] = value));
    return { headers, body: (await res.json()) as T, status: res.status };
  }
}

/**
 * The real Graph client pointed at the sandbox. It calls the global `fetch` with our
 * `fetchOptions`, so the undici `dispatcher` (trusting the sandbox CA) rides along — no
 * NODE_EXTRA_CA_CERTS needed.
 */
export function sandboxGraphClient(
  sb: Pick<TestSandbox, 'url' | 'agent'>,
  getToken: () => Promise<string>,
): Client {
  const authProvider: AuthenticationProvider = { getAccessToken: getToken };
  return Client.initWithMiddleware({
    baseUrl: `${sb.url}/`,
    customHosts: new Set([new URL(sb.url).hostname]),
    authProvider,
    // npm undici 7's Agent works as Node 20's fetch dispatcher; only their type declarations differ.
    fetchOptions: { dispatcher: sb.agent } as unknown as FetchOptions,
  });
}

/** POSTs a form to a sandbox token endpoint and returns status and parsed JSON. */
export async function postTokenForm(
  sb: Pick<TestSandbox, 'fetch'>,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await sb.fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
