import path from 'node:path';
import { ConfigError, loadConfig, redactedSummary, type Config } from '../../api/src/config';

const CLIENT_ID = '11111111-2222-4333-8444-555555555555';
const BOT_ID = '66666666-7777-4888-8999-aaaaaaaaaaaa';
const BOT_TENANT = 'bbbbbbbb-cccc-4ddd-8eee-ffffffffffff';

/** A complete tenant-mode environment; each test removes or breaks what it is about. */
const tenantEnv = {
  ENTRA_CLIENT_ID: CLIENT_ID,
  ENTRA_CLIENT_SECRET: 'entra-client-secret-value',
  BOT_APP_ID: BOT_ID,
  BOT_APP_PASSWORD: 'bot-app-password-value',
  PUBLIC_BASE_URL: 'https://crm.example.com/',
};

/** The problems a ConfigError lists; fails the test when the environment is accepted. */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig defaults', () => {
  it('starts in sandbox mode on port 3978 of loopback only, with no credentials', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('sandbox');
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 3978, publicBaseUrl: undefined });
    expect(config.log.level).toBe('info');
    expect(config.blob.kind).toBe('filesystem');
    expect(config.entra.clientId).toBeUndefined();
    expect(config.bot).toMatchObject({ appType: 'MultiTenant', appId: undefined });
    expect(config.bot.acceptUnsigned).toBe(true);
  });

  it('accepts unsigned bot activities only in sandbox mode on a loopback listener', () => {
    expect(loadConfig({ HOST: '0.0.0.0' }).bot.acceptUnsigned).toBe(false);
    expect(loadConfig({ BOT_ACCEPT_UNSIGNED: 'false' }).bot.acceptUnsigned).toBe(false);
    expect(() => loadConfig({ HOST: '0.0.0.0', BOT_ACCEPT_UNSIGNED: 'true' })).toThrow(
      /BOT_ACCEPT_UNSIGNED: needs a loopback HOST/,
    );
    expect(() =>
      loadConfig({
        APP_MODE: 'tenant',
        HOST: '127.0.0.1',
        BOT_ACCEPT_UNSIGNED: 'true',
        ENTRA_CLIENT_ID: '11111111-1111-1111-1111-111111111111',
        ENTRA_CLIENT_SECRET: 's',
        BOT_APP_ID: '11111111-1111-1111-1111-111111111111',
        BOT_APP_PASSWORD: 'p',
        PUBLIC_BASE_URL: 'https://bot.example.com',
      }),
    ).toThrow(/BOT_ACCEPT_UNSIGNED: not allowed in tenant mode/);
    const tenant = loadConfig({
      ENTRA_CLIENT_ID: '11111111-1111-1111-1111-111111111111',
      ENTRA_CLIENT_SECRET: 's',
      BOT_APP_ID: '11111111-1111-1111-1111-111111111111',
      BOT_APP_PASSWORD: 'p',
      PUBLIC_BASE_URL: 'https://bot.example.com',
    });
    expect(tenant.http.host).toBe('0.0.0.0');
    expect(tenant.bot.acceptUnsigned).toBe(false);
  });

  it('keeps the SQLite file at <DATA_DIR>/interactions.db as an absolute path', () => {
    expect(loadConfig({}).database).toEqual({
      kind: 'sqlite',
      file: path.resolve('.data', 'interactions.db'),
    });
    const relative = loadConfig({ DATA_DIR: 'var/app-data' });
    expect(relative.dataDir).toBe(path.resolve('var/app-data'));
    expect(relative.database).toEqual({
      kind: 'sqlite',
      file: path.resolve('var/app-data', 'interactions.db'),
    });
    expect(path.isAbsolute((relative.database as { file: string }).file)).toBe(true);
  });

  it('accepts sqlite: and file: database URLs and resolves them to absolute paths', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:db/crm.db' }).database).toEqual({
      kind: 'sqlite',
      file: path.resolve('db/crm.db'),
    });
    expect(loadConfig({ DATABASE_URL: 'file:///srv/crm.db' }).database).toEqual({
      kind: 'sqlite',
      file: path.resolve('/srv/crm.db'),
    });
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database).toEqual({
      kind: 'sqlite',
      file: ':memory:',
    });
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig({
      APP_MODE: '',
      PORT: '',
      LOG_LEVEL: '',
      DATABASE_URL: '',
      ENTRA_CLIENT_ID: '',
      ENTRA_CLIENT_SECRET: '',
      BOT_APP_ID: '',
      PUBLIC_BASE_URL: '',
      BLOB_STORE: '',
    });
    expect(config).toEqual(loadConfig({}));
    expect(config.mode).toBe('sandbox');
    expect(config.http.port).toBe(3978);
  });
});

