import {
  TableCheck,
  TableColumn,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';

// Frozen once merged: helpers here are local on purpose, so later code changes cannot alter history.
const jobStates = (states: string[]) =>
  new TableCheck({
    name: 'CHK_jobs_state',
    expression: `"state" IN (${states.map((s) => `'${s}'`).join(', ')})`,
  });
const BEFORE = ['pending', 'running', 'succeeded', 'dead'];
const AFTER = ['pending', 'running', 'succeeded', 'merged', 'dead'];

/** Meeting lease, event cleanup and creation retry columns (all nullable, no default). */
function meetingColumns(time: string): TableColumn[] {
  return [
    new TableColumn({ name: 'lease_id', type: 'varchar', length: '36', isNullable: true }),
    new TableColumn({ name: 'lease_until', type: time, isNullable: true }),
    new TableColumn({ name: 'cleanup_pending_at', type: time, isNullable: true }),
    new TableColumn({ name: 'creation_retry_at', type: time, isNullable: true }),
  ];
}

const sqlType = (c: TableColumn) => (c.length ? `${c.type}(${c.length})` : c.type);

/**
 * Core hardening: jobs can end `merged` (their work handed to a pending job of the same key) and
 * are purged by finish time and claimed per kind; a meeting row holds the lease of whoever talks to Graph about it,
 * whether its calendar event still has to be removed, and when creation may be retried (kept
 * apart from `next_check_at`, the capture schedule); processed inbox rows are purged by time.
 */
export class CoreHardening1796169600000 implements MigrationInterface {
  name = 'CoreHardening1796169600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mssql = queryRunner.connection.driver.options.type === 'mssql';
    await queryRunner.dropCheckConstraint('jobs', 'CHK_jobs_state');
    await queryRunner.createCheckConstraint('jobs', jobStates(AFTER));
    await queryRunner.createIndex(
      'jobs',
      new TableIndex({ name: 'IX_jobs_finished', columnNames: ['state', 'finished_at'] }),
    );
    // Due jobs per kind in run order: a claim never reads past jobs of kinds it does not run.
    await queryRunner.createIndex(
      'jobs',
      new TableIndex({ name: 'IX_jobs_kind_claim', columnNames: ['state', 'kind', 'run_after'] }),
    );
    const columns = meetingColumns(mssql ? 'datetime2' : 'datetime');
    if (mssql) {
      await queryRunner.addColumns('online_meetings', columns);
    } else {
      // TypeORM adds a SQLite column by rebuilding the table, which foreign keys refuse inside a
      // migration's transaction (children reference online_meetings); SQLite can add it in place.
      for (const c of columns) {
        await queryRunner.query(
          `ALTER TABLE "online_meetings" ADD COLUMN "${c.name}" ${sqlType(c)}`,
        );
      }
    }
    await queryRunner.createIndex(
      'inbox',
      new TableIndex({ name: 'IX_inbox_processed', columnNames: ['tenant_id', 'processed_at'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const mssql = queryRunner.connection.driver.options.type === 'mssql';
    await queryRunner.dropIndex('inbox', 'IX_inbox_processed');
    const columns = meetingColumns(mssql ? 'datetime2' : 'datetime');
    if (mssql) {
      await queryRunner.dropColumns('online_meetings', columns);
    } else {
      for (const c of [...columns].reverse()) {
        await queryRunner.query(`ALTER TABLE "online_meetings" DROP COLUMN "${c.name}"`);
      }
    }
    await queryRunner.dropIndex('jobs', 'IX_jobs_kind_claim');
    await queryRunner.dropIndex('jobs', 'IX_jobs_finished');
    // A merged job's work went to another job: as history it reads as succeeded.
    await queryRunner.query(`UPDATE "jobs" SET "state" = 'succeeded' WHERE "state" = 'merged'`);
    await queryRunner.dropCheckConstraint('jobs', 'CHK_jobs_state');
    await queryRunner.createCheckConstraint('jobs', jobStates(BEFORE));
  }
}
