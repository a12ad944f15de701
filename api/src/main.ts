import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import type { Agent } from 'undici';
import { ConfigError, loadConfig, redactedSummary, withSandbox, type Config } from './config';
import {
  connectSandbox,
  registerMessagingEndpoint,
  type SandboxConnection,
} from './bootstrap/sandbox';
import { registerSandboxTenants } from './bootstrap/tenants';
import { createLogger, type Logger } from './log/logger';
import {
  createDataSource,
  ensureWritableDir,
  migrate,
  migrationsCurrent,
  openDataSource,
} from './data/data-source';
import { DatabaseClock } from './data/database-clock';
import { JobStore } from './data/job-store';
import { createRepositories } from './data/repositories';
import { insideTransaction } from './data/transaction';
import { TypeOrmUnitOfWork } from './data/unit-of-work';
import type { DirectoryDeps } from './domain/interactions/deps';
import { DEFAULT_TIMINGS, type MeetingDeps } from './domain/meetings/deps';
import type { Clock } from './domain/ports/clock';
import type { Repositories } from './domain/ports/repositories';
import type { UnitOfWork } from './domain/ports/unit-of-work';
import { GraphClient } from './graph/client';
import { createAgent } from './graph/http';
import { GraphOperations } from './graph/operations';
import { GraphTokenProvider } from './graph/token-provider';
import type { Feature } from './http/features';
import { createHttpServer, type HttpServer } from './http/server';
import { purgeJob, schedulePurge } from './jobs/maintenance-purge';
import { meetingRecoverJob } from './jobs/meeting-recover';
import { JobRegistry, type JobDefinition } from './jobs/registry';
import { Worker } from './jobs/worker';
import { StartupError } from './startup-error';
import fs from 'node:fs';
import { createAdapters, turnErrorHandler } from '../../bot/src/adapters';
import type { BotDeps } from '../../bot/src/app/deps';
import { BotCardDelivery } from '../../bot/src/delivery';
import { botFeature, type BotRuntime } from '../../bot/src/feature';
import { InteractionsBot } from '../../bot/src/handler';
import { warmUpParser } from '../../bot/src/commands/warm-up';
import { cardRefreshJob } from './jobs/card-refresh';

/** What `npm start` (serve), `npm run worker` and `npm run migrate` run. */
export type Role = 'serve' | 'worker' | 'migrate';

/** What features and job handlers are built from; assembled once, here. */
export interface ServiceDeps {
  config: Config;
  log: Logger;
  clock: Clock;
  repositories: Repositories;
  uow: UnitOfWork;
  directory: DirectoryDeps;
  /** The meeting use cases, when Graph is configured. */
  meetings: MeetingDeps | null;
  /** The bot, when it has an app id (tenant mode; sandbox mode once connected). */
  bot: BotRuntime | null;
}

export interface Service extends ServiceDeps {
  port: number | null;
  jobs: JobStore;
  dataSource: DataSource;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Features whose routes the server carries; later issues add theirs here. */
  features?: Feature<ServiceDeps>[];
}

/** Features of the product, registered on the server before it listens. */
const FEATURES: Feature<ServiceDeps>[] = [botFeature<ServiceDeps>()];

const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com/.default';

/** A Teams deep link into the personal tab, opened on one interaction. */
function interactionDeepLink(teamsAppId: string, interactionId: string): string {
  const context = encodeURIComponent(JSON.stringify({ subEntityId: interactionId }));
  return `https://teams.microsoft.com/l/entity/${teamsAppId}/meetings?context=${context}`;
}

