import { Dialect, init, parse } from '@polyglot-sql/sdk';
import type { DataSource, MigrationInterface, QueryRunner, Table } from 'typeorm';
import { Query } from 'typeorm/driver/Query';
import type { SqlInMemory } from 'typeorm/driver/SqlInMemory';
import { createDataSource } from '../../api/src/data/data-source';
import { migrations } from '../../migrations';
import { mssqlClaimSql } from '../../api/src/data/job-store';
import { MSSQL_MIGRATION_LOCK_SQL } from '../../api/src/data/data-source';
import { ALL_TABLES } from '../helpers/schema';

// SQL Server DDL is generated offline: an mssql DataSource constructs without connecting, and a query
// runner in "SQL memory" mode records statements instead of sending them. Each migration's up and down
// SQL is parsed as T-SQL, checked for rules the (lenient) parser does not know, and snapshotted so any
// change to the SQL Server schema shows in review.
//
// A migration's own `queryRunner.query(...)` (data fixes) is recorded too, like the Table API's SQL.

// ---- Offline query runner ------------------------------------------------------------------------

/**
 * A query runner that records SQL and never connects. Stubbed, because they read the live catalogue:
 * `getCachedTable` (used by dropTable, addColumn, createIndex, …), `hasTable` (createTable/dropTable
 * with ifNotExist/ifExist), and `getCurrentDatabase`/`getCurrentSchema` (renames, generated columns).
 * The table lookups answer from the runner's own `loadedTables`, which the `createTable`/`dropTable`
 * wrappers keep up to date; TypeORM's own `replaceCachedTable` updates it after every alter.
 */
function offlineQueryRunner(
  dataSource: DataSource,
  database: string,
): { qr: QueryRunner; tables: Table[] } {
  const qr = dataSource.createQueryRunner();
  qr.enableSqlMemory();
  // TypeORM's per-runner table cache (public on BaseQueryRunner, not on the QueryRunner interface).
  const tables: Table[] = (qr as unknown as { loadedTables: Table[] }).loadedTables;
  const nameOf = (t: Table | string) => (typeof t === 'string' ? t : t.name);
  const find = (name: string) => tables.find((t) => t.name === name);
  const stubbed = qr as unknown as {
    getCachedTable(name: string): Promise<Table>;
    hasTable(t: Table | string): Promise<boolean>;
    getCurrentDatabase(): Promise<string>;
    getCurrentSchema(): Promise<string>;
  };
  stubbed.getCachedTable = async (name) => {
    const table = find(name);
    if (!table) throw new Error(`Table "${name}" does not exist (offline schema model)`);
    return table;
  };
  stubbed.hasTable = async (t) => find(nameOf(t)) !== undefined;
  stubbed.getCurrentDatabase = async () => database;
  stubbed.getCurrentSchema = async () => 'dbo';
  // TypeORM sends raw queries even in SQL memory mode; offline they are recorded instead.
  (qr as unknown as { query(sql: string): Promise<unknown[]> }).query = async (sql) => {
    (qr as unknown as { sqlInMemory: SqlInMemory }).sqlInMemory.upQueries.push(new Query(sql));
    return [];
  };
  const createTable = qr.createTable.bind(qr);
  qr.createTable = async (table, ...rest) => {
    const existed = find(table.name) !== undefined;
    await createTable(table, ...rest);
    if (!existed) tables.push(table.clone());
  };
  const dropTable = qr.dropTable.bind(qr);
  qr.dropTable = async (table, ...rest) => {
    await dropTable(table, ...rest);
    const i = tables.findIndex((t) => t.name === nameOf(table));
    if (i >= 0) tables.splice(i, 1);
  };
  return { qr, tables };
}

/** Runs one direction of a migration and returns the statements it would send to SQL Server. */
async function recordSql(qr: QueryRunner, run: (qr: QueryRunner) => Promise<unknown>) {
  qr.clearSqlMemory();
  await run(qr);
  // TypeORM leaves a trailing space on unfiltered CREATE INDEX; trimmed so the snapshot survives editors.
  return qr.getMemorySql().upQueries.map((q) => q.query.trimEnd());
}

interface Generated {
  name: string;
  up: string[];
  down: string[];
  tablesBefore: string[];
  tablesAfterDown: string[];
}

