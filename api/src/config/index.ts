import path from 'node:path';
import { envSchema, type Env } from './schema';

export type DatabaseConfig =
  | { kind: 'sqlite'; file: string }
  | {
      kind: 'mssql';
      host: string;
      port: number;
      database: string;
      user: string;
      password: string;
      encrypt: boolean;
      trustServerCertificate: boolean;
    };

export type BlobConfig =
  | { kind: 'filesystem'; dir: string }
  | { kind: 'azure'; connectionString: string; container: string };

export interface Config {
  mode: 'sandbox' | 'tenant';
  http: {
    host: string;
    port: number;
    publicBaseUrl: string | undefined;
    bodyLimitBytes: number;
    shutdownTimeoutMs: number;
  };
  log: { level: Env['LOG_LEVEL']; pretty: boolean };
  dataDir: string;
  database: DatabaseConfig;
  blob: BlobConfig;
  entra: { clientId?: string; clientSecret?: string; authorityHost: string };
  graph: { baseUrl: string; extraCaFile?: string };
  bot: {
    appId?: string;
    appPassword?: string;
    appType: Env['BOT_APP_TYPE'];
    tenantId?: string;
    openIdMetadataUrl?: string;
    /** Where the bot gets its Bot Connector tokens (`https://login.microsoftonline.com` or the sandbox). */
    authorityHost: string;
    /**
     * Sandbox only, and only on a loopback listener: activities without a channel token (the
     * Microsoft 365 Agents Playground sends none) are accepted from loopback addresses.
     */
    acceptUnsigned: boolean;
    /** The Teams app (manifest) id deep links open; defaults to the bot's app id. */
    teamsAppId?: string;
  };
  defaultOrganizerUpn?: string;
  /** Sandbox mode: where the local Microsoft cloud listens; `url` is set once it is connected. */
  sandbox: { port: number; autostart: boolean; url?: string; connectorUrl?: string };
  meetings: { recoveryDelayMs: number; leaseMs: number };
  worker: {
    enabled: boolean;
    concurrency: number;
    pollMs: number;
    leaseSeconds: number;
    maxAttempts: number;
    /** Finished jobs and processed notifications are kept this long; dead-lettered jobs longer. */
    retentionDays: number;
    deadRetentionDays: number;
  };
}

/** Every problem with the environment, one `KEY: reason` per line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Problems = string[];

function parseDatabaseUrl(raw: string | undefined, dataDir: string, problems: Problems) {
  if (raw === undefined)
    return { kind: 'sqlite', file: path.join(dataDir, 'interactions.db') } as const;
  const sqlite = /^(sqlite|file):(.+)$/.exec(raw);
  if (sqlite) {
    const file = sqlite[2].replace(/^\/\/(?=\/)/, '');
    return { kind: 'sqlite', file: file === ':memory:' ? file : path.resolve(file) } as const;
  }
  if (/^(mssql|sqlserver):\/\//.test(raw)) {
    let url: URL;
    try {
      url = new URL(raw.replace(/^sqlserver:/, 'mssql:'));
    } catch {
      problems.push(
        'DATABASE_URL: not a valid URL; expected mssql://user:password@host:1433/database',
      );
      return undefined;
    }
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    const missing = [
      !url.hostname && 'host',
      !url.username && 'user',
      !url.password && 'password',
      !database && 'database name',
    ].filter(Boolean);
    if (missing.length > 0) {
      problems.push(
        `DATABASE_URL: missing ${missing.join(', ')}; expected mssql://user:password@host:1433/database`,
      );
      return undefined;
    }
    const flag = (name: string, fallback: boolean) => {
      const v = url.searchParams.get(name);
      return v === null ? fallback : v === 'true';
    };
    return {
      kind: 'mssql',
      host: url.hostname,
      port: url.port ? Number(url.port) : 1433,
      database,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      encrypt: flag('encrypt', true),
      trustServerCertificate: flag('trustServerCertificate', false),
    } as const;
  }
  // Never echo the raw value: a schemeless string (e.g. an ADO.NET connection string) holds a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1] ?? '(none)';
  problems.push(
    `DATABASE_URL: unknown scheme "${scheme}"; use sqlite:<file> or mssql://user:password@host:1433/database`,
  );
  return undefined;
}

/** Reads a raw variable the way the schema does: empty counts as unset. */
function rawValue(raw: NodeJS.ProcessEnv, key: keyof Env): string | undefined {
  const v = raw[key];
  return v === undefined || v === '' ? undefined : v;
}

