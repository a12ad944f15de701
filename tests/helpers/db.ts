import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { createDataSource, migrate, openDataSource } from '../../api/src/data/data-source';
import type { Entities } from '../../api/src/data/entities';

export interface TestDb {
  dataSource: DataSource;
  entities: Entities;
  file: string;
  dir: string;
  close(): Promise<void>;
}

/** A fresh SQLite file in a temp directory, migrated unless told otherwise. */
export async function openTestDb(
  options: { migrate?: boolean; dir?: string } = {},
): Promise<TestDb> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ift-db-'));
  const file = path.join(dir, 'test.db');
  const { dataSource, entities } = createDataSource({ kind: 'sqlite', file });
  await openDataSource({ kind: 'sqlite', file }, dataSource);
  if (options.migrate !== false) await migrate(dataSource);
  return {
    dataSource,
    entities,
    file,
    dir,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      if (!options.dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