/** The bot on its CloudAdapters, with the Connector token source and the card updater. */
function buildBot(
  config: Config,
  log: Logger,
  base: Omit<BotDeps, 'log' | 'interactionLink'>,
): { runtime: BotRuntime; delivery: BotCardDelivery; agent: Agent | null } | null {
  const { appId, appPassword } = config.bot;
  if (!appId) return null;
  const agent = appPassword ? createAgent(config.graph.extraCaFile) : null;
  const tokens =
    appPassword && agent
      ? new GraphTokenProvider({
          clientId: appId,
          clientSecret: appPassword,
          authorityHost: config.bot.authorityHost,
          agent,
          log: log.child({ module: 'bot-tokens' }),
          scope: BOT_FRAMEWORK_SCOPE,
        })
      : undefined;
  const botLog = log.child({ module: 'bot' });
  const adapters = createAdapters(
    {
      appId,
      appType: config.bot.appType,
      tenantId: config.bot.tenantId,
      openIdMetadataUrl: config.bot.openIdMetadataUrl,
      authorityHost: config.bot.authorityHost,
      tokens,
      connectorAgent: agent && config.graph.extraCaFile ? agent : undefined,
      extraCa: config.graph.extraCaFile
        ? fs.readFileSync(config.graph.extraCaFile, 'utf8')
        : undefined,
      acceptUnsigned: config.bot.acceptUnsigned,
    },
    turnErrorHandler(botLog),
  );
  // chrono compiles its patterns on first use (~100 ms): not on a person's first command.
  warmUpParser();
  const teamsAppId = config.bot.teamsAppId ?? appId;
  const deps: BotDeps = {
    ...base,
    log: botLog,
    interactionLink: (interactionId) => interactionDeepLink(teamsAppId, interactionId),
  };
  return {
    runtime: {
      adapters,
      signedBot: new InteractionsBot(deps, false),
      unsignedBot: adapters.unsigned ? new InteractionsBot(deps, true) : null,
    },
    delivery: new BotCardDelivery(adapters, deps),
    agent,
  };
}

/** The Graph adapter, when the app has credentials (tenant mode, or sandbox mode once connected). */
function buildGraph(config: Config, log: Logger): { graph: GraphOperations; agent: Agent } | null {
  const { clientId, clientSecret, authorityHost } = config.entra;
  if (!clientId || !clientSecret) return null;
  const agent = createAgent(config.graph.extraCaFile);
  const tokens = new GraphTokenProvider({ clientId, clientSecret, authorityHost, agent, log });
  const client = new GraphClient({
    baseUrl: config.graph.baseUrl,
    tokens,
    agent,
    log,
    assertCallAllowed: () => {
      // An open transaction holds SQLite's lock while Graph takes seconds: everything would stall.
      if (insideTransaction()) throw new Error('Graph must not be called inside a unit of work');
    },
  });
  return { graph: new GraphOperations(client), agent };
}

async function openDatabase(config: Config, log: Logger) {
  const { dataSource, entities } = createDataSource(config.database);
  await openDataSource(config.database, dataSource);
  const applied = await migrate(dataSource);
  if (applied.length > 0) log.info({ applied }, 'migrations applied');
  return { dataSource, entities };
}

function meetingDeps(
  config: Config,
  base: { repositories: Repositories; uow: UnitOfWork; clock: Clock },
  graph: GraphOperations,
): MeetingDeps {
  const origin = config.http.publicBaseUrl ?? `http://localhost:${config.http.port}`;
  return {
    repos: base.repositories,
    uow: base.uow,
    graph,
    clock: base.clock,
    interactionLink: (_tenantId, interactionId) =>
      `${origin}/tab/interactions/${encodeURIComponent(interactionId)}`,
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), {
          once: true,
        });
      }),
    timings: {
      ...DEFAULT_TIMINGS,
      recoveryDelayMs: config.meetings.recoveryDelayMs,
      leaseMs: config.meetings.leaseMs,
      // A pass must end (and its Graph calls be aborted) well before its lease does.
      passBudgetMs: Math.min(
        DEFAULT_TIMINGS.passBudgetMs,
        Math.floor(config.meetings.leaseMs * 0.6),
      ),
    },
    defaultOrganizerUpn: config.defaultOrganizerUpn,
  };
}