describe('loadConfig in tenant mode', () => {
  it('accepts a complete tenant environment and trims the trailing slash of PUBLIC_BASE_URL', () => {
    const config = loadConfig(tenantEnv);
    expect(config.mode).toBe('tenant');
    expect(config.http.publicBaseUrl).toBe('https://crm.example.com');
    expect(config.entra).toMatchObject({ clientId: CLIENT_ID });
    expect(config.bot).toMatchObject({ appId: BOT_ID, appType: 'MultiTenant' });
  });

  it('is inferred from ENTRA_CLIENT_ID and lists every missing key in one ConfigError', () => {
    let error: unknown;
    try {
      loadConfig({ ENTRA_CLIENT_ID: CLIENT_ID });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message, name } = error as ConfigError;
    expect(name).toBe('ConfigError');
    const keys = problems.map((p) => p.split(':')[0]);
    expect(keys.sort()).toEqual(
      ['BOT_APP_ID', 'BOT_APP_PASSWORD', 'ENTRA_CLIENT_SECRET', 'PUBLIC_BASE_URL'].sort(),
    );
    for (const problem of problems) expect(message).toContain(`  - ${problem}`);
    expect(problems).toContain('ENTRA_CLIENT_SECRET: required in tenant mode');
  });

  it('counts an empty secret as missing', () => {
    expect(problemsOf({ ...tenantEnv, ENTRA_CLIENT_SECRET: '' })).toEqual([
      'ENTRA_CLIENT_SECRET: required in tenant mode',
    ]);
  });

  it('does not need BOT_APP_PASSWORD when the bot uses a managed identity', () => {
    const env = { ...tenantEnv, BOT_APP_PASSWORD: undefined, BOT_APP_TYPE: 'UserAssignedMSI' };
    expect(loadConfig(env).bot).toMatchObject({ appType: 'UserAssignedMSI' });
  });

  it('stays in sandbox mode when APP_MODE says so, even with credentials', () => {
    expect(loadConfig({ APP_MODE: 'sandbox', ENTRA_CLIENT_ID: CLIENT_ID }).mode).toBe('sandbox');
  });
});

