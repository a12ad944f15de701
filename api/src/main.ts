import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { ConfigError, loadConfig, redactedSummary, withSandbox, type Config } from './config';
import { connectSandbox, type SandboxConnection } from './bootstrap/sandbox';
import { registerSandboxTenants } from './bootstrap/tenants';
import { createLogger, type Logger } from './log/logger';
import {
  createDataSource,
  ensureWritableDir,
  migrate,
  migrationsCurrent,
  openDataSource,
} from './data/data-source';
import { JobStore } from './data/job-store';
import { createRepositories } from './data/repositories';
import { systemClock } from './domain/ports/clock';
import type { Repositories } from './domain/ports/repositories';
import { createHttpServer, type HttpServer } from './http/server';
import { Worker, type JobHandler } from './jobs/worker';
import { StartupError } from './startup-error';
import type { Agent } from 'undici';
import { GraphClient } from './graph/client';
import { createAgent } from './graph/http';
import { GraphOperations } from './graph/operations';
import { GraphTokenProvider } from './graph/token-provider';
import { TypeOrmUnitOfWork } from './data/unit-of-work';
import { InProcessNotifier } from './jobs/notifier';
import { DEFAULT_TIMINGS, RECOVER_MEETING_JOB, type MeetingDeps } from './domain/meetings/deps';
import { recoverMeeting } from './domain/meetings/recovery';

/** What `npm start` (serve), `npm run worker` and `npm run migrate` run. */
export type Role = 'serve' | 'worker' | 'migrate';

export interface Service {
  port: number | null;
  /** The meeting use cases' dependencies, when Graph is configured. */
  meetings: MeetingDeps | null;
  /** The configuration in force (in sandbox mode, pointed at the running sandbox). */
  config: Config;
  repositories: Repositories;
  jobs: JobStore;
  dataSource: DataSource;
  stop(): Promise<void>;
}

/** Job kinds and their handlers; later features register theirs here. */
function jobHandlers(meetings: MeetingDeps | null): Map<string, JobHandler> {
  const handlers = new Map<string, JobHandler>();
  if (meetings) {
    handlers.set(RECOVER_MEETING_JOB, async (job) => {
      const { meetingId } = JSON.parse(job.payload) as { meetingId: string };
      if (!job.tenantId) throw new Error('meeting recovery job without a tenant');
      const outcome = await recoverMeeting(meetings, job.tenantId, meetingId);
      return outcome.done ? undefined : { runAgainAt: outcome.runAgainAt };
    });
  }
  return handlers;
}

/** The Graph adapter, when the app has credentials (tenant mode, or sandbox mode once connected). */
function buildGraph(config: Config, log: Logger): { graph: GraphOperations; agent: Agent } | null {
  const { clientId, clientSecret, authorityHost } = config.entra;
  if (!clientId || !clientSecret) return null;
  const agent = createAgent(config.graph.extraCaFile);
  const tokens = new GraphTokenProvider({ clientId, clientSecret, authorityHost, agent, log });
  const client = new GraphClient({ baseUrl: config.graph.baseUrl, tokens, agent, log });
  return { graph: new GraphOperations(client), agent };
}

async function openDatabase(config: Config, log: Logger) {
  const { dataSource, entities } = createDataSource(config.database);
  await openDataSource(config.database, dataSource);
  const applied = await migrate(dataSource);
  if (applied.length > 0) log.info({ applied }, 'migrations applied');
  return { dataSource, entities };
}