/** Every job kind this process can run, with its handler. */
function jobDefinitions(
  deps: ServiceDeps,
  jobs: JobStore,
  delivery: BotCardDelivery | null,
): JobDefinition<unknown>[] {
  const retention = {
    days: deps.config.worker.retentionDays,
    deadDays: deps.config.worker.deadRetentionDays,
  };
  return [
    purgeJob({ jobs, repos: deps.repositories, clock: deps.clock, retention }),
    ...(deps.meetings ? [meetingRecoverJob(deps.meetings)] : []),
    ...(delivery
      ? [cardRefreshJob({ repos: deps.repositories, clock: deps.clock, delivery })]
      : []),
  ];
}

interface Parts {
  http: HttpServer | null;
  worker: Worker | null;
  dataSource: DataSource | null;
  clock: DatabaseClock | null;
  sandbox: SandboxConnection | null;
  agent: Agent | null;
  botAgent: Agent | null;
}

/** The composition root: builds every real adapter and wires them for one role. */
export async function startService(
  config: Config,
  log: Logger,
  role: Role = 'serve',
  options: StartOptions = {},
): Promise<Service> {
  const parts: Parts = {
    http: null,
    worker: null,
    dataSource: null,
    clock: null,
    sandbox: null,
    agent: null,
    botAgent: null,
  };
  let ready: ServiceDeps | null = null;
  const deps = () => {
    if (!ready) throw new Error('the service is not ready');
    return ready;
  };
  try {
    let port: number | null = null;
    if (role === 'serve') {
      parts.http = createHttpServer({
        log: log.child({ module: 'http' }),
        bodyLimitBytes: config.http.bodyLimitBytes,
        readiness: readiness(config, parts),
      });
      for (const feature of options.features ?? FEATURES) parts.http.register(feature, deps);
      // Bind first: a port in use fails before anything is written.
      port = (await parts.http.listen(config.http.host, config.http.port)).port;
      log.info({ host: config.http.host, port }, 'listening');
    }
    if (config.blob.kind === 'filesystem' || config.database.kind === 'sqlite') {
      ensureWritableDir(config.dataDir, 'data directory', 'DATA_DIR');
    }
    const db = await openDatabase(config, log);
    parts.dataSource = db.dataSource;
    // Leases and run times written by every host are compared against the database's clock.
    const clock = new DatabaseClock(db.dataSource);
    await clock.sync();
    clock.start();
    parts.clock = clock;
    const jobs = new JobStore(db.dataSource, db.entities, clock, {
      maxAttempts: config.worker.maxAttempts,
    });
    const repositories = createRepositories(db.dataSource.manager, db.entities, clock);
    const uow = new TypeOrmUnitOfWork(db.dataSource, db.entities, jobs, clock);
    const directory: DirectoryDeps = { repos: repositories, uow, clock };
    if (config.mode === 'sandbox' && config.sandbox.autostart && role !== 'migrate') {
      parts.sandbox = await connectSandbox(config, log.child({ module: 'sandbox' }));
      config = withSandbox(config, parts.sandbox.info);
      const registered = await registerSandboxTenants(directory, parts.sandbox.info);
      log.info({ tenants: registered }, 'sandbox tenants registered');
    }
    const adapter = buildGraph(config, log.child({ module: 'graph' }));
    parts.agent = adapter?.agent ?? null;
    const base = { repositories, uow, clock };
    const meetings = adapter ? meetingDeps(config, base, adapter.graph) : null;
    const bot = buildBot(config, log, { clock, repos: repositories, uow, directory, meetings });
    parts.botAgent = bot?.agent ?? null;
    const service: ServiceDeps = {
      config,
      log,
      clock,
      repositories,
      uow,
      directory,
      meetings,
      bot: bot?.runtime ?? null,
    };
    if (role === 'worker' || (role === 'serve' && config.worker.enabled)) {
      const registry = new JobRegistry(jobDefinitions(service, jobs, bot?.delivery ?? null));
      parts.worker = new Worker(
        jobs,
        registry,
        {
          concurrency: config.worker.concurrency,
          pollMs: config.worker.pollMs,
          leaseMs: config.worker.leaseSeconds * 1000,
          clock,
        },
        log.child({ module: 'worker' }),
      );
      await schedulePurge(jobs);
      parts.worker.start();
    }
    if (parts.sandbox && port !== null && config.bot.appId && config.graph.extraCaFile) {
      const bound = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
      const host = bound.includes(':') ? `[${bound}]` : bound;
      await registerMessagingEndpoint(
        parts.sandbox,
        config.graph.extraCaFile,
        `http://${host}:${port}/api/messages`,
        config.bot.appId,
      );
    }
    ready = service;
    parts.http?.open();
    return {
      ...service,
      port,
      jobs,
      dataSource: db.dataSource,
      stop: () => shutdown(parts, config, log),
    };
  } catch (err) {
    await shutdown(parts, config, log);
    throw err;
  }
}

