import fs from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, fetch } from 'undici';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/**
 * One HTTP agent for every call to Microsoft (Entra and Graph). It trusts an extra CA only when
 * configured (the sandbox's); in production it uses the system roots.
 */
export function createAgent(extraCaFile: string | undefined): Agent {
  if (!extraCaFile) return new Agent({ connect: { timeout: 10_000 } });
  const extra = fs.readFileSync(extraCaFile, 'utf8');
  // Node's default roots plus the extra CA: `ca` replaces the defaults when given alone.
  return new Agent({ connect: { ca: [...rootCertificates, extra], timeout: 10_000 } });
}

/** msal-node's network module on our agent, with a timeout on every request. */
export class MsalNetworkClient implements INetworkModule {
  constructor(
    private readonly agent: Agent,
    private readonly timeoutMs = 15_000,
  ) {}

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
    const res = await fetch(url, {
      method,
      headers: options?.headers,
      body: method === 'POST' ? (options?.body ?? '') : undefined,
      dispatcher: this.agent,
      signal: AbortSignal.timeout(timeout ?? this.timeoutMs),
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => (headers[key] = value));
    const text = await res.text();
    let body: unknown = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = {
        error: 'invalid_response',
        error_description: `non-JSON answer (HTTP ${res.status})`,
      };
    }
    return { headers, body: body as T, status: res.status };
  }
}
