import {
  Table,
  TableCheck,
  TableForeignKey,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
  type TableColumnOptions,
} from 'typeorm';

// Frozen once merged: helpers here are local on purpose, so later code changes cannot alter history.
type Col = Omit<TableColumnOptions, 'name' | 'type'>;
const id = (name: string, o: Col = {}): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: '36',
  ...o,
});
const str = (name: string, length: number, o: Col = {}): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  ...o,
});
const pk = { isPrimary: true };
const DRAFT_STATES = ['open', 'created', 'discarded'];

/**
 * The bot's own state: meeting drafts (a previewed `schedule` command, its meeting id reserved so a
 * double Create makes one meeting) and each person's last `meetings` list (so "cancel 2" is stable).
 */
export class BotConversations1796342400000 implements MigrationInterface {
  name = 'BotConversations1796342400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const mssql = queryRunner.connection.driver.options.type === 'mssql';
    const time = mssql ? 'datetime2' : 'datetime';
    const ts = (name: string, o: Col = {}): TableColumnOptions => ({ name, type: time, ...o });
    await queryRunner.createTable(
      new Table({
        name: 'meeting_drafts',
        columns: [
          id('tenant_id', pk),
          id('draft_id', pk),
          str('conversation_id', 400),
          id('user_oid'),
          id('meeting_id'),
          str('state', 16),
          // JSON of a bounded draft (subject, up to 10 attendees), refused above 4,000 characters.
          { name: 'payload', type: 'nvarchar', length: '4000' },
          ts('expires_at'),
          ts('created_at'),
          ts('updated_at'),
        ],
        checks: [
          new TableCheck({
            name: 'CHK_meeting_drafts_state',
            expression: `"state" IN (${DRAFT_STATES.map((s) => `'${s}'`).join(', ')})`,
          }),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_meeting_drafts_tenants',
            columnNames: ['tenant_id'],
            referencedTableName: 'tenants',
            referencedColumnNames: ['tenant_id'],
            onDelete: 'NO ACTION',
          }),
        ],
        indices: [
          new TableIndex({
            name: 'IX_meeting_drafts_expires',
            columnNames: ['tenant_id', 'expires_at'],
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'chat_lists',
        columns: [
          id('tenant_id', pk),
          str('conversation_id', 400, pk),
          id('user_oid', pk),
          // Up to 20 meeting ids, comma-separated, in the order the list showed them.
          str('meeting_ids', 800),
          ts('updated_at'),
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_chat_lists_tenants',
            columnNames: ['tenant_id'],
            referencedTableName: 'tenants',
            referencedColumnNames: ['tenant_id'],
            onDelete: 'NO ACTION',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('chat_lists');
    await queryRunner.dropTable('meeting_drafts');
  }
}
