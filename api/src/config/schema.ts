import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const httpsUrl = z
  .url({ message: 'expected an absolute URL' })
  .refine((v) => v.startsWith('https://'), { message: 'must be an https:// URL' });
const guid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'expected a GUID');
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** Every environment variable the product reads, in one place. Empty strings count as unset. */
export const envSchema = z.object({
  APP_MODE: optional(z.enum(['sandbox', 'tenant'])),
  HOST: optional(z.string().min(1)),
  PORT: optional(port).default(3978),
  PUBLIC_BASE_URL: optional(httpsUrl),
  LOG_LEVEL: optional(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  ).default('info'),
  LOG_PRETTY: optional(bool),
  DATA_DIR: optional(z.string().min(1)).default('./.data'),
  DATABASE_URL: optional(z.string().min(1)),
  BLOB_STORE: optional(z.enum(['filesystem', 'azure'])).default('filesystem'),
  BLOB_DIR: optional(z.string().min(1)),
  AZURE_STORAGE_CONNECTION_STRING: optional(z.string().min(1)),
  AZURE_STORAGE_CONTAINER: optional(
    z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'not a valid container name'),
  ).default('artifacts'),
  ENTRA_CLIENT_ID: optional(guid),
  ENTRA_CLIENT_SECRET: optional(z.string().min(1)),
  ENTRA_AUTHORITY_HOST: optional(httpsUrl).default('https://login.microsoftonline.com'),
  GRAPH_BASE_URL: optional(httpsUrl).default('https://graph.microsoft.com'),
  EXTRA_CA_FILE: optional(z.string().min(1)),
  BOT_APP_ID: optional(guid),
  BOT_APP_PASSWORD: optional(z.string().min(1)),
  BOT_APP_TYPE: optional(z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI'])).default(
    'MultiTenant',
  ),
  BOT_TENANT_ID: optional(guid),
  BOT_OPENID_METADATA_URL: optional(httpsUrl),
  BOT_ACCEPT_UNSIGNED: optional(bool),
  TEAMS_APP_ID: optional(guid),
  DEFAULT_ORGANIZER_UPN: optional(z.email({ message: 'expected a user principal name' })),
  SANDBOX_PORT: optional(port).default(3979),
  SANDBOX_AUTOSTART: optional(bool).default(true),
  WORKER_ENABLED: optional(bool).default(true),
  WORKER_CONCURRENCY: optional(positiveInt.max(64)).default(4),
  WORKER_POLL_MS: optional(positiveInt.max(60_000)).default(1000),
  JOB_LEASE_SECONDS: optional(positiveInt.min(5).max(3600)).default(60),
  JOB_MAX_ATTEMPTS: optional(positiveInt.max(100)).default(8),
  JOB_RETENTION_DAYS: optional(positiveInt.max(3650)).default(7),
  DEAD_JOB_RETENTION_DAYS: optional(positiveInt.max(3650)).default(30),
  MEETING_RECOVERY_DELAY_MS: optional(positiveInt.max(24 * 3600_000)).default(120_000),
  MEETING_LEASE_MS: optional(positiveInt.min(3000).max(3600_000)).default(180_000),
  HTTP_BODY_LIMIT_BYTES: optional(positiveInt.max(64 * 1024 * 1024)).default(1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: optional(positiveInt.max(120_000)).default(8000),
});

export type Env = z.infer<typeof envSchema>;
