import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { issueUserSsoToken } from './entra';
import { jsonBody, sendJson, type Ctx } from './http';
import type { Sandbox } from './sandbox';
import type { SandboxTenant, SandboxUser } from './seed';
import { botMeetingId, meetingInfo, threadOfBotMeetingId } from './connector-meetings';

/** The Teams app id (manifest `id`) the host reports as `appId`; Teams' own, not the Entra client id. */
export const SANDBOX_TEAMS_APP_ID = 'c1a2b3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
/** The SDK version the host claims to support (teams-js 2.58.0 was verified against this host). */
const CLIENT_SUPPORTED_SDK_VERSION = '2.58.0';
/** A meeting chat used when a meeting context is asked for without ids. */
const DEFAULT_MEETING_THREAD = '19:meeting_U2FuZGJveE1lZXRpbmdDaGF0MDAx@thread.v2';

const SCENARIOS = {
  personal: { frameContext: 'content', entityId: 'home', meeting: false },
  meetingChat: { frameContext: 'content', entityId: 'meetingTab', meeting: true },
  sidePanel: { frameContext: 'sidePanel', entityId: 'meetingTab', meeting: true },
  meetingStage: { frameContext: 'meetingStage', entityId: 'meetingTab', meeting: true },
  settings: { frameContext: 'settings', entityId: '', meeting: 'optional' },
} as const;
export type TabScenario = keyof typeof SCENARIOS;

/** The runtime (teams-js host protocol §3) the host announces in its `initialize` reply. */
export const HOST_RUNTIME = {
  apiVersion: 4,
  isLegacyTeams: false,
  hostVersionsInfo: { adaptiveCardSchemaVersion: { majorVersion: 1, minorVersion: 5 } },
  supports: {
    app: { notifySuccessResponse: {} },
    appInstallDialog: {},
    interactive: {},
    dialog: { card: { bot: {} }, url: { bot: {}, parentCommunication: {} }, update: {} },
    menus: {},
    stageView: {},
    teamsCore: {},
    pages: { appButton: {}, backStack: {}, config: {}, currentApp: {}, fullTrust: {}, tabs: {} },
  },
};

/** What the host page needs to play Teams for one user in one frame context. */
export interface TabSession {
  scenario: TabScenario;
  frameContext: string;
  hostClientType: 'web';
  clientSupportedSDKVersion: string;
  runtime: typeof HOST_RUNTIME;
  /** The legacy flat context the host answers `getContext` with (§4). */
  context: Record<string, unknown>;
  tenantId: string;
  userOid: string;
  /** `meeting.getMeetingDetails` answer, for meeting contexts. */
  meetingDetails?: Record<string, unknown>;
}

type SessionQuery = Partial<
  Record<'context' | 'tenantId' | 'userOid' | 'theme' | 'meetingId' | 'chatId' | 'entityId', string>
>;

/** Builds the session for a query, or a plain-words reason it cannot. */
export function tabSession(sb: Sandbox, q: SessionQuery): TabSession | string {
  const scenario = (q.context || 'personal') as TabScenario;
  if (!Object.hasOwn(SCENARIOS, scenario))
    return `context must be one of ${Object.keys(SCENARIOS).join(', ')}`;
  const s = SCENARIOS[scenario];
  const tenant: SandboxTenant | undefined = q.tenantId ? sb.tenant(q.tenantId) : sb.tenants()[0];
  if (!tenant) return `no sandbox tenant ${q.tenantId}; see GET /_sandbox/info`;
  const userOid = q.userOid || tenant.staffOids[0];
  const user: SandboxUser | undefined = tenant.users.find((u) => u.id === userOid);
  if (!user) return `no user ${userOid} in tenant ${tenant.displayName} (${tenant.tenantId})`;
  const theme = q.theme || 'default';
  if (!['default', 'dark', 'contrast'].includes(theme))
    return 'theme must be default, dark or contrast';

  const context: Record<string, unknown> = {
    entityId: q.entityId ?? s.entityId,
    subEntityId: '',
    frameContext: s.frameContext,
    locale: 'en-us',
    theme,
    hostName: 'Teams',
    hostClientType: 'web',
    appId: SANDBOX_TEAMS_APP_ID,
    appSessionId: randomUUID(),
    sessionId: `sandbox-host-${randomUUID()}`,
    userObjectId: user.id,
    userDisplayName: user.displayName,
    userPrincipalName: user.userPrincipalName,
    loginHint: user.userPrincipalName,
    tid: tenant.tenantId,
    tenantSKU: 'enterprise',
    userLicenseType: 'Unknown',
  };
  let meetingDetails: Record<string, unknown> | undefined;
  const wantsMeeting =
    s.meeting === true || (s.meeting === 'optional' && (q.meetingId || q.chatId));
  if (wantsMeeting) {
    const chatId =
      q.chatId || (q.meetingId && threadOfBotMeetingId(q.meetingId)) || DEFAULT_MEETING_THREAD;
    const meetingId = q.meetingId || botMeetingId(chatId);
    Object.assign(context, { meetingId, chatId, userTeamRole: 0 });
    meetingDetails = meetingInfo(sb, meetingId) ?? {
      details: { id: meetingId, type: 'Scheduled', title: '', joinUrl: '' },
      conversation: { id: chatId },
      organizer: { tenantId: tenant.tenantId },
    };
  }
  return {
    scenario,
    frameContext: s.frameContext,
    hostClientType: 'web',
    clientSupportedSDKVersion: CLIENT_SUPPORTED_SDK_VERSION,
    runtime: HOST_RUNTIME,
    context,
    tenantId: tenant.tenantId,
    userOid: user.id,
    ...(meetingDetails ? { meetingDetails } : {}),
  };
}

