import { sendJson, type Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import { stsIssuer } from './claims';
import { resolveDirectory, type Directory } from './directory';
import { tenantNotFound } from './errors';
import { entraError } from './responses';

type Authority = Directory | 'common' | 'organizations';

const AUTH_METHODS = ['client_secret_post', 'private_key_jwt', 'client_secret_basic'];

/** The v2 document (`/{tenant}/v2.0/.well-known/openid-configuration`). */
function openIdConfiguration(sb: Sandbox, dir: Authority) {
  const base = sb.baseUrl;
  const path = typeof dir === 'string' ? dir : dir.tenantId;
  const issuerTid = typeof dir === 'string' ? '{tenantid}' : dir.tenantId;
  return {
    token_endpoint: `${base}/${path}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: AUTH_METHODS,
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
function openIdConfigurationV1(sb: Sandbox, dir: Authority) {
  const base = sb.baseUrl;
  const path = typeof dir === 'string' ? dir : dir.tenantId;
  return {
    token_endpoint: `${base}/${path}/oauth2/token`,
    token_endpoint_auth_methods_supported: AUTH_METHODS,
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

/** OpenID discovery documents (v1 and v2) and the Entra signing keys, per tenant. */
export function registerDiscovery(sb: Sandbox): void {
  const r = sb.router;
  const discovery = (build: (dir: Authority) => unknown) => (ctx: Ctx) => {
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
}
