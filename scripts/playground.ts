/**
 * `npm run playground`: the Microsoft 365 Agents Playground, offline, chatting with the running
 * `npm start` as a staff user of the sandbox's first tenant (so the bot's tenant and user checks pass).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Agent, fetch } from 'undici';

const ROOT = path.resolve(__dirname, '..');
const PLAYGROUND_BIN = path.join(ROOT, 'node_modules/.bin/agentsplayground');

interface Person {
  oid: string;
  upn: string;
  displayName: string;
}

interface SandboxInfo {
  app: { botId: string };
  tenants: {
    tenantId: string;
    displayName: string;
    organizer: Person | null;
    staff: Person[];
    unlicensedUser: Person | null;
  }[];
}

/** A reason to stop, said in one line. */
class Refusal extends Error {}

function portFrom(name: string, fallback?: number): number | undefined {
  const raw = process.env[name];
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Refusal(`${name} must be a port number (got "${raw}")`);
  }
  return port;
}

const reason = (e: unknown) =>
  e instanceof Error ? String((e.cause as Error | undefined)?.message ?? e.message) : String(e);

async function checkProduct(port: number): Promise<void> {
  const url = `http://127.0.0.1:${port}/healthz`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (res.ok) return;
    throw new Error(`HTTP ${res.status}`);
  } catch (e) {
    throw new Refusal(
      `the product is not running (${url}: ${reason(e)}); start it with npm start in another terminal`,
    );
  }
}

async function readSandbox(port: number, dataDir: string): Promise<SandboxInfo> {
  const caFile = path.join(dataDir, 'sandbox', 'ca.pem');
  if (!fs.existsSync(caFile)) {
    throw new Refusal(
      `no sandbox CA at ${caFile}; is npm start running in sandbox mode with DATA_DIR=${dataDir}?`,
    );
  }
  const url = `https://127.0.0.1:${port}/_sandbox/info`;
  const agent = new Agent({ connect: { ca: fs.readFileSync(caFile, 'utf8') } });
  try {
    const res = await fetch(url, { dispatcher: agent, signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return (await res.json()) as SandboxInfo;
  } catch (e) {
    throw new Refusal(
      `the sandbox is not reachable (${url}: ${reason(e)}); npm start starts it in sandbox mode`,
    );
  } finally {
    await agent.close();
  }
}

/** The Teams user id (`29:…`) the sandbox's connector gives this user, so both chats agree. */
function teamsUserId(tenantId: string, oid: string): string {
  return `29:1${createHash('sha256').update(`${tenantId}/${oid}`).digest('base64url').slice(0, 40)}`;
}

function playgroundUser(tenantId: string, p: Person) {
  const [givenName = p.displayName, ...rest] = p.displayName.split(' ');
  return {
    id: teamsUserId(tenantId, p.oid),
    name: p.displayName,
    userPrincipleName: p.upn, // sic: the Playground's spelling
    aadObjectId: p.oid,
    givenName,
    surname: rest.join(' ') || givenName,
    email: p.upn,
  };
}

/** A GUID-shaped id derived from `seed` (stable across runs). */
function guidOf(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The Playground's config (schema 0.1.1): the tenant, the bot, who chats and who else is there. */
function playgroundConfig(info: SandboxInfo) {
  const tenant = info.tenants[0];
  const me = tenant?.staff[0];
  if (!tenant || !me) throw new Refusal('the sandbox has no tenant with staff to chat as');
  const others = [...tenant.staff.slice(1), tenant.organizer, tenant.unlicensedUser]
    .filter((p): p is Person => p !== null)
    .map((p) => playgroundUser(tenant.tenantId, p));
  // The schema wants exactly five other users; the missing ones are guests outside the directory.
  for (let n = 1; others.length < 5; n++) {
    others.push(
      playgroundUser(tenant.tenantId, {
        oid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
        upn: `guest${n}@playground.invalid`,
        displayName: `Guest ${n}`,
      }),
    );
  }
  // Stable ids: the chat keeps its meetings across Playground restarts, as a Teams chat does.
  const seed = `${tenant.tenantId}/${me.oid}`;
  const thread = (kind: string) => `19:${guidOf(`${seed}/${kind}`).replace(/-/g, '')}`;
  return {
    version: '0.1.1',
    tenantId: tenant.tenantId,
    bot: { id: `28:${info.app.botId}`, name: 'Interactions for Teams' },
    currentUser: playgroundUser(tenant.tenantId, me),
    users: others.slice(0, 5),
    personalChat: { id: `a:1${guidOf(`${seed}/personal`).replace(/-/g, '')}` },
    groupChat: { id: `${thread('group')}@thread.v2`, name: 'Playground group chat' },
    team: {
      id: `${thread('team')}@thread.tacv2`,
      name: 'Playground team',
      aadGroupId: guidOf(`${seed}/team`),
      channels: [{ id: `${thread('channel')}@thread.tacv2`, name: 'Client meetings' }],
    },
  };
}

/** YAML with every scalar JSON-quoted (a JSON string is a valid YAML double-quoted scalar). */
function toYaml(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    return value.map((item) => `${indent}- ${toYaml(item, `${indent}  `).trimStart()}`).join('\n');
  }
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) =>
        v && typeof v === 'object'
          ? `${indent}${k}:\n${toYaml(v, `${indent}  `)}`
          : `${indent}${k}: ${JSON.stringify(v)}`,
      )
      .join('\n');
  }
  return `${indent}${JSON.stringify(value)}`;
}