describe('loadConfig rejects bad values, naming the key', () => {
  it.each([
    ['PORT=abc', { PORT: 'abc' }, /^PORT: .*number/],
    ['PORT=70000', { PORT: '70000' }, /^PORT: .*65535/],
    ['LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }, /^LOG_LEVEL: .*"info"/],
    [
      'DATABASE_URL with an unknown scheme',
      { DATABASE_URL: 'postgres://x' },
      /^DATABASE_URL: unknown scheme "postgres"; use sqlite:<file> or mssql:\/\/user:password@host:1433\/database$/,
    ],
    [
      'an mssql DATABASE_URL without a password',
      { DATABASE_URL: 'mssql://app@sql.example.net/crm' },
      /^DATABASE_URL: missing password; expected mssql:\/\//,
    ],
    [
      'an http PUBLIC_BASE_URL',
      { PUBLIC_BASE_URL: 'http://crm.example.com' },
      /^PUBLIC_BASE_URL: must be an https:\/\/ URL$/,
    ],
    [
      'an ENTRA_CLIENT_ID that is not a GUID',
      { APP_MODE: 'sandbox', ENTRA_CLIENT_ID: 'my-app' },
      /^ENTRA_CLIENT_ID: expected a GUID$/,
    ],
    [
      'BOT_APP_TYPE=SingleTenant without BOT_TENANT_ID',
      { BOT_APP_TYPE: 'SingleTenant' },
      /^BOT_TENANT_ID: required when BOT_APP_TYPE=SingleTenant$/,
    ],
    [
      'BLOB_STORE=azure without a connection string',
      { BLOB_STORE: 'azure' },
      /^AZURE_STORAGE_CONNECTION_STRING: required when BLOB_STORE=azure$/,
    ],
  ])('%s', (_label, env, expected) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it('lists several bad keys at once', () => {
    const problems = problemsOf({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      ENTRA_CLIENT_ID: 'my-app',
      PUBLIC_BASE_URL: 'http://crm.example.com',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'BOT_APP_ID',
      'BOT_APP_PASSWORD',
      'ENTRA_CLIENT_ID',
      'ENTRA_CLIENT_SECRET',
      'LOG_LEVEL',
      'PORT',
      'PUBLIC_BASE_URL',
    ]);
  });

  it('reports malformed values together with the keys that depend on others', () => {
    const problems = problemsOf({ PORT: 'abc', BLOB_STORE: 'azure', DATABASE_URL: 'postgres://x' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'AZURE_STORAGE_CONNECTION_STRING',
      'DATABASE_URL',
      'PORT',
    ]);
  });

  it('lists several missing or malformed dependent keys at once', () => {
    const problems = problemsOf({
      BOT_APP_TYPE: 'SingleTenant',
      BLOB_STORE: 'azure',
      DATABASE_URL: 'postgres://x',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'AZURE_STORAGE_CONNECTION_STRING',
      'BOT_TENANT_ID',
      'DATABASE_URL',
    ]);
  });

  it('never echoes a database password in its messages', () => {
    for (const url of [
      'mssql://app:hunter2-secret@sql.example.net',
      'postgres://app:hunter2-secret@db.example.net/crm',
      '//app:hunter2-secret@sql.example.net/crm',
      'Server=tcp:sql.example.net,1433;Database=crm;User ID=app;Password=hunter2-secret',
    ]) {
      const error = (() => {
        try {
          loadConfig({ DATABASE_URL: url });
        } catch (err) {
          return err as Error;
        }
        throw new Error(`expected ${url} to be rejected`);
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).not.toContain('hunter2-secret');
    }
  });
});

describe('mssql DATABASE_URL', () => {
  it('parses host, default port 1433, database and url-decoded credentials, encrypted by default', () => {
    const config = loadConfig({
      DATABASE_URL: 'mssql://app%40corp:p%40ss%3Aw%2Frd@sql.example.net/crm%20prod',
    });
    expect(config.database).toEqual({
      kind: 'mssql',
      host: 'sql.example.net',
      port: 1433,
      database: 'crm prod',
      user: 'app@corp',
      password: 'p@ss:w/rd',
      encrypt: true,
      trustServerCertificate: false,
    });
  });

  it('honours an explicit port, encrypt=false and trustServerCertificate=true', () => {
    const config = loadConfig({
      DATABASE_URL:
        'sqlserver://app:secret@localhost:14330/crm?encrypt=false&trustServerCertificate=true',
    });
    expect(config.database).toMatchObject({
      kind: 'mssql',
      host: 'localhost',
      port: 14330,
      database: 'crm',
      encrypt: false,
      trustServerCertificate: true,
    });
  });

  it('names every missing part of the URL', () => {
    expect(problemsOf({ DATABASE_URL: 'mssql://sql.example.net' })).toEqual([
      'DATABASE_URL: missing user, password, database name; expected mssql://user:password@host:1433/database',
    ]);
  });
});

describe('the loaded config', () => {
  it('is deeply frozen: assigning throws in strict mode and changes nothing', () => {
    const config = loadConfig({ DATABASE_URL: 'mssql://app:secret@sql.example.net/crm' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);

    const mutable = config as { -readonly [K in keyof Config]: Config[K] } & {
      http: { port: number };
    };
    expect(() => {
      mutable.mode = 'tenant';
    }).toThrow(TypeError);
    expect(() => {
      mutable.http.port = 1;
    }).toThrow(TypeError);
    expect(config.mode).toBe('sandbox');
    expect(config.http.port).toBe(3978);
  });
});

describe('redactedSummary', () => {
  const secrets = {
    entra: 'entra-client-secret-value',
    bot: 'bot-app-password-value',
    sql: 'Sql-P@ss:word-123',
    azureKey: 'QXp1cmVTdG9yYWdlS2V5VmFsdWU=',
  };
  const connectionString = `DefaultEndpointsProtocol=https;AccountName=crmstore;AccountKey=${secrets.azureKey};EndpointSuffix=core.windows.net`;
  const config = () =>
    loadConfig({
      ...tenantEnv,
      ENTRA_CLIENT_SECRET: secrets.entra,
      BOT_APP_PASSWORD: secrets.bot,
      PORT: '8443',
      DATABASE_URL: `mssql://crm_app:${encodeURIComponent(secrets.sql)}@sql.example.net/crm`,
      BLOB_STORE: 'azure',
      AZURE_STORAGE_CONNECTION_STRING: connectionString,
    });

  it('contains no secret when serialised', () => {
    const json = JSON.stringify(redactedSummary(config()));
    for (const secret of [
      secrets.entra,
      secrets.bot,
      secrets.sql,
      encodeURIComponent(secrets.sql),
      connectionString,
      secrets.azureKey,
    ]) {
      expect(json).not.toContain(secret);
    }
  });

  it('keeps the non-secret facts and marks secrets as redacted', () => {
    const summary = redactedSummary(config());
    expect(summary).toMatchObject({
      mode: 'tenant',
      http: { port: 8443, publicBaseUrl: 'https://crm.example.com' },
      database: {
        kind: 'mssql',
        host: 'sql.example.net',
        port: 1433,
        database: 'crm',
        password: '[redacted]',
      },
      blob: { kind: 'azure', container: 'artifacts', connectionString: '[redacted]' },
      entra: { clientId: CLIENT_ID, clientSecret: '[redacted]' },
      bot: { appId: BOT_ID, appPassword: '[redacted]' },
    });
  });

  it('leaves absent secrets absent in sandbox mode', () => {
    const summary = redactedSummary(loadConfig({})) as {
      entra: Record<string, unknown>;
      bot: Record<string, unknown>;
    };
    expect(summary.entra.clientSecret).toBeUndefined();
    expect(summary.bot.appPassword).toBeUndefined();
    expect(JSON.stringify(summary)).not.toContain('[redacted]');
  });

  it('still lists the bot tenant for a single-tenant bot', () => {
    const summary = redactedSummary(
      loadConfig({ ...tenantEnv, BOT_APP_TYPE: 'SingleTenant', BOT_TENANT_ID: BOT_TENANT }),
    );
    expect(summary).toMatchObject({ bot: { appType: 'SingleTenant', tenantId: BOT_TENANT } });
  });
});