/** Checks between keys, on the raw values, so they are reported together with schema errors. */
function crossKeyProblems(raw: NodeJS.ProcessEnv): Problems {
  const problems: Problems = [];
  const has = (key: keyof Env) => rawValue(raw, key) !== undefined;
  const requireAll = (condition: boolean, keys: (keyof Env)[], why: string) => {
    if (condition) for (const key of keys) if (!has(key)) problems.push(`${key}: required ${why}`);
  };
  const botAppType = rawValue(raw, 'BOT_APP_TYPE') ?? 'MultiTenant';
  const tenant = modeOf(raw) === 'tenant';
  requireAll(tenant, ['ENTRA_CLIENT_ID', 'ENTRA_CLIENT_SECRET', 'BOT_APP_ID'], 'in tenant mode');
  requireAll(tenant, ['PUBLIC_BASE_URL'], 'in tenant mode (Graph and Teams must reach it)');
  requireAll(
    tenant && botAppType !== 'UserAssignedMSI',
    ['BOT_APP_PASSWORD'],
    'in tenant mode unless BOT_APP_TYPE=UserAssignedMSI',
  );
  requireAll(botAppType === 'SingleTenant', ['BOT_TENANT_ID'], 'when BOT_APP_TYPE=SingleTenant');
  const unsigned = rawValue(raw, 'BOT_ACCEPT_UNSIGNED');
  const saysYes = unsigned !== undefined && ['true', '1', 'yes'].includes(unsigned);
  if (saysYes && tenant) {
    problems.push(
      'BOT_ACCEPT_UNSIGNED: not allowed in tenant mode (every activity must be signed)',
    );
  }
  if (saysYes && !isLoopbackHost(hostOf(raw))) {
    problems.push('BOT_ACCEPT_UNSIGNED: needs a loopback HOST (127.0.0.1, ::1 or localhost)');
  }
  requireAll(
    rawValue(raw, 'BLOB_STORE') === 'azure',
    ['AZURE_STORAGE_CONNECTION_STRING'],
    'when BLOB_STORE=azure',
  );
  return problems;
}

/** Whether a listen address only takes connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The sandbox listens on loopback by default: it accepts what no real Microsoft service would. */
function hostOf(raw: NodeJS.ProcessEnv): string {
  return rawValue(raw, 'HOST') ?? (modeOf(raw) === 'sandbox' ? '127.0.0.1' : '0.0.0.0');
}