function readiness(config: Config, parts: Parts) {
  const open = () => (parts.dataSource?.isInitialized ? parts.dataSource : null);
  return [
    {
      name: 'database',
      check: async () => Boolean(await open()?.query('SELECT 1')),
    },
    {
      name: 'migrations',
      check: async () => {
        const ds = open();
        return ds !== null && (await migrationsCurrent(ds));
      },
    },
    ...(config.worker.enabled
      ? [{ name: 'worker', check: async () => Boolean(parts.worker?.isRunning) }]
      : []),
  ];
}

/**
 * Drains before it destroys: feature requests and jobs in flight get the budget, then are aborted
 * and wound down (jobs handed back), and only then is the database closed under them.
 */
async function shutdown(parts: Parts, config: Config, log: Logger): Promise<void> {
  const budget = config.http.shutdownTimeoutMs;
  await Promise.all([parts.http?.close(budget), parts.worker?.stop(budget)]);
  parts.clock?.stop();
  if (parts.dataSource?.isInitialized) await parts.dataSource.destroy();
  await parts.sandbox?.stop();
  await parts.agent?.destroy();
  await parts.botAgent?.destroy();
  log.info('stopped');
}

function fail(message: string): never {
  console.error(`interactions-for-teams: ${message}`);
  process.exit(1);
}

/** What a person needs to try the product, printed once it listens (sandbox mode). */
function printWhereThingsAre(service: Service): void {
  const { config, port } = service;
  const host = config.http.host === '0.0.0.0' ? 'localhost' : config.http.host;
  const lines = [`Interactions for Teams is listening on http://${host}:${port}`];
  if (service.bot) lines.push(`  bot:        http://${host}:${port}/api/messages`);
  if (config.mode === 'sandbox' && config.sandbox.url) {
    const sandbox = new URL(config.sandbox.url).origin;
    lines.push(
      `  playground: npm run playground  (Microsoft 365 Agents Playground, chat with the bot)`,
      `  tab host:   ${sandbox}/_sandbox/teams  (a Teams client for the tab)`,
      `  sandbox:    ${sandbox}/_sandbox/info  (control API: sandbox/README.md)`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function run(role: Role): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const log = createLogger(config.log);
  log.info({ role, config: redactedSummary(config) }, 'starting');
  let service: Service;
  try {
    service = await startService(config, log, role);
  } catch (err) {
    if (err instanceof StartupError) fail(err.message);
    log.error({ err }, 'startup failed');
    fail(`startup failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (role === 'migrate') {
    await service.stop();
    return;
  }
  if (role === 'serve') printWhereThingsAre(service);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const hardStop = setTimeout(
      () => fail('shutdown took too long; exiting'),
      config.http.shutdownTimeoutMs + 5000,
    );
    hardStop.unref();
    service.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

if (require.main === module) {
  const arg = process.argv[2] ?? 'serve';
  if (arg !== 'serve' && arg !== 'worker' && arg !== 'migrate')
    fail(`unknown role "${arg}": use serve, worker or migrate`);
  void run(arg);
}
