import { Client, type FetchOptions } from '@microsoft/microsoft-graph-client';
import type { TestSandbox } from './sandbox';

/**
 * Graph app-only access tokens minted DIRECTLY with the sandbox's Entra signing key, bypassing the
 * token endpoint. Stand-in until tests get tokens from the sandbox's `/oauth2/v2.0/token` (swap
 * `mintGraphAppTokenDirectly` for a client-credentials call there; the claims are the same).
 */

/** Every Graph application role the meetings workloads check. */
export const ALL_MEETING_ROLES = [
  'Calendars.ReadWrite',
  'OnlineMeetings.Read.All',
  'OnlineMeetingTranscript.Read.All',
  'OnlineMeetingRecording.Read.All',
  'User.Read.All',
];

export const SANDBOX_CLIENT_ID = '9b2d4e6f-1a3c-4e5f-8a7b-0c1d2e3f4a5b';

export interface MintOptions {
  tenantId: string;
  roles: string[];
  clientId?: string;
  /** Seconds from the sandbox's now; negative gives an already expired token. */
  lifetimeSeconds?: number;
}

/** A v1.0 Graph app token as Entra issues it (`iss` sts.windows.net, `aud` Graph, `roles`). */
export async function mintGraphAppTokenDirectly(sb: TestSandbox, o: MintOptions): Promise<string> {
  const now = Math.floor(sb.sandbox.clock.now().getTime() / 1000);
  const lifetime = o.lifetimeSeconds ?? 3599;
  const iat = lifetime < 0 ? now + lifetime - 3600 : now;
  return sb.sandbox.keys.sign('entra', {
    iss: `https://sts.windows.net/${o.tenantId}/`,
    aud: 'https://graph.microsoft.com',
    tid: o.tenantId,
    appid: o.clientId ?? SANDBOX_CLIENT_ID,
    appidacr: '1',
    idtyp: 'app',
    ver: '1.0',
    roles: o.roles,
    iat,
    nbf: iat,
    exp: now + lifetime,
  });
}

/**
 * The real `@microsoft/microsoft-graph-client` against the sandbox: it calls the global fetch with
 * `fetchOptions`, so the undici Agent trusting the sandbox CA goes in as `dispatcher`; the sandbox
 * host must be a custom host or the client would not attach the token. A fresh token is minted per
 * request, so tests may move the sandbox clock.
 */
export function graphClientFor(
  sb: TestSandbox,
  tenantId: string,
  roles = ALL_MEETING_ROLES,
): Client {
  return Client.initWithMiddleware({
    baseUrl: `${sb.url}/`,
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(sb.url).hostname]),
    authProvider: { getAccessToken: () => mintGraphAppTokenDirectly(sb, { tenantId, roles }) },
    // npm undici 7's Agent works as Node 20's built-in fetch dispatcher; only the typings differ.
    fetchOptions: { dispatcher: sb.agent } as unknown as FetchOptions,
  });
}

/** fetch against the sandbox with a bearer token (for status codes, headers and raw bytes). */
export function fetchWithToken(
  sb: TestSandbox,
  token: string,
  path: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    redirect?: 'manual' | 'follow';
  } = {},
) {
  return sb.fetch(path, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...init.headers },
  });
}
