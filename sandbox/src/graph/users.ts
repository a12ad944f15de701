import type { User } from '@microsoft/microsoft-graph-types';
import { graphError, sendJson, type Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import type { SandboxTenant, SandboxUser } from '../seed';
import { requireApp } from './auth';

/** Application roles that can read another user (least to most privileged). */
const READ_USER_ROLES = [
  'User.Read.All',
  'User.ReadBasic.All',
  'Directory.Read.All',
  'User.ReadWrite.All',
];

/** What `GET /users/{id}` returns without `$select` (graph-contract §2.2), in Graph's order. */
const DEFAULT_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
] as const satisfies readonly (keyof User)[];

/** The only properties `User.ReadBasic.All` reveals; the rest come back null. */
const BASIC_PROPERTIES: readonly (keyof User)[] = [
  'displayName',
  'givenName',
  'surname',
  'mail',
  'userPrincipalName',
  'id',
];

/** Office 365 E3 (ENTERPRISEPACK): the licence that gives seeded staff Teams and a mailbox. */
const E3_SKU_ID = '6fd2c87f-b296-42f0-b197-1e91e994b900';

/** Every property this sandbox can `$select`; typed so a name Graph does not have fails to compile. */
function graphUser(tenant: SandboxTenant, u: SandboxUser): Required<Pick<User, SelectableKey>> {
  return {
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: 'en-US',
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    id: u.id,
    accountEnabled: true,
    assignedLicenses: u.teamsLicensed ? [{ skuId: E3_SKU_ID, disabledPlans: [] }] : [],
    city: null,
    companyName: tenant.displayName,
    country: null,
    department: null,
    employeeId: null,
    imAddresses: u.mail ? [u.mail] : [],
    mailNickname: u.userPrincipalName.split('@')[0],
    otherMails: [],
    proxyAddresses: u.mail ? [`SMTP:${u.mail}`] : [],
    usageLocation: 'US',
    userType: 'Member',
  };
}

const SELECTABLE = [
  ...DEFAULT_PROPERTIES,
  'accountEnabled',
  'assignedLicenses',
  'city',
  'companyName',
  'country',
  'department',
  'employeeId',
  'imAddresses',
  'mailNickname',
  'otherMails',
  'proxyAddresses',
  'usageLocation',
  'userType',
] as const satisfies readonly (keyof User)[];
type SelectableKey = (typeof SELECTABLE)[number];

/** Parses `$select` into canonical property names (case-insensitive, as OData allows). */
function parseSelect(raw: string | null): SelectableKey[] | { unknown: string } | null {
  if (raw === null || raw.trim() === '') return null;
  const picked: SelectableKey[] = [];
  for (const name of raw.split(',').map((s) => s.trim())) {
    const key = SELECTABLE.find((k) => k.toLowerCase() === name.toLowerCase());
    if (!key) return { unknown: name };
    if (!picked.includes(key)) picked.push(key);
  }
  return picked;
}

function findUser(tenant: SandboxTenant, key: string): SandboxUser | undefined {
  const k = key.toLowerCase();
  return tenant.users.find((u) => u.id === k || u.userPrincipalName.toLowerCase() === k);
}

async function getUser(sb: Sandbox, ctx: Ctx): Promise<void> {
  const app = await requireApp(sb, ctx, { anyRole: READ_USER_ROLES });
  if (!app) return;
  const now = sb.clock.now();
  const select = parseSelect(ctx.url.searchParams.get('$select'));
  if (select && 'unknown' in select) {
    return graphError(
      ctx,
      400,
      'Request_BadRequest',
      `Could not find a property named '${select.unknown}' on type 'microsoft.graph.user'.`,
      { now },
    );
  }
  const key = ctx.params.id;
  const user = findUser(app.tenant, key);
  if (!user) {
    return graphError(
      ctx,
      404,
      'Request_ResourceNotFound',
      `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
      { now },
    );
  }
  const full = graphUser(app.tenant, user);
  const basicOnly = !app.roles.some(
    (r) => r !== 'User.ReadBasic.All' && READ_USER_ROLES.includes(r),
  );
  const properties: readonly SelectableKey[] = select ?? DEFAULT_PROPERTIES;
  const body: User & { '@odata.context': string } = {
    '@odata.context': `${sb.baseUrl}/v1.0/$metadata#users${select ? `(${select.join(',')})` : ''}/$entity`,
  };
  for (const p of properties) {
    const value = basicOnly && !BASIC_PROPERTIES.includes(p) ? null : full[p];
    Object.assign(body, { [p]: value });
  }
  sendJson(ctx, 200, body);
}

/** Graph `GET /v1.0/users/{id | userPrincipalName}` for app-only callers. */
export function register(sb: Sandbox): void {
  sb.router.on('GET', '/v1.0/users/:id', (ctx) => getUser(sb, ctx));
}