/** Sandbox unless Microsoft credentials are configured (or APP_MODE says otherwise). */
function modeOf(raw: NodeJS.ProcessEnv): 'sandbox' | 'tenant' {
  const explicit = rawValue(raw, 'APP_MODE');
  if (explicit === 'sandbox' || explicit === 'tenant') return explicit;
  const credentials = ['ENTRA_CLIENT_ID', 'ENTRA_CLIENT_SECRET', 'BOT_APP_ID'] as const;
  return credentials.some((k) => rawValue(raw, k) !== undefined) ? 'tenant' : 'sandbox';
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Parses the environment once; throws ConfigError listing every bad key. */
export function loadConfig(raw: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(raw);
  const problems: Problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`);
  problems.push(...crossKeyProblems(raw));
  const dataDir = path.resolve(rawValue(raw, 'DATA_DIR') ?? './.data');
  const database = parseDatabaseUrl(rawValue(raw, 'DATABASE_URL'), dataDir, problems);
  if (!parsed.success || problems.length > 0 || !database) throw new ConfigError(problems);
  const env = parsed.data;
  const mode = modeOf(raw);

  const blob: BlobConfig =
    env.BLOB_STORE === 'azure'
      ? {
          kind: 'azure',
          connectionString: env.AZURE_STORAGE_CONNECTION_STRING as string,
          container: env.AZURE_STORAGE_CONTAINER,
        }
      : { kind: 'filesystem', dir: path.resolve(env.BLOB_DIR ?? path.join(dataDir, 'blobs')) };

  return deepFreeze<Config>({
    mode,
    http: {
      host: hostOf(raw),
      port: env.PORT,
      publicBaseUrl: env.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
      bodyLimitBytes: env.HTTP_BODY_LIMIT_BYTES,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    },
    log: { level: env.LOG_LEVEL, pretty: env.LOG_PRETTY ?? Boolean(process.stdout.isTTY) },
    dataDir,
    database,
    blob,
    entra: {
      clientId: env.ENTRA_CLIENT_ID,
      clientSecret: env.ENTRA_CLIENT_SECRET,
      authorityHost: env.ENTRA_AUTHORITY_HOST.replace(/\/+$/, ''),
    },
    graph: { baseUrl: env.GRAPH_BASE_URL.replace(/\/+$/, ''), extraCaFile: env.EXTRA_CA_FILE },
    bot: {
      appId: env.BOT_APP_ID,
      appPassword: env.BOT_APP_PASSWORD,
      appType: env.BOT_APP_TYPE,
      tenantId: env.BOT_TENANT_ID,
      openIdMetadataUrl: env.BOT_OPENID_METADATA_URL,
      authorityHost: env.ENTRA_AUTHORITY_HOST.replace(/\/+$/, ''),
      teamsAppId: env.TEAMS_APP_ID,
      acceptUnsigned:
        mode === 'sandbox' && (env.BOT_ACCEPT_UNSIGNED ?? true) && isLoopbackHost(hostOf(raw)),
    },
    defaultOrganizerUpn: env.DEFAULT_ORGANIZER_UPN,
    sandbox: { port: env.SANDBOX_PORT, autostart: env.SANDBOX_AUTOSTART },
    meetings: { recoveryDelayMs: env.MEETING_RECOVERY_DELAY_MS, leaseMs: env.MEETING_LEASE_MS },
    worker: {
      enabled: env.WORKER_ENABLED,
      concurrency: env.WORKER_CONCURRENCY,
      pollMs: env.WORKER_POLL_MS,
      leaseSeconds: env.JOB_LEASE_SECONDS,
      maxAttempts: env.JOB_MAX_ATTEMPTS,
      retentionDays: env.JOB_RETENTION_DAYS,
      deadRetentionDays: env.DEAD_JOB_RETENTION_DAYS,
    },
  });
}

const SECRET = '[redacted]';

/** What is safe to log: secrets become "[redacted]", absent ones stay absent. */
export function redactedSummary(config: Config): Record<string, unknown> {
  const db = config.database;
  return {
    mode: config.mode,
    http: { ...config.http },
    dataDir: config.dataDir,
    database:
      db.kind === 'sqlite'
        ? { kind: db.kind, file: db.file }
        : {
            kind: db.kind,
            host: db.host,
            port: db.port,
            database: db.database,
            user: db.user,
            password: SECRET,
            encrypt: db.encrypt,
          },
    blob:
      config.blob.kind === 'azure'
        ? { kind: 'azure', container: config.blob.container, connectionString: SECRET }
        : { ...config.blob },
    entra: {
      clientId: config.entra.clientId,
      clientSecret: config.entra.clientSecret ? SECRET : undefined,
      authorityHost: config.entra.authorityHost,
    },
    graph: { ...config.graph },
    bot: {
      appId: config.bot.appId,
      appPassword: config.bot.appPassword ? SECRET : undefined,
      appType: config.bot.appType,
      tenantId: config.bot.tenantId,
      openIdMetadataUrl: config.bot.openIdMetadataUrl,
      acceptUnsigned: config.bot.acceptUnsigned,
    },
    defaultOrganizerUpn: config.defaultOrganizerUpn,
    worker: { ...config.worker },
  };
}

/** What the sandbox tells a product about itself (`GET /_sandbox/info`), as far as config needs. */
export interface SandboxEndpoints {
  app: { clientId: string; clientSecret: string; botId: string };
  urls: { graph: string; authorityHost: string; botOpenIdMetadata: string; connector: string };
  caFile: string;
}

/** The config with every Microsoft endpoint pointed at a running sandbox (sandbox mode only). */
export function withSandbox(config: Config, sandbox: SandboxEndpoints): Config {
  return deepFreeze<Config>({
    ...config,
    entra: {
      clientId: sandbox.app.clientId,
      clientSecret: sandbox.app.clientSecret,
      authorityHost: sandbox.urls.authorityHost.replace(/\/+$/, ''),
    },
    graph: { baseUrl: sandbox.urls.graph.replace(/\/+$/, ''), extraCaFile: sandbox.caFile },
    bot: {
      ...config.bot,
      // The sandbox registers one app; its client id is also the bot's id.
      appId: config.bot.appId ?? sandbox.app.botId,
      appPassword: config.bot.appPassword ?? sandbox.app.clientSecret,
      openIdMetadataUrl: sandbox.urls.botOpenIdMetadata,
      authorityHost: sandbox.urls.authorityHost.replace(/\/+$/, ''),
    },
    sandbox: { ...config.sandbox, url: sandbox.urls.graph, connectorUrl: sandbox.urls.connector },
  });
}