/** The composition root: builds every real adapter and wires them for one role. */
export async function startService(
  config: Config,
  log: Logger,
  role: Role = 'serve',
): Promise<Service> {
  let http: HttpServer | null = null;
  let worker: Worker | null = null;
  let dataSource: DataSource | null = null;
  let port: number | null = null;
  let sandbox: SandboxConnection | null = null;
  let agent: Agent | null = null;
  try {
    if (role === 'serve') {
      http = createHttpServer({
        log: log.child({ module: 'http' }),
        bodyLimitBytes: config.http.bodyLimitBytes,
        readiness: [
          {
            name: 'database',
            check: async () =>
              Boolean(dataSource?.isInitialized && (await dataSource.query('SELECT 1'))),
          },
          {
            name: 'migrations',
            check: async () =>
              Boolean(dataSource?.isInitialized && (await migrationsCurrent(dataSource))),
          },
          ...(config.worker.enabled
            ? [{ name: 'worker', check: async () => Boolean(worker?.isRunning) }]
            : []),
        ],
      });
      // Bind first: a port in use fails before anything is written.
      port = (await http.listen(config.http.host, config.http.port)).port;
      log.info({ host: config.http.host, port }, 'listening');
    }
    if (config.blob.kind === 'filesystem' || config.database.kind === 'sqlite') {
      ensureWritableDir(config.dataDir, 'data directory', 'DATA_DIR');
    }
    const db = await openDatabase(config, log);
    dataSource = db.dataSource;
    const jobs = new JobStore(db.dataSource, db.entities, systemClock, {
      maxAttempts: config.worker.maxAttempts,
    });
    const repositories = createRepositories(db.dataSource.manager, db.entities, systemClock);
    if (config.mode === 'sandbox' && config.sandbox.autostart && role !== 'migrate') {
      sandbox = await connectSandbox(config, log.child({ module: 'sandbox' }));
      config = withSandbox(config, sandbox.info);
      const registered = await registerSandboxTenants(
        { repos: repositories, clock: systemClock },
        sandbox.info,
      );
      log.info({ tenants: registered }, 'sandbox tenants registered');
    }
    const adapter = buildGraph(config, log.child({ module: 'graph' }));
    agent = adapter?.agent ?? null;
    const meetings: MeetingDeps | null = adapter
      ? {
          repos: repositories,
          uow: new TypeOrmUnitOfWork(db.dataSource, db.entities, jobs, systemClock),
          graph: adapter.graph,
          clock: systemClock,
          notifier: new InProcessNotifier(log.child({ module: 'events' })),
          interactionLink: (_tenantId, interactionId) =>
            `${config.http.publicBaseUrl ?? `http://localhost:${config.http.port}`}/tab/interactions/${encodeURIComponent(interactionId)}`,
          sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
          timings: { ...DEFAULT_TIMINGS, recoveryDelayMs: config.meetings.recoveryDelayMs },
          defaultOrganizerUpn: config.defaultOrganizerUpn,
        }
      : null;
    if (role === 'worker' || (role === 'serve' && config.worker.enabled)) {
      worker = new Worker(
        jobs,
        jobHandlers(meetings),
        {
          concurrency: config.worker.concurrency,
          pollMs: config.worker.pollMs,
          leaseMs: config.worker.leaseSeconds * 1000,
        },
        log.child({ module: 'worker' }),
      );
      worker.start();
    }
    const opened = { http, worker, dataSource, sandbox, agent };
    return {
      port,
      meetings,
      config,
      repositories,
      jobs,
      dataSource: db.dataSource,
      stop: () => shutdown(opened, config, log),
    };
  } catch (err) {
    await shutdown({ http, worker, dataSource, sandbox, agent }, config, log);
    throw err;
  }
}

async function shutdown(
  parts: {
    http: HttpServer | null;
    worker: Worker | null;
    dataSource: DataSource | null;
    sandbox: SandboxConnection | null;
    agent: Agent | null;
  },
  config: Config,
  log: Logger,
): Promise<void> {
  const budget = config.http.shutdownTimeoutMs;
  await Promise.all([parts.http?.close(budget), parts.worker?.stop(budget)]);
  if (parts.dataSource?.isInitialized) await parts.dataSource.destroy();
  await parts.sandbox?.stop();
  await parts.agent?.destroy();
  log.info('stopped');
}

function fail(message: string): never {
  console.error(`interactions-for-teams: ${message}`);
  process.exit(1);
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
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const hardStop = setTimeout(
      () => fail('shutdown took too long; exiting'),
      config.http.shutdownTimeoutMs + 1500,
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