const ASSETS = path.join(__dirname, 'tab-host');

/** The host page as one self-contained HTML document (script and styles inlined). */
export function hostPageHtml(sb: Sandbox): string {
  const read = (name: string) => fs.readFileSync(path.join(ASSETS, name), 'utf8');
  const config = JSON.stringify({ sandboxUrl: sb.baseUrl }).replace(/</g, '\\u003c');
  return read('host.html')
    .replace('/*HOST_CSS*/', () => read('host.css'))
    .replace('/*HOST_CONFIG*/', () => `window.SANDBOX_HOST_CONFIG = ${config};`)
    .replace('/*HOST_JS*/', () => read('host.js'));
}

/** Control routes the page calls may come from the tab's origin (a test re-serves the page there). */
const CORS = { 'access-control-allow-origin': '*' };

/** A control-API mistake, readable from the tab's origin too. */
function hostError(ctx: Ctx, status: number, message: string): void {
  sendJson(ctx, status, { error: { code: 'SandboxControlError', message } }, CORS);
}

function query(ctx: Ctx): SessionQuery {
  return Object.fromEntries(ctx.url.searchParams.entries());
}

function sendHtml(ctx: Ctx, html: string): void {
  ctx.res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
  });
  ctx.res.end(html);
}

interface SavedConfig {
  seq: number;
  at: string;
  tenantId: string;
  userOid: string;
  scenario: string;
  config: unknown;
}

/** The Teams tab host: a page that frames a tab and answers the teams-js host protocol. */
export function register(sb: Sandbox): void {
  const r = sb.router;
  const saved = () => sb.store.collection<SavedConfig>('tabHostSavedConfigs');

  r.on('GET', '/_sandbox/teams', (ctx) => sendHtml(ctx, hostPageHtml(sb)));
  r.on('GET', '/_sandbox/teams/host.html', (ctx) => sendHtml(ctx, hostPageHtml(sb)));

  r.on('GET', '/_sandbox/teams/session', (ctx) => {
    const session = tabSession(sb, query(ctx));
    if (typeof session === 'string') return hostError(ctx, 400, session);
    ctx.meta.tenantId = session.tenantId;
    sendJson(ctx, 200, session, CORS);
  });

  // A GET so that a page on another origin needs no CORS preflight; the token is in the answer only.
  r.on('GET', '/_sandbox/teams/token', async (ctx) => {
    const session = tabSession(sb, query(ctx));
    if (typeof session === 'string') return hostError(ctx, 400, session);
    const tenant = sb.tenant(session.tenantId) as SandboxTenant;
    const user = tenant.users.find((u) => u.id === session.userOid) as SandboxUser;
    const { token } = await issueUserSsoToken(sb, tenant, user);
    sendJson(ctx, 200, { token }, CORS);
  });

  r.on('GET', '/_sandbox/teams/saved', (ctx) =>
    sendJson(ctx, 200, { saved: [...saved().values()].sort((a, b) => a.seq - b.seq) }, CORS),
  );
  // The page posts `text/plain` JSON (a simple request: no preflight from the tab's origin).
  r.on('POST', '/_sandbox/teams/saved', (ctx) => {
    const body = jsonBody<Partial<SavedConfig>>(ctx);
    if (!body) return;
    if (typeof body.tenantId !== 'string' || typeof body.userOid !== 'string' || !body.config) {
      return hostError(ctx, 400, 'give tenantId, userOid, scenario and the saved config');
    }
    const entry: SavedConfig = {
      seq: saved().size + 1,
      at: sb.clock.now().toISOString(),
      tenantId: body.tenantId,
      userOid: body.userOid,
      scenario: String(body.scenario ?? ''),
      config: body.config,
    };
    saved().set(String(entry.seq), entry);
    sb.store.changed();
    sendJson(ctx, 201, entry, CORS);
  });
}
