import type { EntitySchemaColumnOptions, ValueTransformer } from 'typeorm';

/** The two database dialects the product runs on. */
export type Dialect = 'sqlite' | 'mssql';

type Opts = Partial<EntitySchemaColumnOptions>;

/** SQL Server returns BIGINT as a string; the domain wants a number. */
const bigintAsNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? null : Number(v)),
};

/** Column builders whose types match what the migrations create on each dialect. */
export function columnBuilders(dialect: Dialect) {
  const mssql = dialect === 'mssql';
  return {
    id: (name: string, o: Opts = {}): EntitySchemaColumnOptions => ({
      name,
      type: 'varchar',
      length: 36,
      ...o,
    }),
    str: (name: string, length: number, o: Opts = {}): EntitySchemaColumnOptions => ({
      name,
      type: 'varchar',
      length,
      ...o,
    }),
    text: (name: string, length: number, o: Opts = {}): EntitySchemaColumnOptions => ({
      name,
      type: 'nvarchar',
      length,
      ...o,
    }),
    int: (name: string, o: Opts = {}): EntitySchemaColumnOptions => ({ name, type: 'int', ...o }),
    bigint: (name: string, o: Opts = {}): EntitySchemaColumnOptions => ({
      name,
      type: 'bigint',
      transformer: bigintAsNumber,
      ...o,
    }),
    time: (name: string, o: Opts = {}): EntitySchemaColumnOptions => ({
      name,
      type: mssql ? 'datetime2' : 'datetime',
      ...o,
    }),
    bool: (name: string, o: Opts = {}): EntitySchemaColumnOptions => ({
      name,
      type: mssql ? 'bit' : 'boolean',
      ...o,
    }),
  };
}

export const pk = { primary: true } as const;
export const nullable = { nullable: true } as const;

/** `CHK_<table>_<column>`: varchar + check instead of native enums. */
export function oneOf(table: string, column: string, values: readonly string[]) {
  return {
    name: `CHK_${table}_${column}`,
    expression: `"${column}" IN (${values.map((v) => `'${v}'`).join(', ')})`,
  };
}