/** Up and down SQL of every migration, each run against the schema the migrations before it built. */
async function generateAll(): Promise<{ generated: Generated[]; finalTables: string[] }> {
  const db = {
    kind: 'mssql',
    host: 'offline.invalid',
    port: 1433,
    database: 'ddl',
    user: 'offline',
    password: 'offline',
    encrypt: true,
    trustServerCertificate: false,
  } as const;
  const { dataSource } = createDataSource(db);
  const { qr, tables } = offlineQueryRunner(dataSource, db.database);
  const names = () => tables.map((t) => t.name).sort();
  const generated: Generated[] = [];
  for (const M of migrations as (new () => MigrationInterface)[]) {
    const migration = new M();
    const name = migration.name ?? M.name;
    const tablesBefore = names();
    const up = await recordSql(qr, (r) => migration.up(r));
    const down = await recordSql(qr, (r) => migration.down(r));
    const tablesAfterDown = names();
    await recordSql(qr, (r) => migration.up(r)); // back to "applied" for the next migration
    generated.push({ name, up, down, tablesBefore, tablesAfterDown });
  }
  await qr.release();
  return { generated, finalTables: names() };
}

/** Parses one statement as T-SQL (`Dialect.TSQL` is the string 'tsql'). */
const tsql = (sql: string) => parse(sql, Dialect.TSQL);

// ---- Reading the parser's AST ---------------------------------------------------------------------

interface Ident {
  name: string;
}
interface DataType {
  data_type: string;
  name?: string;
  length?: number | null;
}
interface ColumnDef {
  name: Ident;
  data_type: DataType;
  constraint_order?: string[];
}
interface CreateTable {
  name: { name: Ident };
  columns: ColumnDef[];
  constraints?: Record<string, { name?: Ident; columns?: Ident[] }>[];
}
interface CreateIndex {
  name: Ident;
  table: { name: Ident };
  columns: { column: Ident }[];
  unique?: boolean;
  where_clause?: unknown;
}
interface AlterTable {
  name: { name: Ident };
  actions: Record<string, { column?: ColumnDef }>[];
}
type Statement = {
  create_table?: CreateTable;
  create_index?: CreateIndex;
  alter_table?: AlterTable;
};

/** The column type as SQL Server spells it, lower case: `nvarchar(320)`, `varchar(36)`, `bit`. */
function typeOf(dt: DataType): string {
  if (dt.data_type === 'custom') return (dt.name ?? '').toLowerCase().replace(/\s+/g, '');
  const base = {
    var_char: 'varchar',
    big_int: 'bigint',
    small_int: 'smallint',
    tiny_int: 'tinyint',
  }[dt.data_type];
  const name = base ?? dt.data_type.replace(/_/g, '');
  return dt.length == null ? name : `${name}(${dt.length})`;
}

/** Bytes a value of this type may take in an index key (SQL Server's 900/1700-byte limits). */
function keyBytes(type: string): number {
  const m = /^(n?)(?:var)?char\((\d+)\)$/.exec(type);
  if (m) return Number(m[2]) * (m[1] ? 2 : 1);
  const fixed: Record<string, number> = {
    bit: 1,
    tinyint: 1,
    smallint: 2,
    int: 4,
    bigint: 8,
    datetime2: 8,
  };
  if (type in fixed) return fixed[type];
  throw new Error(`no key size known for ${type}`);
}

const NOT_NULL = (c: ColumnDef) => c.constraint_order?.includes('NotNull') ?? false;

// ---- Rules ----------------------------------------------------------------------------------------

/** Tables without a tenant-first key by design (DESIGN.md §4): the cross-tenant job queue. */
const KEYED_BY_DESIGN: Record<string, string[]> = { jobs: ['job_id'] };
/** Tables whose indexes need not lead with tenant_id: the job queue is claimed across tenants. */
const CROSS_TENANT_INDEXES = new Set(['jobs']);
/** Columns holding text people write or read (names, subjects, messages, payloads): Unicode. */
const HUMAN_TEXT = new Set([
  'display_name',
  'company_name',
  'name',
  'email',
  'title',
  'notes',
  'subject',
  'speaker',
  'text',
  'detail',
  'organizer_upn',
  'resource',
  'reference',
  'payload',
  'last_error',
  'last_error_message',
]);
const BOOLEANS = new Set([
  'auto_record',
  'auto_transcribe',
  'retention_copy',
  'include_resource_data',
]);
const isTimestampName = (column: string) => /_at$/.test(column) || column === 'run_after';
const DATE_TYPES =
  /^(date|time|datetime|datetime2|smalldatetime|datetimeoffset|timestamp)(\(\d+\))?$/;

