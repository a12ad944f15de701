import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import { fetch, type Agent } from 'undici';
import { GraphCallError } from '../domain/ports/graph';
import type { Logger } from '../log/logger';
import { mapTokenFailure } from './errors';
import { MsalNetworkClient } from './http';

/** Where the Graph client gets app tokens (msal-node here; a recording fake in tests). */
export interface TokenSource {
  getToken(tenantId: string): Promise<string>;
  /** Forgets a tenant's token (after Graph answered 401 to it). */
  invalidate(tenantId: string): void;
}

export interface TokenProviderOptions {
  clientId: string;
  clientSecret: string;
  /** `https://login.microsoftonline.com`, or the sandbox's base URL. */
  authorityHost: string;
  agent: Agent;
  log: Logger;
  /** Refresh this long before expiry, so no call goes out with a token about to lapse. */
  refreshAheadMs?: number;
  /** Defaults to Graph; the bot asks for `https://api.botframework.com/.default`. */
  scope?: string;
  now?: () => number;
}

interface Cached {
  token: string;
  expiresAt: number;
}

const MICROSOFT_AUTHORITY = 'https://login.microsoftonline.com';
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/**
 * App-only tokens (Graph by default) per tenant (client credentials), cached, refreshed ahead of expiry with a
 * single flight per tenant: a hundred concurrent calls at expiry make one token request.
 */
export class GraphTokenProvider implements TokenSource {
  private readonly cache = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<Cached>>();
  private readonly apps = new Map<string, Promise<ConfidentialClientApplication>>();
  private readonly refreshAheadMs: number;
  private readonly now: () => number;

  constructor(private readonly options: TokenProviderOptions) {
    this.refreshAheadMs = options.refreshAheadMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  async getToken(tenantId: string): Promise<string> {
    const cached = this.cache.get(tenantId);
    if (cached && cached.expiresAt - this.refreshAheadMs > this.now()) return cached.token;
    let flight = this.inFlight.get(tenantId);
    if (!flight) {
      flight = this.acquire(tenantId).finally(() => this.inFlight.delete(tenantId));
      this.inFlight.set(tenantId, flight);
    }
    return (await flight).token;
  }

  /** Forgets a tenant's token (after Graph answered 401 to it). */
  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  private async acquire(tenantId: string): Promise<Cached> {
    const app = await this.app(tenantId);
    let result;
    try {
      result = await app.acquireTokenByClientCredential({
        scopes: [this.options.scope ?? GRAPH_SCOPE],
        skipCache: true,
      });
    } catch (err) {
      const failure = fromMsal(err);
      this.options.log.warn(
        {
          tenantId,
          scope: this.options.scope ?? GRAPH_SCOPE,
          reason: failure.reason,
          detail: failure.detail,
          code: failure.code,
        },
        'app token request failed',
      );
      throw new GraphCallError(failure);
    }
    if (!result?.accessToken) throw new Error(`no Graph token for tenant ${tenantId}`);
    const cached = {
      token: result.accessToken,
      expiresAt: result.expiresOn ? result.expiresOn.getTime() : this.now() + 3_000_000,
    };
    this.cache.set(tenantId, cached);
    this.options.log.debug(
      { tenantId, expiresAt: new Date(cached.expiresAt) },
      'graph token acquired',
    );
    return cached;
  }

  private app(tenantId: string): Promise<ConfidentialClientApplication> {
    let app = this.apps.get(tenantId);
    if (!app) {
      app = this.buildApp(tenantId);
      app.catch(() => this.apps.delete(tenantId));
      this.apps.set(tenantId, app);
    }
    return app;
  }

  private async buildApp(tenantId: string): Promise<ConfidentialClientApplication> {
    const { clientId, clientSecret, authorityHost, agent } = this.options;
    const authority = `${authorityHost}/${tenantId}`;
    const auth: Configuration['auth'] = { clientId, clientSecret, authority };
    if (authorityHost !== MICROSOFT_AUTHORITY) {
      // A non-Microsoft authority (the sandbox): no instance discovery, metadata read from it once.
      const res = await fetch(`${authority}/v2.0/.well-known/openid-configuration`, {
        dispatcher: agent,
        signal: AbortSignal.timeout(10_000),
      }).catch((err: unknown) => {
        const description = err instanceof Error ? err.message : String(err);
        throw new GraphCallError(mapTokenFailure({ status: null, network: true, description }));
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as {
          error?: string;
          error_description?: string;
        };
        throw new GraphCallError(
          mapTokenFailure({
            status: res.status,
            error: body.error,
            description: body.error_description,
          }),
        );
      }
      auth.knownAuthorities = [new URL(authorityHost).host];
      auth.authorityMetadata = await res.text();
    }
    return new ConfidentialClientApplication({
      auth,
      system: { networkClient: new MsalNetworkClient(agent) },
    });
  }
}

/** msal-node's errors as token failures: ServerError carries Entra's status and description. */
function fromMsal(err: unknown): ReturnType<typeof mapTokenFailure> {
  const e = err as { status?: number; errorCode?: string; errorMessage?: string; message?: string };
  const description = e?.errorMessage || e?.message || String(err);
  const status = typeof e?.status === 'number' ? e.status : null;
  return mapTokenFailure({
    status,
    error: e?.errorCode ?? null,
    description,
    network: status === null && !/AADSTS\d+/.test(description),
  });
}