async function main(): Promise<void> {
  const port = portFrom('PORT', 3978)!;
  const sandboxPort = portFrom('SANDBOX_PORT', 3979)!;
  const uiPort = portFrom('PLAYGROUND_PORT');
  const dataDir = path.resolve(process.env.DATA_DIR || './.data');
  await checkProduct(port);
  const info = await readSandbox(sandboxPort, dataDir);
  const config = playgroundConfig(info);

  const stateDir = path.join(dataDir, 'playground');
  fs.mkdirSync(stateDir, { recursive: true });
  const configPath = path.join(stateDir, '.m365agentsplayground.yml');
  fs.writeFileSync(
    configPath,
    `# Written by npm run playground from the sandbox.\n${toYaml(config)}\n`,
  );

  const endpoint = `http://127.0.0.1:${port}/api/messages`;
  const args = ['-e', endpoint, '-c', 'msteams', '--disable-telemetry'];
  if (uiPort) args.push('-p', String(uiPort));
  const child = spawn(PLAYGROUND_BIN, args, {
    cwd: stateDir,
    // stdout is passed through and read: the Playground says which port it took (busy → random).
    stdio: ['inherit', 'pipe', 'inherit'],
    env: {
      ...process.env,
      M365_AGENTS_PLAYGROUND_CONFIG_PATH: configPath,
      M365_AGENTS_PLAYGROUND_LOGFILE: path.join(stateDir, 'm365agentsplayground.log'),
      APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
      TEAMSAPPTESTER_BROWSER: 'none',
    },
  });
  const me = config.currentUser;
  console.log(
    `playground: chatting as ${me.name} <${me.userPrincipleName}> (${info.tenants[0]!.displayName}) with ${endpoint}`,
  );
  let announced = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    const listening = /Listening on (\d+)/.exec(chunk.toString());
    if (listening && !announced) {
      announced = true;
      console.log(`playground: open http://127.0.0.1:${listening[1]}`);
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
  child.on('error', (e) => {
    console.error(`playground: cannot run ${PLAYGROUND_BIN}: ${e.message}; run npm ci`);
    process.exit(1);
  });
}

main().catch((e: unknown) => {
  console.error(`playground: ${e instanceof Refusal ? e.message : reason(e)}`);
  process.exit(1);
});