/** Applies every structural rule to one migration direction; returns readable violations. */
function violations(sql: string[], columns: Map<string, Map<string, ColumnDef>>): string[] {
  const out: string[] = [];
  const checkColumn = (table: string, c: ColumnDef) => {
    const column = c.name.name;
    const type = typeOf(c.data_type);
    const where = `${table}.${column} ${type}`;
    if (/\(max\)$/.test(type) || /^n?text$/.test(type)) out.push(`${where}: unbounded string type`);
    if (/^n?(var)?char$/.test(type)) out.push(`${where}: string without a length`);
    if (DATE_TYPES.test(type) && type !== 'datetime2')
      out.push(`${where}: timestamps must be datetime2`);
    if (isTimestampName(column) && type !== 'datetime2') out.push(`${where}: expected datetime2`);
    if (/^bool/.test(type)) out.push(`${where}: booleans must be bit`);
    if (BOOLEANS.has(column) && type !== 'bit') out.push(`${where}: expected bit`);
    if (HUMAN_TEXT.has(column) && !/^nvarchar\(\d+\)$/.test(type))
      out.push(`${where}: human text must be nvarchar(n)`);
  };

  for (const statement of sql) {
    if (/\bCREATE\s+TYPE\b/i.test(statement) || /\bENUM\s*\(/i.test(statement))
      out.push(`native enum/type: ${statement}`);
    const result = tsql(statement);
    if (!result.success) continue; // reported by the parse assertion
    const node = (result.ast as unknown as Statement[])[0] ?? {};

    if (node.create_table) {
      const t = node.create_table;
      const table = t.name.name.name;
      const cols = new Map(t.columns.map((c) => [c.name.name, c]));
      columns.set(table, cols);
      for (const c of t.columns) checkColumn(table, c);
      const pks = (t.constraints ?? []).filter((c) => c.PrimaryKey).map((c) => c.PrimaryKey);
      if (pks.length !== 1) {
        out.push(`${table}: expected one PRIMARY KEY, found ${pks.length}`);
        continue;
      }
      const key = (pks[0].columns ?? []).map((c) => c.name);
      if (KEYED_BY_DESIGN[table]) {
        if (key.join() !== KEYED_BY_DESIGN[table].join())
          out.push(`${table}: key (${key}) should be (${KEYED_BY_DESIGN[table]})`);
      } else if (cols.has('tenant_id') && key[0] !== 'tenant_id') {
        out.push(`${table}: primary key (${key}) does not lead with tenant_id`);
      }
      // A PRIMARY KEY is clustered by default: SQL Server caps its key at 900 bytes.
      const bytes = key.reduce((n, k) => n + keyBytes(typeOf(cols.get(k)!.data_type)), 0);
      if (bytes > 900) out.push(`${table}: clustered primary key is ${bytes} bytes (> 900)`);
      for (const c of t.constraints ?? []) {
        const [kind, body] = Object.entries(c)[0];
        const prefix = { Check: 'CHK', ForeignKey: 'FK' }[kind];
        if (prefix && !body.name?.name.startsWith(`${prefix}_${table}_`))
          out.push(`${table}: ${kind} constraint named ${body.name?.name ?? '(generated)'}`);
      }
    }

    if (node.alter_table) {
      const table = node.alter_table.name.name.name;
      for (const action of node.alter_table.actions) {
        const added = action.AddColumn?.column;
        if (!added) continue;
        checkColumn(table, added);
        if (!columns.has(table)) columns.set(table, new Map());
        columns.get(table)!.set(added.name.name, added);
      }
    }

    if (node.create_index) {
      const ix = node.create_index;
      const table = ix.table.name.name;
      const name = ix.name.name;
      const keys = ix.columns.map((c) => c.column.name);
      const cols = columns.get(table);
      if (!name.startsWith(`IX_${table}_`)) out.push(`${table}: index named ${name}`);
      if (!cols) {
        out.push(`${name}: table ${table} not created in this SQL`);
        continue;
      }
      if (cols.has('tenant_id') && !CROSS_TENANT_INDEXES.has(table) && keys[0] !== 'tenant_id')
        out.push(`${name}: index (${keys}) does not lead with tenant_id`);
      // SQL Server treats NULLs as equal in a unique index: one NULL row only, unless filtered.
      const nullable = keys.filter((k) => cols.get(k) && !NOT_NULL(cols.get(k)!));
      if (ix.unique && nullable.length > 0 && !ix.where_clause)
        out.push(`${name}: unique over nullable (${nullable}) needs a WHERE filter`);
      const bytes = keys.reduce((n, k) => n + keyBytes(typeOf(cols.get(k)!.data_type)), 0);
      if (bytes > 1700) out.push(`${name}: nonclustered key is ${bytes} bytes (> 1700)`);
    }
  }
  return out;
}

// ---- Tests ---------------------------------------------------------------------------------------

describe('SQL Server DDL generated from the migrations (offline)', () => {
  let generated: Generated[];
  let finalTables: string[];

  beforeAll(async () => {
    // polyglot is a 22 MB wasm module: V8 keeps optimising it in the background for ~1 s after the
    // last parse, so a jest worker that ends right after this file may report "failed to exit
    // gracefully". That is compile time, not a leaked handle (none: see --detectOpenHandles).
    await init();
    ({ generated, finalTables } = await generateAll());
  });

  it('rejects malformed T-SQL, so a passing parse means something', () => {
    expect(tsql('CREATE TABLE (').success).toBe(false);
    expect(tsql('CREATE TABLE "t" ("a" int NOT NULL, "b" int').success).toBe(false);
  });

  it('generates T-SQL for every migration, up and down, that parses statement by statement', () => {
    expect(generated).toHaveLength(migrations.length);
    const failures: string[] = [];
    for (const m of generated) {
      expect(m.up.length).toBeGreaterThan(0);
      for (const [direction, sql] of [
        ['up', m.up],
        ['down', m.down],
      ] as const) {
        for (const statement of sql) {
          const result = tsql(statement);
          if (!result.success)
            failures.push(`${m.name} ${direction}: ${result.error}\n  ${statement}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('keeps tenant-first primary keys and indexes, datetime2, bit, nvarchar for human text, no enums, filtered unique indexes on nullable columns and index keys within SQL Server limits', () => {
    const columns = new Map<string, Map<string, ColumnDef>>();
    const problems = generated.flatMap((m) => [
      ...violations(m.up, columns).map((p) => `${m.name} up: ${p}`),
      ...violations(m.down, new Map(columns)).map((p) => `${m.name} down: ${p}`),
    ]);
    expect(problems).toEqual([]);
  });

  it('declares the filtered unique indexes with their WHERE clause', () => {
    const up = generated.flatMap((m) => m.up);
    const filtered = (name: string) =>
      up.some((s) => s.startsWith(`CREATE UNIQUE INDEX "${name}" ON `) && / WHERE .+$/.test(s));
    const names = [
      'IX_clients_email_domain',
      'IX_online_meetings_provider_meeting',
      'IX_graph_subscriptions_graph_id',
      'IX_jobs_pending_dedupe',
    ];
    expect(names.filter((n) => !filtered(n))).toEqual([]);
  });

  it('drops in each down exactly what its up created, and builds every table of the data model', () => {
    for (const m of generated) expect(m.tablesAfterDown).toEqual(m.tablesBefore);
    expect(finalTables).toEqual(ALL_TABLES);
  });

  it('matches the reviewed SQL Server DDL snapshot for every migration', () => {
    for (const m of generated) {
      const text = [
        `-- up`,
        ...m.up.map((s) => `${s};`),
        ``,
        `-- down`,
        ...m.down.map((s) => `${s};`),
      ];
      expect(text.join('\n')).toMatchSnapshot(m.name);
    }
  });
});

describe('SQL Server job claim (offline)', () => {
  beforeAll(async () => {
    await init();
  });

  it('parses as T-SQL and claims with UPDLOCK, READPAST, ROWLOCK, only the given kinds, returning the claimed ids', () => {
    const claim = mssqlClaimSql(3);
    const result = tsql(claim);
    expect(result.error ?? null).toBeNull();
    expect(result.success).toBe(true);
    const sql = claim.replace(/\s+/g, ' ');
    expect(sql).toMatch(/SELECT TOP \(@3\) .* FROM jobs j WITH \(UPDLOCK, READPAST, ROWLOCK\)/);
    expect(sql).toMatch(/j\.kind IN \(@4, @5, @6\)/);
    expect(sql).toMatch(/OUTPUT inserted\.job_id;$/);
  });

  it('locks the running-peer probe without skipping locked rows, so a peer another claim holds is never taken for absent', () => {
    const sql = mssqlClaimSql(1).replace(/\s+/g, ' ');
    expect(sql).toMatch(/NOT EXISTS \( SELECT 1 FROM jobs r WITH \(UPDLOCK, ROWLOCK\) WHERE/);
  });

  it('takes the migration lock with sp_getapplock, owned by a transaction, and reads its result', () => {
    for (const statement of MSSQL_MIGRATION_LOCK_SQL.split(';')
      .map((x) => x.trim())
      .filter(Boolean)) {
      const result = tsql(statement);
      expect(result.error ?? null).toBeNull();
    }
    expect(MSSQL_MIGRATION_LOCK_SQL).toMatch(
      /EXEC @result = sp_getapplock @Resource = N'[^']+', @LockMode = 'Exclusive', @LockOwner = 'Transaction'/,
    );
  });
});
