import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeJwt, type JWTPayload } from 'jose';
import { controlError } from './control';
import { jsonBody, sendJson, type Ctx } from './http';
import type { Sandbox } from './sandbox';
import { SANDBOX_APP, type SandboxTenant, type SandboxUser } from './seed';

/** Bot Framework's own directory (`botframework.com`): multi-tenant bots get Connector tokens there. */
export const BOT_FRAMEWORK_TENANT_ID = 'd6d49420-f39b-4df7-a1dc-d59a935871db';
/** Issuer of channel→bot tokens and audience of bot→Connector tokens. */
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** Teams web client: the `azp` of tab SSO tokens. */
export const TEAMS_WEB_CLIENT_ID = '5e3ce6c0-2b1f-4285-8d4b-75ee78787346';
export const SSO_SCOPE = 'access_as_user';

const TOKEN_LIFETIME_S = 3599;
/** Entra back-dates iat/nbf by five minutes to absorb clock skew. */
const BACKDATE_S = 300;
/** Delegated Graph permissions every sandbox tenant granted our app (admin consent). */
const DELEGATED_GRAPH_SCOPES = ['User.Read'];
const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
const GRANT_CLIENT_CREDENTIALS = 'client_credentials';
const GRANT_JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** A directory tokens can be issued in: a seeded tenant, or Bot Framework's (no users, no Graph). */
interface Directory {
  tenantId: string;
  displayName: string;
  tenant?: SandboxTenant;
}

type Resolved = Directory | 'common' | 'organizations' | undefined;

function resolveDirectory(sb: Sandbox, segment: string): Resolved {
  const key = segment.toLowerCase();
  if (key === 'common' || key === 'organizations') return key;
  if (key === 'botframework' || key === 'botframework.com' || key === BOT_FRAMEWORK_TENANT_ID) {
    return { tenantId: BOT_FRAMEWORK_TENANT_ID, displayName: 'Bot Framework' };
  }
  const tenant = sb.tenants().find((t) => t.tenantId === key || t.domain.toLowerCase() === key);
  return tenant
    ? { tenantId: tenant.tenantId, displayName: tenant.displayName, tenant }
    : undefined;
}

const nowS = (sb: Sandbox) => Math.floor(sb.clock.now().getTime() / 1000);
const uti = () => randomBytes(16).toString('base64url');
const stsIssuer = (tid: string) => `https://sts.windows.net/${tid}/`;
const v2Issuer = (sb: Sandbox, tid: string) => `${sb.baseUrl}/${tid}/v2.0`;

/** A stable GUID derived from `parts` (service principal ids, pairwise subjects). */
function stableGuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// ---------------------------------------------------------------------------------------------
// Errors, in Entra's shape (graph-contract §2.1)

interface EntraErrorSpec {
  status: number;
  error: string;
  code: number;
  message: string;
  suberror?: string;
}

