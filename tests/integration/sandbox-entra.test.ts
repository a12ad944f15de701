import {
  ConfidentialClientApplication,
  InteractionRequiredAuthError,
  ServerError,
  type Configuration,
} from '@azure/msal-node';
import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import type { User } from '@microsoft/microsoft-graph-types';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import {
  postTokenForm,
  sandboxGraphClient,
  SandboxNetworkClient,
} from '../helpers/sandbox-clients';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { signChannelToken } from '../../sandbox/src/entra';

interface Person {
  oid: string;
  upn: string;
  displayName: string;
}
interface Info {
  app: { clientId: string; clientSecret: string; botId: string };
  tenants: {
    tenantId: string;
    domain: string;
    organizer: Person;
    staff: Person[];
    consentedRoles: string[];
  }[];
}

const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';
const TEAMS_ADMIN_WID = '69091246-20e8-4a56-aa4d-066075b2a7a8';
const AADSTS_DESCRIPTION =
  /^AADSTS\d+: .+\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: \S+\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s;

describe('sandbox Entra ID and Graph users', () => {
  let sb: TestSandbox;
  let info: Info;
  let contoso: Info['tenants'][number];
  let fabrikam: Info['tenants'][number];
  let host: string;

  beforeAll(async () => {
    sb = await startTestSandbox();
    info = (await (await sb.fetch('/_sandbox/info')).json()) as Info;
    [contoso, fabrikam] = info.tenants;
    host = new URL(sb.url).host;
  });
  afterAll(async () => sb.stop());

  const getJson = async <T>(path: string): Promise<T> => (await (await sb.fetch(path)).json()) as T;

  /** msal-node exactly as production wires it, with the sandbox as a known authority. */
  async function msalApp(
    tenant: string,
    overrides: Partial<Configuration['auth']> = {},
    network = new SandboxNetworkClient(sb),
  ): Promise<ConfidentialClientApplication> {
    const metadata = await (
      await sb.fetch(`/${tenant}/v2.0/.well-known/openid-configuration`)
    ).text();
    return new ConfidentialClientApplication({
      auth: {
        clientId: info.app.clientId,
        clientSecret: info.app.clientSecret,
        authority: `${sb.url}/${tenant}`,
        knownAuthorities: [host],
        authorityMetadata: metadata,
        ...overrides,
      },
      system: { networkClient: network },
    });
  }

  async function requestsSince(seq: number) {
    const log = (await sb.control('GET', `/_sandbox/requests?since=${seq}`)) as {
      requests: { method: string; path: string; status: number; meta: Record<string, unknown> }[];
    };
    return log.requests.filter((r) => !r.path.startsWith('/_sandbox/'));
  }
  const lastSeq = async () =>
    ((await sb.control('GET', '/_sandbox/requests')) as { lastSeq: number }).lastSeq;

  /** A fresh app token straight from the token endpoint (no cache, so the sandbox clock rules). */
  async function appToken(tenantId: string): Promise<string> {
    const { status, body } = await postTokenForm(sb, `/${tenantId}/oauth2/v2.0/token`, {
      client_id: info.app.clientId,
      client_secret: info.app.clientSecret,
      grant_type: 'client_credentials',
      scope: GRAPH_DEFAULT,
    });
    expect(status).toBe(200);
    return String(body.access_token);
  }

  async function ssoToken(tenantId: string, who: { userOid?: string; upn?: string }) {
    return (
      (await sb.control('POST', '/_sandbox/tokens/user', { tenantId, ...who })) as {
        token: string;
      }
    ).token;
  }

  async function tenantJwks(tenantId: string) {
    const meta = await getJson<{ jwks_uri: string }>(
      `/${tenantId}/v2.0/.well-known/openid-configuration`,
    );
    return createLocalJWKSet(await getJson<JSONWebKeySet>(meta.jwks_uri));
  }

  describe('discovery', () => {
    it('publishes per-tenant OpenID metadata whose endpoints all live on the sandbox', async () => {
      const meta = await getJson<Record<string, unknown>>(
        `/${contoso.tenantId}/v2.0/.well-known/openid-configuration`,
      );
      expect(meta).toMatchObject({
        issuer: `${sb.url}/${contoso.tenantId}/v2.0`,
        token_endpoint: `${sb.url}/${contoso.tenantId}/oauth2/v2.0/token`,
        authorization_endpoint: `${sb.url}/${contoso.tenantId}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${sb.url}/${contoso.tenantId}/oauth2/v2.0/logout`,
        jwks_uri: `${sb.url}/${contoso.tenantId}/discovery/v2.0/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        subject_types_supported: ['pairwise'],
        token_endpoint_auth_methods_supported: expect.arrayContaining([
          'client_secret_post',
          'client_secret_basic',
        ]),
        response_types_supported: expect.arrayContaining(['code']),
      });
    });

    it('publishes common metadata with the literal {tenantid} issuer placeholder', async () => {
      for (const alias of ['common', 'organizations']) {
        const meta = await getJson<Record<string, string>>(
          `/${alias}/v2.0/.well-known/openid-configuration`,
        );
        expect(meta.issuer).toBe(`${sb.url}/{tenantid}/v2.0`);
        expect(meta.token_endpoint).toBe(`${sb.url}/${alias}/oauth2/v2.0/token`);
        expect(meta.jwks_uri).toBe(`${sb.url}/${alias}/discovery/v2.0/keys`);
      }
    });

    it('resolves a tenant by its domain name to GUID-based endpoints', async () => {
      const meta = await getJson<Record<string, string>>(
        `/${contoso.domain}/v2.0/.well-known/openid-configuration`,
      );
      expect(meta.issuer).toBe(`${sb.url}/${contoso.tenantId}/v2.0`);
      expect(meta.token_endpoint).toBe(`${sb.url}/${contoso.tenantId}/oauth2/v2.0/token`);
    });

    it('serves one RS256 key set for every tenant and for common', async () => {
      const a = await getJson<JSONWebKeySet>(`/${contoso.tenantId}/discovery/v2.0/keys`);
      const b = await getJson<JSONWebKeySet>('/common/discovery/v2.0/keys');
      expect(a).toEqual(b);
      expect(a.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', kid: expect.any(String) });
    });

    it('answers an unknown tenant with invalid_tenant AADSTS90002', async () => {
      const res = await sb.fetch('/no-such-tenant.example/v2.0/.well-known/openid-configuration');
      expect(res.status).toBe(400);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
      expect(String(body.error_description)).toMatch(
        /^AADSTS90002: Tenant 'no-such-tenant.example' not found/,
      );
    });
  });

  describe('client credentials through msal-node', () => {
    it('issues a token with exactly one request (the token POST) when the authority metadata is configured', async () => {
      const network = new SandboxNetworkClient(sb);
      const cca = await msalApp(contoso.tenantId, {}, network);
      const before = await lastSeq();
      const result = await cca.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
      expect(result?.accessToken).toBeTruthy();
      expect(result?.tokenType).toBe('Bearer');
      expect(network.refused).toEqual([]);
      expect(await requestsSince(before)).toEqual([
        expect.objectContaining({
          method: 'POST',
          path: `/${contoso.tenantId}/oauth2/v2.0/token`,
          status: 200,
          meta: expect.objectContaining({
            grant: 'client_credentials',
            tenantId: contoso.tenantId,
          }),
        }),
      ]);
    });

    it('without knownAuthorities msal-node asks login.microsoftonline.com for instance discovery and fails fast offline', async () => {
      const network = new SandboxNetworkClient(sb);
      const cca = new ConfidentialClientApplication({
        auth: {
          clientId: info.app.clientId,
          clientSecret: info.app.clientSecret,
          authority: `${sb.url}/${contoso.tenantId}`,
        },
        system: { networkClient: network },
      });
      const before = await lastSeq();
      await expect(
        cca.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }),
      ).rejects.toMatchObject({ errorCode: 'endpoints_resolution_error' });
      expect(network.refused).toEqual([
        expect.stringMatching(
          /^https:\/\/login\.microsoftonline\.com\/common\/discovery\/instance\?/,
        ),
      ]);
      expect(await requestsSince(before)).toEqual([]);
    });

    it("issues a client-credentials token carrying the tenant's consented roles", async () => {
      const cca = await msalApp(contoso.tenantId);
      const result = await cca.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] });
      const token = result!.accessToken;
      const claims = await jwtVerify(token, await tenantJwks(contoso.tenantId)).then(
        (r) => r.payload,
      );
      expect(claims).toMatchObject({
        iss: `https://sts.windows.net/${contoso.tenantId}/`,
        aud: 'https://graph.microsoft.com',
        tid: contoso.tenantId,
        appid: info.app.clientId,
        appidacr: '1',
        idtyp: 'app',
        ver: '1.0',
        oid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect([...(claims.roles as string[])].sort()).toEqual([...contoso.consentedRoles].sort());
      expect(claims.exp! - Math.floor(Date.now() / 1000)).toBeGreaterThan(3500);
      expect(claims.exp! - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(3599);
      expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    });

    it('gives each tenant its own stable service principal id', async () => {
      const [a1, a2, b] = await Promise.all([
        appToken(contoso.tenantId),
        appToken(contoso.tenantId),
        appToken(fabrikam.tenantId),
      ]);
      expect(decodeJwt(a1).oid).toBe(decodeJwt(a2).oid);
      expect(decodeJwt(a1).oid).not.toBe(decodeJwt(b).oid);
      expect(decodeJwt(b).tid).toBe(fabrikam.tenantId);
    });

    it('accepts the client secret in an HTTP Basic header', async () => {
      const basic = Buffer.from(
        `${encodeURIComponent(info.app.clientId)}:${encodeURIComponent(info.app.clientSecret)}`,
      ).toString('base64');
      const { status, body } = await postTokenForm(
        sb,
        `/${contoso.tenantId}/oauth2/v2.0/token`,
        { grant_type: 'client_credentials', scope: GRAPH_DEFAULT },
        { authorization: `Basic ${basic}` },
      );
      expect(status).toBe(200);
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    });

    it('leaves User.Read.All out once the tenant withdraws it, and Graph then answers 403', async () => {
      const allRoles = contoso.consentedRoles;
      await sb.control('PATCH', `/_sandbox/tenants/${contoso.tenantId}`, {
        consentedRoles: allRoles.filter((r) => r !== 'User.Read.All'),
      });
      try {
        const cca = await msalApp(contoso.tenantId);
        const token = (await cca.acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] }))!
          .accessToken;
        expect(decodeJwt(token).roles).not.toContain('User.Read.All');
        expect(decodeJwt(token).roles).toContain('Calendars.ReadWrite');
        const res = await sb.fetch(`/v1.0/users/${contoso.organizer.upn}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.status).toBe(403);
        expect(
          ((await res.json()) as { error: { code: string; message: string } }).error,
        ).toMatchObject({
          code: 'Authorization_RequestDenied',
          message: 'Insufficient privileges to complete the operation.',
        });

        await sb.control('PATCH', `/_sandbox/tenants/${contoso.tenantId}`, { consentedRoles: [] });
        expect(decodeJwt(await appToken(contoso.tenantId))).not.toHaveProperty('roles');
      } finally {
        await sb.control('PATCH', `/_sandbox/tenants/${contoso.tenantId}`, {
          consentedRoles: allRoles,
        });
      }
    });

    it('shows only the basic profile to an app consented to nothing but User.ReadBasic.All', async () => {
      const allRoles = contoso.consentedRoles;
      await sb.control('PATCH', `/_sandbox/tenants/${contoso.tenantId}`, {
        consentedRoles: ['User.ReadBasic.All'],
      });
      try {
        const token = await appToken(contoso.tenantId);
        const user = (await sandboxGraphClient(sb, async () => token)
          .api(`/users/${contoso.organizer.upn}`)
          .get()) as User;
        expect(user).toMatchObject({
          displayName: contoso.organizer.displayName,
          userPrincipalName: contoso.organizer.upn,
          id: contoso.organizer.oid,
          jobTitle: null,
          preferredLanguage: null,
        });
      } finally {
        await sb.control('PATCH', `/_sandbox/tenants/${contoso.tenantId}`, {
          consentedRoles: allRoles,
        });
      }
    });

    it('surfaces a wrong secret to msal-node as a ServerError with invalid_client', async () => {
      const cca = await msalApp(contoso.tenantId, { clientSecret: 'not-the-secret' });
      const err = await cca
        .acquireTokenByClientCredential({ scopes: [GRAPH_DEFAULT] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServerError);
      expect(err).toMatchObject({ errorCode: 'invalid_client' });
      expect((err as ServerError).errorMessage).toContain('AADSTS7000215');
    });
  });

  describe('token endpoint errors in Entra shape', () => {
    const good = () => ({
      client_id: info.app.clientId,
      client_secret: info.app.clientSecret,
      grant_type: 'client_credentials',
      scope: GRAPH_DEFAULT,
    });

    async function expectEntraError(
      path: string,
      fields: Record<string, string>,
      expected: { status: number; error: string; code: number; text?: RegExp; suberror?: string },
    ): Promise<void> {
      const correlation = '1f0b6a52-9d3e-4c7a-8b21-5e6f7a8b9c0d';
      const { status, body } = await postTokenForm(sb, path, fields, {
        'client-request-id': correlation,
      });
      expect({ status, error: body.error }).toEqual({
        status: expected.status,
        error: expected.error,
      });
      expect(body).toMatchObject({
        error_codes: [expected.code],
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/),
        trace_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        correlation_id: correlation,
        error_uri: expect.stringContaining(`code=${expected.code}`),
      });
      expect(body.error_description).toMatch(AADSTS_DESCRIPTION);
      expect(String(body.error_description)).toMatch(new RegExp(`^AADSTS${expected.code}: `));
      if (expected.text) expect(body.error_description).toMatch(expected.text);
      if (expected.suberror) expect(body.suberror).toBe(expected.suberror);
      expect(body).not.toHaveProperty('access_token');
    }
    const tokenPath = () => `/${contoso.tenantId}/oauth2/v2.0/token`;

    it('rejects a wrong client secret with 401 invalid_client AADSTS7000215', async () => {
      await expectEntraError(
        tokenPath(),
        { ...good(), client_secret: 'wrong' },
        {
          status: 401,
          error: 'invalid_client',
          code: 7000215,
          text: /Invalid client secret provided/,
        },
      );
    });

    it('rejects a request with no client credential with 401 invalid_client AADSTS7000218', async () => {
      const { client_secret: _omit, ...fields } = good();
      await expectEntraError(tokenPath(), fields, {
        status: 401,
        error: 'invalid_client',
        code: 7000218,
      });
    });

    it('rejects an unknown client id with 400 unauthorized_client AADSTS700016', async () => {
      await expectEntraError(
        tokenPath(),
        { ...good(), client_id: '11111111-2222-4333-8444-555555555555' },
        {
          status: 400,
          error: 'unauthorized_client',
          code: 700016,
          text: /was not found in the directory 'Contoso'/,
        },
      );
    });

    it('rejects an unsupported grant with 400 unsupported_grant_type', async () => {
      await expectEntraError(
        tokenPath(),
        { ...good(), grant_type: 'password' },
        {
          status: 400,
          error: 'unsupported_grant_type',
          code: 70003,
        },
      );
    });

    it('rejects a missing grant_type with 400 invalid_request AADSTS900144', async () => {
      const { grant_type: _omit, ...fields } = good();
      await expectEntraError(tokenPath(), fields, {
        status: 400,
        error: 'invalid_request',
        code: 900144,
        text: /'grant_type'/,
      });
    });

    it('rejects a scope without /.default with invalid_scope AADSTS1002012', async () => {
      await expectEntraError(
        tokenPath(),
        { ...good(), scope: 'https://graph.microsoft.com/User.Read.All' },
        {
          status: 400,
          error: 'invalid_scope',
          code: 1002012,
          text: /must have a scope value with \/\.default/,
        },
      );
    });

    it('rejects scopes for two resources with invalid_scope AADSTS70011', async () => {
      await expectEntraError(
        tokenPath(),
        { ...good(), scope: `${GRAPH_DEFAULT} https://api.botframework.com/.default` },
        { status: 400, error: 'invalid_scope', code: 70011 },
      );
    });

    it('rejects a resource the tenant does not know with invalid_resource AADSTS500011', async () => {
      await expectEntraError(
        tokenPath(),
        { ...good(), scope: 'https://vault.example/.default' },
        {
          status: 400,
          error: 'invalid_resource',
          code: 500011,
        },
      );
    });

    it('rejects an unknown tenant with 400 invalid_request AADSTS90002', async () => {
      await expectEntraError('/00000000-0000-4000-8000-000000000000/oauth2/v2.0/token', good(), {
        status: 400,
        error: 'invalid_request',
        code: 90002,
        text: /Tenant '00000000-0000-4000-8000-000000000000' not found/,
      });
    });

    it('refuses client credentials over /common and /organizations', async () => {
      await expectEntraError('/common/oauth2/v2.0/token', good(), {
        status: 400,
        error: 'invalid_request',
        code: 90010,
      });
      await expectEntraError('/organizations/oauth2/v2.0/token', good(), {
        status: 400,
        error: 'invalid_request',
        code: 50059,
      });
    });

    it('ignores a JSON body, as Entra reads only form posts', async () => {
      const res = await sb.fetch(tokenPath(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(good()),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error_codes: number[] }).error_codes).toEqual([900144]);
    });
  });

  describe('Graph GET /users through @microsoft/microsoft-graph-client', () => {
    let graph: Client;
    beforeAll(() => {
      graph = sandboxGraphClient(sb, () => appToken(contoso.tenantId));
    });

    it("returns the organizer by UPN with exactly Graph's default property set", async () => {
      const before = await lastSeq();
      const user = (await graph.api(`/users/${contoso.organizer.upn}`).get()) as User & {
        '@odata.context': string;
      };
      expect(user).toEqual({
        '@odata.context': `${sb.url}/v1.0/$metadata#users/$entity`,
        businessPhones: [],
        displayName: contoso.organizer.displayName,
        givenName: 'Megan',
        jobTitle: 'Meetings service account',
        mail: contoso.organizer.upn,
        mobilePhone: null,
        officeLocation: null,
        preferredLanguage: 'en-US',
        surname: 'Organizer',
        userPrincipalName: contoso.organizer.upn,
        id: contoso.organizer.oid,
      });
      const graphCalls = (await requestsSince(before)).filter((r) => r.path.startsWith('/v1.0/'));
      expect(graphCalls).toEqual([
        expect.objectContaining({
          path: `/v1.0/users/${contoso.organizer.upn}`,
          status: 200,
          meta: expect.objectContaining({ tenantId: contoso.tenantId, appId: info.app.clientId }),
        }),
      ]);
    });

    it('finds a user by object id and by UPN in any letter case', async () => {
      const byId = (await graph.api(`/users/${contoso.organizer.oid}`).get()) as User;
      const byUpper = (await graph
        .api(`/users/${contoso.organizer.upn.toUpperCase()}`)
        .get()) as User;
      expect(byId.userPrincipalName).toBe(contoso.organizer.upn);
      expect(byUpper.id).toBe(contoso.organizer.oid);
    });

    it('returns only the properties named in $select', async () => {
      const user = (await graph
        .api(`/users/${contoso.organizer.upn}`)
        .select(['id', 'DisplayName', 'accountEnabled'])
        .get()) as Record<string, unknown>;
      expect(user).toEqual({
        '@odata.context': `${sb.url}/v1.0/$metadata#users(id,displayName,accountEnabled)/$entity`,
        id: contoso.organizer.oid,
        displayName: contoso.organizer.displayName,
        accountEnabled: true,
      });
    });

    it('rejects a $select of a property users do not have with 400', async () => {
      const err = (await graph
        .api(`/users/${contoso.organizer.upn}`)
        .select('favouriteColour')
        .get()
        .catch((e: unknown) => e)) as GraphError;
      expect(err).toBeInstanceOf(GraphError);
      expect(err).toMatchObject({ statusCode: 400, code: 'Request_BadRequest' });
    });

    it('throws a GraphError 404 Request_ResourceNotFound for an unknown user', async () => {
      const err = (await graph
        .api('/users/nobody@contoso.onmicrosoft.com')
        .get()
        .catch((e: unknown) => e)) as GraphError;
      expect(err).toBeInstanceOf(GraphError);
      expect(err.statusCode).toBe(404);
      expect(err.code).toBe('Request_ResourceNotFound');
      expect(err.message).toBe(
        "Resource 'nobody@contoso.onmicrosoft.com' does not exist or one of its queried reference-property objects are not present.",
      );
    });

    it('does not find a user of another tenant', async () => {
      for (const key of [fabrikam.organizer.upn, fabrikam.organizer.oid]) {
        await expect(graph.api(`/users/${key}`).get()).rejects.toMatchObject({
          statusCode: 404,
          code: 'Request_ResourceNotFound',
        });
      }
    });

    it('answers 401 "Access token is empty." when no token is sent', async () => {
      const anonymous = sandboxGraphClient(sb, async () => '');
      await expect(anonymous.api(`/users/${contoso.organizer.upn}`).get()).rejects.toMatchObject({
        statusCode: 401,
        code: 'InvalidAuthenticationToken',
        message: 'Access token is empty.',
      });
    });

    it('answers 401 to a token signed by a key the sandbox never published', async () => {
      const real = decodeJwt(await appToken(contoso.tenantId));
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT(real as JWTPayload)
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'forged' })
        .sign(privateKey);
      const client = sandboxGraphClient(sb, async () => forged);
      await expect(client.api(`/users/${contoso.organizer.upn}`).get()).rejects.toMatchObject({
        statusCode: 401,
        code: 'InvalidAuthenticationToken',
      });
    });

    it('answers 401 to a Teams SSO token, whose audience is our API and not Graph', async () => {
      const sso = await ssoToken(contoso.tenantId, { userOid: contoso.organizer.oid });
      const client = sandboxGraphClient(sb, async () => sso);
      await expect(client.api(`/users/${contoso.organizer.upn}`).get()).rejects.toMatchObject({
        statusCode: 401,
        code: 'InvalidAuthenticationToken',
      });
    });
  });

  describe('Teams SSO tokens and on-behalf-of', () => {
    it('mints a Teams SSO token that verifies against the tenant JWKS and names our API', async () => {
      const admin = contoso.staff.find((s) => s.upn.startsWith('adele'))!;
      const token = await ssoToken(contoso.tenantId, { userOid: admin.oid });
      const { payload } = await jwtVerify(token, await tenantJwks(contoso.tenantId), {
        issuer: `${sb.url}/${contoso.tenantId}/v2.0`,
        audience: info.app.clientId,
        algorithms: ['RS256'],
      });
      expect(payload).toMatchObject({
        scp: 'access_as_user',
        tid: contoso.tenantId,
        oid: admin.oid,
        preferred_username: admin.upn,
        name: admin.displayName,
        azp: '5e3ce6c0-2b1f-4285-8d4b-75ee78787346',
        ver: '2.0',
        wids: [TEAMS_ADMIN_WID],
      });
      const plain = decodeJwt(await ssoToken(contoso.tenantId, { upn: contoso.organizer.upn }));
      expect(plain.oid).toBe(contoso.organizer.oid);
      expect(plain).not.toHaveProperty('wids');
    });

    it('verifies a multi-tenant token with the common metadata once {tenantid} is substituted', async () => {
      const token = await ssoToken(fabrikam.tenantId, { userOid: fabrikam.organizer.oid });
      const common = await getJson<{ issuer: string; jwks_uri: string }>(
        '/common/v2.0/.well-known/openid-configuration',
      );
      const jwks = createLocalJWKSet(await getJson<JSONWebKeySet>(common.jwks_uri));
      const tid = String(decodeJwt(token).tid);
      await expect(
        jwtVerify(token, jwks, {
          issuer: common.issuer.replace('{tenantid}', tid),
          audience: info.app.clientId,
        }),
      ).resolves.toBeTruthy();
      expect(tid).toBe(fabrikam.tenantId);
    });

    it('refuses to mint SSO tokens for unknown tenants and users with a control-API error', async () => {
      const attempt = async (body: unknown) => {
        const res = await sb.fetch('/_sandbox/tokens/user', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return {
          status: res.status,
          body: (await res.json()) as { error: { code: string; message: string } },
        };
      };
      const unknownTenant = await attempt({ tenantId: 'nope', userOid: contoso.organizer.oid });
      expect(unknownTenant.status).toBe(404);
      expect(unknownTenant.body.error).toMatchObject({
        code: 'SandboxControlError',
        message: expect.stringMatching(/no sandbox tenant nope/),
      });
      const otherTenantsUser = await attempt({
        tenantId: contoso.tenantId,
        upn: fabrikam.organizer.upn,
      });
      expect(otherTenantsUser.status).toBe(404);
      expect(otherTenantsUser.body.error.message).toMatch(/no user with UPN .* in tenant Contoso/);
      expect((await attempt({ tenantId: contoso.tenantId })).status).toBe(400);
      expect(
        (
          await attempt({
            tenantId: contoso.tenantId,
            upn: contoso.organizer.upn,
            lifetimeSeconds: 0,
          })
        ).status,
      ).toBe(400);
    });

    it('exchanges an SSO token on behalf of the user through msal-node for a delegated Graph token', async () => {
      const sso = await ssoToken(contoso.tenantId, { userOid: contoso.organizer.oid });
      const network = new SandboxNetworkClient(sb);
      const cca = await msalApp(contoso.tenantId, {}, network);
      const before = await lastSeq();
      const result = await cca.acquireTokenOnBehalfOf({
        oboAssertion: sso,
        scopes: ['https://graph.microsoft.com/User.Read'],
      });
      expect(network.refused).toEqual([]);
      expect((await requestsSince(before)).map((r) => [r.method, r.path, r.status])).toEqual([
        ['POST', `/${contoso.tenantId}/oauth2/v2.0/token`, 200],
      ]);
      const { payload } = await jwtVerify(result!.accessToken, await tenantJwks(contoso.tenantId), {
        issuer: `https://sts.windows.net/${contoso.tenantId}/`,
        audience: 'https://graph.microsoft.com',
      });
      expect(payload).toMatchObject({
        idtyp: 'user',
        oid: contoso.organizer.oid,
        upn: contoso.organizer.upn,
        appid: info.app.clientId,
        tid: contoso.tenantId,
        ver: '1.0',
      });
      expect(String(payload.scp).split(' ')).toContain('User.Read');
      expect(payload).not.toHaveProperty('roles');
      expect(result!.account).toMatchObject({
        homeAccountId: `${contoso.organizer.oid}.${contoso.tenantId}`,
        localAccountId: contoso.organizer.oid,
        username: contoso.organizer.upn,
        tenantId: contoso.tenantId,
      });
      expect(result!.scopes).toEqual(expect.arrayContaining(['User.Read']));
    });

    it('refuses a tampered assertion with invalid_grant', async () => {
      const sso = await ssoToken(contoso.tenantId, { userOid: contoso.organizer.oid });
      const [h, p, s] = sso.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      const tampered = [
        h,
        Buffer.from(JSON.stringify({ ...claims, oid: contoso.staff[0].oid })).toString('base64url'),
        s,
      ].join('.');
      const cca = await msalApp(contoso.tenantId);
      const err = await cca
        .acquireTokenOnBehalfOf({
          oboAssertion: tampered,
          scopes: ['https://graph.microsoft.com/User.Read'],
        })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ errorCode: 'invalid_grant' });
      expect((err as ServerError).errorMessage).toContain('AADSTS50013');
    });

    it('refuses an assertion issued to another audience or in another tenant with invalid_grant', async () => {
      const graphToken = await appToken(contoso.tenantId);
      const fabrikamSso = await ssoToken(fabrikam.tenantId, { userOid: fabrikam.organizer.oid });
      for (const assertion of [graphToken, fabrikamSso]) {
        const { status, body } = await postTokenForm(sb, `/${contoso.tenantId}/oauth2/v2.0/token`, {
          client_id: info.app.clientId,
          client_secret: info.app.clientSecret,
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          requested_token_use: 'on_behalf_of',
          assertion,
          scope: 'https://graph.microsoft.com/User.Read',
        });
        expect(status).toBe(400);
        expect(body).toMatchObject({ error: 'invalid_grant', error_codes: [50013] });
      }
    });

    it('asks for consent (invalid_grant, consent_required) for a delegated scope never granted', async () => {
      const sso = await ssoToken(contoso.tenantId, { userOid: contoso.organizer.oid });
      const cca = await msalApp(contoso.tenantId);
      const err = await cca
        .acquireTokenOnBehalfOf({
          oboAssertion: sso,
          scopes: ['https://graph.microsoft.com/Mail.Read'],
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InteractionRequiredAuthError);
      expect(err).toMatchObject({ errorCode: 'invalid_grant', subError: 'consent_required' });
    });
  });

  describe('Bot Framework', () => {
    it('publishes Bot Framework OpenID metadata and keys endorsed for msteams', async () => {
      const meta = await getJson<Record<string, unknown>>(
        '/botframework/v1/.well-known/openidconfiguration',
      );
      expect(meta).toMatchObject({
        issuer: 'https://api.botframework.com',
        jwks_uri: `${sb.url}/botframework/v1/.well-known/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
      const jwks = await getJson<{
        keys: { kid: string; n: string; e: string; endorsements: string[] }[];
      }>(String(meta.jwks_uri));
      expect(jwks.keys[0]).toMatchObject({
        n: expect.any(String),
        e: 'AQAB',
        endorsements: expect.arrayContaining(['msteams']),
      });
      const entra = await getJson<JSONWebKeySet>('/common/discovery/v2.0/keys');
      expect(jwks.keys[0].kid).not.toBe(entra.keys[0].kid);
    });

    it('issues a bot token for the Bot Connector from the botframework.com directory', async () => {
      const botFields = {
        client_id: info.app.botId,
        client_secret: info.app.clientSecret,
        grant_type: 'client_credentials',
        scope: 'https://api.botframework.com/.default',
      };
      const raw = await postTokenForm(sb, '/botframework/oauth2/v2.0/token', botFields);
      expect(raw.status).toBe(200);

      const cca = await msalApp('botframework.com', { clientId: info.app.botId });
      const result = await cca.acquireTokenByClientCredential({
        scopes: ['https://api.botframework.com/.default'],
      });
      for (const token of [String(raw.body.access_token), result!.accessToken]) {
        const { payload } = await jwtVerify(
          token,
          createLocalJWKSet(await getJson<JSONWebKeySet>('/common/discovery/v2.0/keys')),
          {
            issuer: 'https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/',
            audience: 'https://api.botframework.com',
          },
        );
        expect(payload).toMatchObject({
          appid: info.app.botId,
          tid: 'd6d49420-f39b-4df7-a1dc-d59a935871db',
        });
        expect(payload).not.toHaveProperty('roles');
      }
      const graphAtBf = await postTokenForm(sb, '/botframework/oauth2/v2.0/token', {
        ...botFields,
        scope: GRAPH_DEFAULT,
      });
      expect(graphAtBf.body).toMatchObject({ error: 'invalid_resource' });
    });

    /** What botframework-connector's ChannelValidation does, step by step, with jose. */
    async function validateLikeBotbuilder(
      authHeader: string,
      activity: { channelId: string; serviceUrl: string },
      botAppId: string,
    ): Promise<JWTPayload> {
      const [scheme, token] = authHeader.split(' ');
      if (scheme !== 'Bearer') throw new Error('scheme');
      const unverified = decodeJwt(token);
      if (unverified.iss !== 'https://api.botframework.com') throw new Error('issuer not allowed');
      // Not mistaken for a skill token (those carry ver + appid/azp) or an emulator token (other issuers).
      if (unverified.ver !== undefined || unverified.appid !== undefined)
        throw new Error('skill-like');
      const meta = await getJson<{ jwks_uri: string }>(
        '/botframework/v1/.well-known/openidconfiguration',
      );
      const keys = await getJson<{
        keys: (JSONWebKeySet['keys'][number] & { endorsements?: string[] })[];
      }>(meta.jwks_uri);
      const kid = decodeProtectedHeader(token).kid;
      const key = keys.keys.find((k) => k.kid === kid);
      if (!key?.n || !key.e) throw new Error('Signing Key could not be retrieved.');
      const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [key] }), {
        issuer: ['https://api.botframework.com'],
        algorithms: ['RS256', 'RS384', 'RS512'],
        clockTolerance: 300,
      });
      if (key.endorsements?.length && !key.endorsements.includes(activity.channelId))
        throw new Error('endorsement');
      if (payload.aud !== botAppId) throw new Error('Invalid AppId passed on token');
      if (payload.serviceurl !== activity.serviceUrl)
        throw new Error('ServiceUrl claim do not match.');
      return payload;
    }

    it("signs channel tokens that pass the checks botbuilder's channel validation makes", async () => {
      const serviceUrl = `${sb.url}/connector/`;
      const token = await signChannelToken(sb.sandbox, { serviceUrl, audience: info.app.botId });
      const payload = await validateLikeBotbuilder(
        `Bearer ${token}`,
        { channelId: 'msteams', serviceUrl },
        info.app.botId,
      );
      expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iss', 'nbf', 'serviceurl']);

      await expect(
        validateLikeBotbuilder(
          `Bearer ${token}`,
          { channelId: 'msteams', serviceUrl },
          'another-bot',
        ),
      ).rejects.toThrow('Invalid AppId');
      await expect(
        validateLikeBotbuilder(
          `Bearer ${token}`,
          { channelId: 'msteams', serviceUrl: 'https://evil.example/' },
          info.app.botId,
        ),
      ).rejects.toThrow('ServiceUrl');
      await expect(
        validateLikeBotbuilder(
          `Bearer ${token}`,
          { channelId: 'slack', serviceUrl },
          info.app.botId,
        ),
      ).rejects.toThrow('endorsement');
      const expired = await signChannelToken(sb.sandbox, {
        serviceUrl,
        audience: info.app.botId,
        now: new Date(Date.now() - 2 * 3600_000),
      });
      await expect(
        validateLikeBotbuilder(
          `Bearer ${expired}`,
          { channelId: 'msteams', serviceUrl },
          info.app.botId,
        ),
      ).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    });
  });

  // Last: moves the shared sandbox clock forward.
  describe('token lifetime', () => {
    it('answers 401 "Lifetime validation failed" once the sandbox clock passes the token expiry', async () => {
      const token = await appToken(contoso.tenantId);
      const graph = sandboxGraphClient(sb, async () => token);
      await expect(graph.api(`/users/${contoso.organizer.upn}`).get()).resolves.toBeTruthy();
      await sb.control('POST', '/_sandbox/clock', { advanceMs: 2 * 3600_000 });
      await expect(graph.api(`/users/${contoso.organizer.upn}`).get()).rejects.toMatchObject({
        statusCode: 401,
        code: 'InvalidAuthenticationToken',
        message: 'Lifetime validation failed, the token is expired.',
      });
      const fresh = await appToken(contoso.tenantId);
      await expect(
        sandboxGraphClient(sb, async () => fresh)
          .api(`/users/${contoso.organizer.upn}`)
          .get(),
      ).resolves.toBeTruthy();
    });

    it('refuses an expired SSO assertion in the on-behalf-of exchange with invalid_grant AADSTS500133', async () => {
      const sso = (
        (await sb.control('POST', '/_sandbox/tokens/user', {
          tenantId: contoso.tenantId,
          userOid: contoso.organizer.oid,
          lifetimeSeconds: 60,
        })) as { token: string }
      ).token;
      await sb.control('POST', '/_sandbox/clock', { advanceMs: 10 * 60_000 });
      const { status, body } = await postTokenForm(sb, `/${contoso.tenantId}/oauth2/v2.0/token`, {
        client_id: info.app.clientId,
        client_secret: info.app.clientSecret,
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        requested_token_use: 'on_behalf_of',
        assertion: sso,
        scope: 'https://graph.microsoft.com/User.Read openid profile offline_access',
      });
      expect(status).toBe(400);
      expect(body).toMatchObject({ error: 'invalid_grant', error_codes: [500133] });
    });
  });
});

describe('sandbox signing keys', () => {
  it('signs concurrent first tokens with the one key it then publishes', async () => {
    const fresh = await startTestSandbox();
    try {
      const info = (await (await fresh.fetch('/_sandbox/info')).json()) as Info;
      const tenantId = info.tenants[0].tenantId;
      const form = {
        client_id: info.app.clientId,
        client_secret: info.app.clientSecret,
        grant_type: 'client_credentials',
        scope: GRAPH_DEFAULT,
      };
      const issued = await Promise.all(
        [1, 2, 3].map(() => postTokenForm(fresh, `/${tenantId}/oauth2/v2.0/token`, form)),
      );
      const keys = (await (
        await fresh.fetch('/common/discovery/v2.0/keys')
      ).json()) as JSONWebKeySet;
      const jwks = createLocalJWKSet(keys);
      for (const { body } of issued) {
        await expect(jwtVerify(String(body.access_token), jwks)).resolves.toBeTruthy();
      }
    } finally {
      await fresh.stop();
    }
  });
});
