import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import {
  Client,
  GraphError,
  type AuthenticationProvider,
  type FetchOptions,
} from '@microsoft/microsoft-graph-client';
import { APP_ROLES, SANDBOX_APP } from '../../sandbox/src/seed';
import { MsalNetworkClient } from '../../api/src/graph/http';
import type { TestSandbox } from './sandbox';

/**
 * Clients the tests talk to the sandbox with: msal-node's network module, the real Graph client,
 * raw token-endpoint and bearer calls, and Graph app tokens minted directly.
 */

/** Our app's client id in every sandbox tenant. */
export const APP_ID = SANDBOX_APP.clientId;

/** Every Graph application role the meetings workloads check: all a sandbox tenant consented to. */
export const ALL_MEETING_ROLES: string[] = [...APP_ROLES];

export interface AppTokenOptions {
  tenantId: string;
  /** Default: {@link ALL_MEETING_ROLES}. */
  roles?: string[];
  /** Default: {@link APP_ID}. */
  appId?: string;
  /** Seconds from the sandbox's now; negative gives an already expired token. */
  lifetimeSeconds?: number;
}

/**
 * A v1.0 Graph app token as Entra issues it (`iss` sts.windows.net, `aud` Graph, `roles`), minted
 * DIRECTLY with the sandbox's Entra key and timed on the sandbox clock. The token endpoint cannot
 * give these tests what they need: a subset of the consented roles, a foreign app, an expired token,
 * or a token still valid after the test moved the sandbox clock past msal's cached expiry.
 */
export async function mintGraphAppTokenDirectly(
  sb: TestSandbox,
  o: AppTokenOptions,
): Promise<string> {
  const now = Math.floor(sb.sandbox.clock.now().getTime() / 1000);
  const lifetime = o.lifetimeSeconds ?? 3599;
  const iat = lifetime < 0 ? now + lifetime - 3600 : now;
  return sb.sandbox.keys.sign('entra', {
    iss: `https://sts.windows.net/${o.tenantId}/`,
    aud: 'https://graph.microsoft.com',
    tid: o.tenantId,
    appid: o.appId ?? APP_ID,
    appidacr: '1',
    idtyp: 'app',
    ver: '1.0',
    roles: o.roles ?? ALL_MEETING_ROLES,
    iat,
    nbf: iat,
    exp: now + lifetime,
  });
}

/**
 * msal-node's network client for tests: the product's own (on the sandbox-trusting agent), except
 * that any other host is refused at once and recorded, so an attempt to reach Microsoft fails fast.
 */
export class SandboxNetworkClient implements INetworkModule {
  /** URLs msal asked for that are not the sandbox (e.g. instance discovery). */
  readonly refused: string[] = [];
  private readonly inner: MsalNetworkClient;

  constructor(private readonly sb: Pick<TestSandbox, 'url' | 'agent'>) {
    this.inner = new MsalNetworkClient(sb.agent);
  }

  private allow(url: string): void {
    if (new URL(url).origin !== new URL(this.sb.url).origin) {
      this.refused.push(url);
      throw new Error(`offline test: refusing to contact ${new URL(url).host}`);
    }
  }

  sendGetRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    this.allow(url);
    return this.inner.sendGetRequestAsync<T>(url, options, timeout);
  }

  sendPostRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    this.allow(url);
    return this.inner.sendPostRequestAsync<T>(url, options);
  }
}

/**
 * The real Graph client pointed at the sandbox. It calls the global `fetch` with our
 * `fetchOptions`, so the undici `dispatcher` (trusting the sandbox CA) rides along — no
 * NODE_EXTRA_CA_CERTS needed; `customHosts` makes it attach the bearer token to the sandbox host
 * (it only authenticates Graph hosts otherwise).
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

/** The real Graph client with a token minted directly for every request (tests move the clock). */
export function graphClientFor(sb: TestSandbox, o: AppTokenOptions): Client {
  return sandboxGraphClient(sb, () => mintGraphAppTokenDirectly(sb, o));
}

/** What a Graph client call threw; fails the test when it resolved or threw anything else. */
export async function graphErrorOf(call: Promise<unknown>): Promise<GraphError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof GraphError) return err;
    throw err;
  }
  throw new Error('expected a Graph error');
}

/** A Graph client failure reduced to what tests compare whole. */
export async function graphFailure(
  call: Promise<unknown>,
): Promise<{ statusCode: number; code: string | null; message: string }> {
  const e = await graphErrorOf(call);
  return { statusCode: e.statusCode, code: e.code, message: e.message };
}

/** fetch against the sandbox with a bearer token (for status codes, headers and raw bytes). */
export function fetchWithToken(
  sb: Pick<TestSandbox, 'fetch'>,
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

/** One activity the recording bot received, and whether its channel token checked out. */
export interface BotDelivery {
  activity: Record<string, unknown>;
  /** `ok`, or why the token was refused (the bot then answered 401). */
  verdict: string;
}

/** What the recording bot answers an activity with; default 200 and no body. */
export interface BotAnswer {
  status?: number;
  body?: unknown;
  delayMs?: number;
}

export interface RecordingBot {
  /** `http://127.0.0.1:{port}/api/messages` */
  url: string;
  received: BotDelivery[];
  /** Set by a test to choose the answer per activity. */
  answer: (activity: Record<string, unknown>) => BotAnswer;
  close(): Promise<void>;
}

/**
 * A plain HTTP bot endpoint that records every activity and checks its channel token as botbuilder
 * does (signature against the sandbox's Bot Framework keys, issuer, audience, serviceurl claim).
 */
export async function startRecordingBot(sb: TestSandbox, appId = APP_ID): Promise<RecordingBot> {
  const bot: Omit<RecordingBot, 'url' | 'close'> = { received: [], answer: () => ({}) };
  const verify = async (token: string, serviceUrl: unknown): Promise<string> => {
    const jwks = (await (
      await sb.fetch('/botframework/v1/.well-known/keys')
    ).json()) as JSONWebKeySet;
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
        issuer: 'https://api.botframework.com',
        audience: appId,
        clockTolerance: 300,
      });
      return payload.serviceurl === serviceUrl ? 'ok' : 'serviceurl claim mismatch';
    } catch (err) {
      return `rejected: ${String(err)}`;
    }
  };
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const activity = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const verdict = await verify(token, activity.serviceUrl);
    bot.received.push({ activity, verdict });
    const a: BotAnswer = verdict === 'ok' ? bot.answer(activity) : { status: 401 };
    if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
    const text = a.body === undefined ? '' : JSON.stringify(a.body);
    // Not chained: restify, loaded by other test files in this worker, patches writeHead.
    res.writeHead(a.status ?? 200, text ? { 'content-type': 'application/json' } : {});
    res.end(text);
  };
  const server = http.createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(bot, {
    url: `http://127.0.0.1:${port}/api/messages`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