/** `2025-06-10 09:12:44Z` — Entra's timestamp format. */
function entraTimestamp(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

function correlationId(ctx: Ctx, form?: URLSearchParams): string {
  const sent = form?.get('client-request-id') ?? ctx.url.searchParams.get('client-request-id');
  return sent && sent.length <= 100 ? sent : ctx.clientRequestId;
}

function entraError(sb: Sandbox, ctx: Ctx, spec: EntraErrorSpec, form?: URLSearchParams): void {
  const timestamp = entraTimestamp(sb.clock.now());
  const correlation = correlationId(ctx, form);
  ctx.meta.entraError = `${spec.error} AADSTS${spec.code}`;
  sendJson(
    ctx,
    spec.status,
    {
      error: spec.error,
      error_description:
        `AADSTS${spec.code}: ${spec.message}\r\nTrace ID: ${ctx.requestId}\r\n` +
        `Correlation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
      error_codes: [spec.code],
      timestamp,
      trace_id: ctx.requestId,
      correlation_id: correlation,
      error_uri: `${sb.baseUrl}/error?code=${spec.code}`,
      ...(spec.suberror ? { suberror: spec.suberror } : {}),
    },
    { 'cache-control': 'no-store, no-cache', pragma: 'no-cache', 'x-ms-request-id': ctx.requestId },
  );
}

const tenantNotFound = (segment: string, error = 'invalid_request'): EntraErrorSpec => ({
  status: 400,
  error,
  code: 90002,
  message:
    `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are ` +
    'signing into the correct cloud. Check with your subscription administrator, this may happen ' +
    'if there are no active subscriptions for the tenant.',
});

const missingParam = (name: string): EntraErrorSpec => ({
  status: 400,
  error: 'invalid_request',
  code: 900144,
  message: `The request body must contain the following parameter: '${name}'.`,
});

const invalidGrant = (code: number, message: string): EntraErrorSpec => ({
  status: 400,
  error: 'invalid_grant',
  code,
  message,
});

// ---------------------------------------------------------------------------------------------
// Discovery

function openIdConfiguration(sb: Sandbox, dir: Directory | 'common' | 'organizations') {
  const base = sb.baseUrl;
  const path = typeof dir === 'string' ? dir : dir.tenantId;
  const issuerTid = typeof dir === 'string' ? '{tenantid}' : dir.tenantId;
  return {
    token_endpoint: `${base}/${path}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: [
      'client_secret_post',
      'private_key_jwt',
      'client_secret_basic',
    ],
    jwks_uri: `${base}/${path}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/${issuerTid}/v2.0`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/${path}/oauth2/v2.0/authorize`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/${path}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    tenant_region_scope: typeof dir === 'string' ? null : 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: new URL(base).host,
    rbac_url: 'https://pas.windows.net',
  };
}

/** The v1 document (`/{tenant}/.well-known/openid-configuration`): sts.windows.net issuers. */
function openIdConfigurationV1(sb: Sandbox, dir: Directory | 'common' | 'organizations') {
  const base = sb.baseUrl;
  const path = typeof dir === 'string' ? dir : dir.tenantId;
  return {
    token_endpoint: `${base}/${path}/oauth2/token`,
    token_endpoint_auth_methods_supported: [
      'client_secret_post',
      'private_key_jwt',
      'client_secret_basic',
    ],
    jwks_uri: `${base}/${path}/discovery/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
    issuer: stsIssuer(typeof dir === 'string' ? '{tenantid}' : dir.tenantId),
    authorization_endpoint: `${base}/${path}/oauth2/authorize`,
    end_session_endpoint: `${base}/${path}/oauth2/logout`,
  };
}

// ---------------------------------------------------------------------------------------------
// Tokens

function scopeClaimsForUser(user: SandboxUser) {
  return {
    name: user.displayName,
    oid: user.id,
    ...(user.wids.length > 0 ? { wids: [...user.wids] } : {}),
  };
}

/** An Entra v1 app-only access token (client credentials) for `audience` in `dir`. */
async function appToken(
  sb: Sandbox,
  dir: Directory,
  clientId: string,
  audience: string,
  roles: string[],
): Promise<string> {
  const now = nowS(sb);
  const sp = stableGuid('service-principal', dir.tenantId, clientId);
  return sb.keys.sign('entra', {
    aud: audience,
    iss: stsIssuer(dir.tenantId),
    iat: now - BACKDATE_S,
    nbf: now - BACKDATE_S,
    exp: now + TOKEN_LIFETIME_S,
    app_displayname: SANDBOX_APP.displayName,
    appid: clientId,
    appidacr: '1',
    idp: stsIssuer(dir.tenantId),
    idtyp: 'app',
    oid: sp,
    ...(roles.length > 0 ? { roles } : {}),
    sub: sp,
    tid: dir.tenantId,
    uti: uti(),
    ver: '1.0',
  });
}

/**
 * A Teams SSO token for our API (what `authentication.getAuthToken()` hands the tab): Entra v2,
 * audience = our client id, scope `access_as_user`, issued to the Teams web client.
 */
export async function issueUserSsoToken(
  sb: Sandbox,
  tenant: SandboxTenant,
  user: SandboxUser,
  lifetimeSeconds = 3600,
): Promise<{ token: string; expiresOn: Date }> {
  const now = nowS(sb);
  const exp = now + lifetimeSeconds;
  const token = await sb.keys.sign('entra', {
    aud: SANDBOX_APP.clientId,
    iss: v2Issuer(sb, tenant.tenantId),
    iat: now - BACKDATE_S,
    nbf: now - BACKDATE_S,
    exp,
    azp: TEAMS_WEB_CLIENT_ID,
    azpacr: '0',
    preferred_username: user.userPrincipalName,
    scp: SSO_SCOPE,
    sub: createHash('sha256').update(`${user.id}|${SANDBOX_APP.clientId}`).digest('base64url'),
    tid: tenant.tenantId,
    uti: uti(),
    ver: '2.0',
    ...scopeClaimsForUser(user),
  });
  return { token, expiresOn: new Date(exp * 1000) };
}

/** A delegated Graph token (v1) for `user`, as the OBO exchange returns it. */
async function delegatedGraphToken(
  sb: Sandbox,
  tenant: SandboxTenant,
  user: SandboxUser,
  clientId: string,
  scp: string[],
): Promise<string> {
  const now = nowS(sb);
  return sb.keys.sign('entra', {
    aud: GRAPH_RESOURCE,
    iss: stsIssuer(tenant.tenantId),
    iat: now - BACKDATE_S,
    nbf: now - BACKDATE_S,
    exp: now + TOKEN_LIFETIME_S,
    acct: 0,
    acr: '1',
    amr: ['pwd'],
    app_displayname: SANDBOX_APP.displayName,
    appid: clientId,
    appidacr: '1',
    family_name: user.surname,
    given_name: user.givenName,
    idtyp: 'user',
    scp: scp.join(' '),
    sub: createHash('sha256').update(`${user.id}|${GRAPH_APP_ID}`).digest('base64url'),
    tid: tenant.tenantId,
    unique_name: user.userPrincipalName,
    upn: user.userPrincipalName,
    uti: uti(),
    ver: '1.0',
    ...scopeClaimsForUser(user),
  });
}

/** An OpenID Connect id token for our app (returned with OBO when `openid` was asked for). */
async function idToken(sb: Sandbox, tenant: SandboxTenant, user: SandboxUser): Promise<string> {
  const now = nowS(sb);
  return sb.keys.sign('entra', {
    aud: SANDBOX_APP.clientId,
    iss: v2Issuer(sb, tenant.tenantId),
    iat: now - BACKDATE_S,
    nbf: now - BACKDATE_S,
    exp: now + TOKEN_LIFETIME_S,
    name: user.displayName,
    oid: user.id,
    preferred_username: user.userPrincipalName,
    sub: createHash('sha256').update(`${user.id}|${SANDBOX_APP.clientId}`).digest('base64url'),
    tid: tenant.tenantId,
    uti: uti(),
    ver: '2.0',
  });
}

/**
 * Signs a Bot Framework channel→bot token, as the Bot Connector sends on `POST /api/messages`:
 * iss `https://api.botframework.com`, aud = the bot's app id, `serviceurl` = the activity's
 * serviceUrl; signed with the Bot Framework key set (whose keys are endorsed for `msteams`).
 * `now` defaults to the sandbox clock; botbuilder checks lifetimes against the real clock with
 * five minutes of tolerance, so pass `new Date()` when the sandbox clock was moved far ahead.
 */
export async function signChannelToken(
  sb: Sandbox,
  options: { serviceUrl: string; audience: string; lifetimeSeconds?: number; now?: Date },
): Promise<string> {
  const now = Math.floor((options.now ?? sb.clock.now()).getTime() / 1000);
  return sb.keys.sign('botframework', {
    serviceurl: options.serviceUrl,
    nbf: now - BACKDATE_S,
    exp: now + (options.lifetimeSeconds ?? 3600),
    iss: BOT_FRAMEWORK_ISSUER,
    aud: options.audience,
  });
}

// ---------------------------------------------------------------------------------------------
// Token endpoint

function readForm(ctx: Ctx): URLSearchParams {
  const type = String(ctx.req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams();
  return new URLSearchParams(ctx.body.toString('utf8'));
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** client_id and credential from the body or an HTTP Basic header (RFC 6749 §2.3.1). */
function clientCredentials(ctx: Ctx, form: URLSearchParams) {
  const basic = /^Basic (.+)$/i.exec(ctx.req.headers.authorization ?? '')?.[1];
  let basicId: string | undefined;
  let basicSecret: string | undefined;
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      basicId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      basicSecret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    }
  }
  const bodyId = form.get('client_id') ?? undefined;
  return {
    clientId: bodyId ?? basicId,
    mismatch: bodyId !== undefined && basicId !== undefined && bodyId !== basicId,
    secret: form.get('client_secret') ?? basicSecret,
    assertion: form.get('client_assertion') ?? undefined,
  };
}

const KNOWN_CLIENTS = new Set<string>([SANDBOX_APP.clientId, SANDBOX_APP.botId]);

/** Authenticates the calling app; answers the error itself and returns undefined on failure. */
function authenticateClient(
  sb: Sandbox,
  ctx: Ctx,
  form: URLSearchParams,
  dir: Directory,
): string | undefined {
  const c = clientCredentials(ctx, form);
  const fail = (spec: EntraErrorSpec) => entraError(sb, ctx, spec, form);
  if (!c.clientId) return void fail(missingParam('client_id'));
  if (c.mismatch) {
    return void fail({
      status: 400,
      error: 'invalid_request',
      code: 9002313,
      message: 'Invalid request. Request is malformed or invalid.',
    });
  }
  ctx.meta.appId = c.clientId;
  if (!KNOWN_CLIENTS.has(c.clientId.toLowerCase())) {
    return void fail({
      status: 400,
      error: 'unauthorized_client',
      code: 700016,
      message:
        `Application with identifier '${c.clientId}' was not found in the directory ` +
        `'${dir.displayName}'. This can happen if the application has not been installed by the ` +
        'administrator of the tenant or consented to by any user in the tenant. You may have sent ' +
        'your authentication request to the wrong tenant.',
    });
  }
  if (c.assertion !== undefined) {
    return void fail({
      status: 401,
      error: 'invalid_client',
      code: 700027,
      message:
        'The certificate with identifier used to sign the client assertion is not registered on ' +
        'application. [Reason - The key was not found.]',
    });
  }
  if (!c.secret) {
    return void fail({
      status: 401,
      error: 'invalid_client',
      code: 7000218,
      message:
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    });
  }
  if (!sameSecret(c.secret, SANDBOX_APP.clientSecret)) {
    return void fail({
      status: 401,
      error: 'invalid_client',
      code: 7000215,
      message:
        'Invalid client secret provided. Ensure the secret being sent in the request is the client ' +
        `secret value, not the client secret ID, for a secret added to app '${c.clientId}'.`,
    });
  }
  return c.clientId.toLowerCase();
}

type ResourceKind = 'graph' | 'botframework';

/** Splits `https://graph.microsoft.com/User.Read` into resource and permission; bare names are Graph's. */
function splitScope(scope: string): { resource: string; permission: string } {
  const slash = scope.lastIndexOf('/');
  if (slash < 0) return { resource: GRAPH_RESOURCE, permission: scope };
  return { resource: scope.slice(0, slash), permission: scope.slice(slash + 1) };
}

function resourceKind(resource: string): ResourceKind | undefined {
  const r = resource.toLowerCase().replace(/\/+$/, '');
  if (r === GRAPH_RESOURCE || r === GRAPH_APP_ID) return 'graph';
  if (r === BOT_FRAMEWORK_ISSUER) return 'botframework';
  return undefined;
}

const resourceNotFound = (resource: string, dir: Directory): EntraErrorSpec => ({
  status: 400,
  error: 'invalid_resource',
  code: 500011,
  message:
    `The resource principal named ${resource} was not found in the tenant named ${dir.displayName}. ` +
    'This can happen if the application has not been installed by the administrator of the tenant ' +
    'or consented to by any user in the tenant. You might have sent your authentication request to ' +
    'the wrong tenant.',
});

const invalidScope = (scope: string): EntraErrorSpec => ({
  status: 400,
  error: 'invalid_scope',
  code: 70011,
  message: `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
});

async function clientCredentialsGrant(
  sb: Sandbox,
  ctx: Ctx,
  form: URLSearchParams,
  dir: Directory,
  clientId: string,
): Promise<void> {
  const fail = (spec: EntraErrorSpec) => entraError(sb, ctx, spec, form);
  const scope = form.get('scope')?.trim();
  if (!scope) return fail(missingParam('scope'));
  const scopes = scope.split(/\s+/);
  const notDefault = scopes.find((s) => !s.toLowerCase().endsWith('/.default'));
  if (notDefault) {
    return fail({
      status: 400,
      error: 'invalid_scope',
      code: 1002012,
      message:
        `The provided value for scope ${notDefault} is not valid. Client credential flows must have ` +
        'a scope value with /.default suffixed to the resource identifier (application ID URI).',
    });
  }
  const resources = new Set(scopes.map((s) => splitScope(s).resource.toLowerCase()));
  if (resources.size > 1) return fail(invalidScope(scope));
  const resource = splitScope(scopes[0]).resource;
  const kind = resourceKind(resource);
  if (!kind || (kind === 'graph' && !dir.tenant)) return fail(resourceNotFound(resource, dir));
  const audience =
    kind === 'botframework'
      ? BOT_FRAMEWORK_ISSUER
      : resource.toLowerCase() === GRAPH_APP_ID
        ? GRAPH_APP_ID
        : GRAPH_RESOURCE;
  const roles = kind === 'graph' && dir.tenant ? [...dir.tenant.consentedRoles] : [];
  const accessToken = await appToken(sb, dir, clientId, audience, roles);
  sendToken(ctx, { access_token: accessToken });
}

function sendToken(ctx: Ctx, fields: Record<string, unknown>): void {
  sendJson(
    ctx,
    200,
    {
      token_type: 'Bearer',
      expires_in: TOKEN_LIFETIME_S,
      ext_expires_in: TOKEN_LIFETIME_S,
      ...fields,
    },
    { 'cache-control': 'no-store, no-cache', pragma: 'no-cache', 'x-ms-request-id': ctx.requestId },
  );
}

/** Verifies an OBO assertion: our signature, lifetime, audience = the caller, issued in this tenant. */
async function verifyAssertion(
  sb: Sandbox,
  assertion: string,
  tenant: SandboxTenant,
  clientId: string,
): Promise<{ user: SandboxUser } | EntraErrorSpec> {
  try {
    decodeJwt(assertion);
  } catch {
    return {
      status: 400,
      error: 'invalid_request',
      code: 50027,
      message: 'JWT token is invalid or malformed.',
    };
  }
  let claims: JWTPayload;
  try {
    claims = await sb.keys.verify('entra', assertion, sb.clock.now());
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_JWT_EXPIRED') {
      return invalidGrant(
        500133,
        'Assertion is not within its valid time range. Ensure that the access token is not expired ' +
          'before using it for user assertion, or request a new token. Current time: ' +
          `${sb.clock.now().toISOString()}, expiry time of assertion ` +
          `${new Date(Number(decodeJwt(assertion).exp) * 1000).toISOString()}.`,
      );
    }
    return invalidGrant(
      50013,
      'Assertion failed signature validation. [Reason - The key was not found.]',
    );
  }
  const aud = String(claims.aud ?? '');
  if (aud.toLowerCase() !== clientId && !aud.toLowerCase().endsWith(`/${clientId}`)) {
    return invalidGrant(
      50013,
      'Assertion audience does not match the Client app presenting the assertion. The audience in ' +
        `the assertion was '${aud}' and the expected audience is '${clientId}' or one of the ` +
        'Application Id URIs of this application.',
    );
  }
  const tid = String(claims.tid ?? '');
  const issuers = [v2Issuer(sb, tid), stsIssuer(tid)];
  if (tid !== tenant.tenantId || !issuers.includes(String(claims.iss))) {
    return invalidGrant(
      50013,
      'Assertion contains an invalid issuer or was issued for another tenant.',
    );
  }
  const user = tenant.users.find((u) => u.id === claims.oid);
  if (!user || typeof claims.scp !== 'string') {
    return invalidGrant(
      50034,
      `The user account {EUII Hidden} does not exist in the ${tid} directory.`,
    );
  }
  return { user };
}

async function onBehalfOfGrant(
  sb: Sandbox,
  ctx: Ctx,
  form: URLSearchParams,
  dir: Directory,
  clientId: string,
): Promise<void> {
  const fail = (spec: EntraErrorSpec) => entraError(sb, ctx, spec, form);
  const assertion = form.get('assertion');
  if (!assertion) return fail(missingParam('assertion'));
  if (form.get('requested_token_use') !== 'on_behalf_of')
    return fail(missingParam('requested_token_use'));
  const scope = form.get('scope')?.trim();
  if (!scope) return fail(missingParam('scope'));
  if (!dir.tenant)
    return fail(invalidGrant(50034, 'The user account does not exist in the directory.'));
  const verified = await verifyAssertion(sb, assertion, dir.tenant, clientId);
  if (!('user' in verified)) return fail(verified);

  const requested = scope.split(/\s+/);
  const oidc = requested.filter((s) => OIDC_SCOPES.includes(s.toLowerCase()));
  const resourceScopes = requested.filter((s) => !OIDC_SCOPES.includes(s.toLowerCase()));
  const resources = new Set(resourceScopes.map((s) => splitScope(s).resource.toLowerCase()));
  if (resources.size > 1) return fail(invalidScope(scope));
  const resource =
    resourceScopes.length > 0 ? splitScope(resourceScopes[0]).resource : GRAPH_RESOURCE;
  if (resourceKind(resource) !== 'graph') return fail(resourceNotFound(resource, dir));
  const permissions = resourceScopes.map((s) => splitScope(s).permission);
  const granted = permissions.includes('.default') ? [...DELEGATED_GRAPH_SCOPES] : [];
  for (const p of permissions.filter((x) => x !== '.default')) {
    const known = DELEGATED_GRAPH_SCOPES.find((d) => d.toLowerCase() === p.toLowerCase());
    if (!known) {
      return fail({
        ...invalidGrant(
          65001,
          `The user or administrator has not consented to use the application with ID '${clientId}' ` +
            `named '${SANDBOX_APP.displayName}'. Send an interactive authorization request for this ` +
            'user and resource.',
        ),
        suberror: 'consent_required',
      });
    }
    if (!granted.includes(known)) granted.push(known);
  }
  const { user } = verified;
  const scp = [...granted, ...oidc.filter((s) => s !== 'offline_access')];
  ctx.meta.userOid = user.id;
  sendToken(ctx, {
    scope: [...granted, ...oidc].join(' '),
    access_token: await delegatedGraphToken(sb, dir.tenant, user, clientId, scp),
    ...(oidc.includes('openid') ? { id_token: await idToken(sb, dir.tenant, user) } : {}),
    ...(form.get('client_info') === '1'
      ? {
          client_info: Buffer.from(
            JSON.stringify({ uid: user.id, utid: dir.tenant.tenantId }),
          ).toString('base64url'),
        }
      : {}),
  });
}

async function tokenEndpoint(sb: Sandbox, ctx: Ctx): Promise<void> {
  const form = readForm(ctx);
  const fail = (spec: EntraErrorSpec) => entraError(sb, ctx, spec, form);
  const dir = resolveDirectory(sb, ctx.params.tenant);
  if (!dir) return fail(tenantNotFound(ctx.params.tenant));
  const grant = form.get('grant_type');
  if (!grant) return fail(missingParam('grant_type'));
  ctx.meta.grant = grant;
  if (grant !== GRANT_CLIENT_CREDENTIALS && grant !== GRANT_JWT_BEARER) {
    return fail({
      status: 400,
      error: 'unsupported_grant_type',
      code: 70003,
      message: `The app requested an unsupported grant type '${grant}'.`,
    });
  }
  if (dir === 'common') {
    return fail({
      status: 400,
      error: 'invalid_request',
      code: 90010,
      message:
        'The grant type is not supported over the /common or /consumers endpoints. Please use the ' +
        '/organizations or tenant-specific endpoint.',
    });
  }
  if (dir === 'organizations') {
    return fail({
      status: 400,
      error: 'invalid_request',
      code: 50059,
      message:
        'No tenant-identifying information found in either the request or implied by any provided credentials.',
    });
  }
  ctx.meta.tenantId = dir.tenantId;
  const clientId = authenticateClient(sb, ctx, form, dir);
  if (!clientId) return;
  if (grant === GRANT_CLIENT_CREDENTIALS)
    return clientCredentialsGrant(sb, ctx, form, dir, clientId);
  return onBehalfOfGrant(sb, ctx, form, dir, clientId);
}

// ---------------------------------------------------------------------------------------------
// Routes

/** Entra ID (authority = the sandbox base URL), tab SSO tokens, and Bot Framework's token service. */
export function register(sb: Sandbox): void {
  const r = sb.router;
  const discovery =
    (build: (dir: Directory | 'common' | 'organizations') => unknown) => (ctx: Ctx) => {
      const dir = resolveDirectory(sb, ctx.params.tenant);
      if (!dir) return entraError(sb, ctx, tenantNotFound(ctx.params.tenant, 'invalid_tenant'));
      sendJson(ctx, 200, build(dir));
    };
  r.on(
    'GET',
    '/:tenant/v2.0/.well-known/openid-configuration',
    discovery((dir) => openIdConfiguration(sb, dir)),
  );
  r.on(
    'GET',
    '/:tenant/.well-known/openid-configuration',
    discovery((dir) => openIdConfigurationV1(sb, dir)),
  );
  const keys = async (ctx: Ctx) => {
    if (!resolveDirectory(sb, ctx.params.tenant))
      return entraError(sb, ctx, tenantNotFound(ctx.params.tenant, 'invalid_tenant'));
    sendJson(ctx, 200, await sb.keys.jwks('entra'));
  };
  r.on('GET', '/:tenant/discovery/v2.0/keys', keys);
  r.on('GET', '/:tenant/discovery/keys', keys);
  r.on('POST', '/:tenant/oauth2/v2.0/token', (ctx) => tokenEndpoint(sb, ctx));

  r.on('GET', '/botframework/v1/.well-known/openidconfiguration', (ctx) =>
    sendJson(ctx, 200, {
      issuer: BOT_FRAMEWORK_ISSUER,
      authorization_endpoint: 'https://invalid.botframework.com',
      jwks_uri: `${sb.baseUrl}/botframework/v1/.well-known/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
    }),
  );
  r.on('GET', '/botframework/v1/.well-known/keys', async (ctx) =>
    sendJson(ctx, 200, await sb.keys.jwks('botframework')),
  );

  r.on('POST', '/_sandbox/tokens/user', async (ctx) => {
    const body = jsonBody<{
      tenantId?: unknown;
      userOid?: unknown;
      upn?: unknown;
      lifetimeSeconds?: unknown;
    }>(ctx);
    if (!body) return;
    if (typeof body.tenantId !== 'string')
      return controlError(
        ctx,
        400,
        'tenantId (the Entra tenant id of a sandbox tenant) is required',
      );
    const tenant = sb.tenant(body.tenantId);
    if (!tenant)
      return controlError(ctx, 404, `no sandbox tenant ${body.tenantId}; see GET /_sandbox/info`);
    if (typeof body.userOid !== 'string' && typeof body.upn !== 'string')
      return controlError(ctx, 400, 'give userOid (object id) or upn of a user of that tenant');
    const lifetime = body.lifetimeSeconds ?? 3600;
    if (
      typeof lifetime !== 'number' ||
      !Number.isInteger(lifetime) ||
      lifetime < 1 ||
      lifetime > 86_400
    )
      return controlError(ctx, 400, 'lifetimeSeconds must be an integer from 1 to 86400');
    const user =
      typeof body.userOid === 'string'
        ? tenant.users.find((u) => u.id === String(body.userOid).toLowerCase())
        : tenant.users.find(
            (u) => u.userPrincipalName.toLowerCase() === String(body.upn).toLowerCase(),
          );
    if (!user) {
      const who =
        typeof body.userOid === 'string' ? `object id ${body.userOid}` : `UPN ${String(body.upn)}`;
      return controlError(
        ctx,
        404,
        `no user with ${who} in tenant ${tenant.displayName} (${tenant.tenantId})`,
      );
    }
    const { token, expiresOn } = await issueUserSsoToken(sb, tenant, user, lifetime);
    sendJson(ctx, 200, { token, expiresOn: expiresOn.toISOString() });
  });
}
