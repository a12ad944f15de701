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
function types(queryRunner: QueryRunner): { time: string; bool: string; int: string } {
  const mssql = queryRunner.connection.driver.options.type === 'mssql';
  return {
    time: mssql ? 'datetime2' : 'datetime',
    bool: mssql ? 'bit' : 'boolean',
    int: mssql ? 'int' : 'integer',
  };
}

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
const text = (name: string, length: number, o: Col = {}): TableColumnOptions => ({
  name,
  type: 'nvarchar',
  length: String(length),
  ...o,
});
const pk = { isPrimary: true };
const nul = { isNullable: true };
const oneOf = (table: string, column: string, values: readonly string[]): TableCheck =>
  new TableCheck({
    name: `CHK_${table}_${column}`,
    expression: `"${column}" IN (${values.map((v) => `'${v}'`).join(', ')})`,
  });
const fk = (
  table: string,
  columns: string[],
  refTable: string,
  refColumns: string[] = columns,
): TableForeignKey =>
  new TableForeignKey({
    name: `FK_${table}_${refTable}`,
    columnNames: columns,
    referencedTableName: refTable,
    referencedColumnNames: refColumns,
    onDelete: 'NO ACTION',
  });
const index = (table: string, suffix: string, columnNames: string[], o = {}): TableIndex =>
  new TableIndex({ name: `IX_${table}_${suffix}`, columnNames, ...o });

/** Every table of the data model; each tenant table's key and indexes lead with tenant_id. */
export class InitialSchema1764201600000 implements MigrationInterface {
  name = 'InitialSchema1764201600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { time, bool, int: integer } = types(queryRunner);
    const int = (name: string, o: Col = {}): TableColumnOptions => ({ name, type: integer, ...o });
    const ts = (name: string, o: Col = {}): TableColumnOptions => ({ name, type: time, ...o });
    const flag = (name: string): TableColumnOptions => ({ name, type: bool });
    const stamps = [ts('created_at'), ts('updated_at')];

    await queryRunner.createTable(
      new Table({
        name: 'tenants',
        columns: [
          id('tenant_id', pk),
          text('display_name', 256),
          str('status', 16),
          ts('consented_at', nul),
          ...stamps,
        ],
        checks: [oneOf('tenants', 'status', ['active', 'suspended', 'offboarded'])],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'tenant_settings',
        columns: [
          id('tenant_id', pk),
          text('organizer_upn', 320, nul),
          id('organizer_oid', nul),
          flag('auto_record'),
          flag('auto_transcribe'),
          flag('retention_copy'),
          int('retention_days', nul),
          str('default_time_zone', 64),
          id('updated_by', nul),
          ts('updated_at'),
        ],
        foreignKeys: [fk('tenant_settings', ['tenant_id'], 'tenants')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'clients',
        columns: [
          id('tenant_id', pk),
          id('client_id', pk),
          text('company_name', 256),
          str('email_domain', 255, nul),
          ...stamps,
        ],
        foreignKeys: [fk('clients', ['tenant_id'], 'tenants')],
        indices: [
          index('clients', 'email_domain', ['tenant_id', 'email_domain'], {
            isUnique: true,
            where: '"email_domain" IS NOT NULL',
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'contacts',
        columns: [
          id('tenant_id', pk),
          id('contact_id', pk),
          id('client_id'),
          text('name', 256),
          text('email', 320),
          ...stamps,
        ],
        foreignKeys: [fk('contacts', ['tenant_id', 'client_id'], 'clients')],
        indices: [
          index('contacts', 'email', ['tenant_id', 'email'], { isUnique: true }),
          index('contacts', 'client', ['tenant_id', 'client_id']),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'interactions',
        columns: [
          id('tenant_id', pk),
          id('interaction_id', pk),
          str('type', 32),
          id('client_id', nul),
          id('contact_id', nul),
          text('title', 255),
          text('notes', 4000, nul),
          ts('start_at', nul),
          ts('end_at', nul),
          str('status', 16),
          id('created_by'),
          ...stamps,
        ],
        checks: [
          oneOf('interactions', 'type', ['online_meeting', 'call', 'email', 'note']),
          oneOf('interactions', 'status', ['planned', 'completed', 'cancelled']),
        ],
        foreignKeys: [
          fk('interactions', ['tenant_id'], 'tenants'),
          fk('interactions', ['tenant_id', 'client_id'], 'clients'),
          fk('interactions', ['tenant_id', 'contact_id'], 'contacts'),
        ],
        indices: [
          index('interactions', 'client', ['tenant_id', 'client_id', 'start_at']),
          index('interactions', 'start', ['tenant_id', 'start_at']),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'online_meetings',
        columns: [
          id('tenant_id', pk),
          id('meeting_id', pk),
          id('interaction_id'),
          str('provider', 16),
          str('provider_event_id', 512, nul),
          str('provider_meeting_id', 512, nul),
          str('join_url', 2048, nul),
          str('chat_thread_id', 255, nul),
          text('organizer_upn', 320),
          id('organizer_oid'),
          text('subject', 255),
          ts('start_at'),
          ts('end_at'),
          str('time_zone', 64),
          str('state', 24),
          ts('capture_deadline_at', nul),
          ts('next_check_at', nul),
          str('last_error_code', 64, nul),
          text('last_error_message', 1000, nul),
          str('transaction_id', 64),
          id('created_by'),
          int('version'),
          ...stamps,
        ],
        checks: [
          oneOf('online_meetings', 'provider', ['teams']),
          oneOf('online_meetings', 'state', [
            'creating',
            'scheduled',
            'in_progress',
            'ended',
            'capturing',
            'completed',
            'no_artifacts',
            'cancelled',
            'failed',
          ]),
        ],
        foreignKeys: [fk('online_meetings', ['tenant_id', 'interaction_id'], 'interactions')],
        indices: [
          index('online_meetings', 'interaction', ['tenant_id', 'interaction_id'], {
            isUnique: true,
          }),
          index('online_meetings', 'transaction', ['tenant_id', 'transaction_id'], {
            isUnique: true,
          }),
          index('online_meetings', 'provider_meeting', ['tenant_id', 'provider_meeting_id'], {
            isUnique: true,
            where: '"provider_meeting_id" IS NOT NULL',
          }),
          index('online_meetings', 'chat', ['tenant_id', 'chat_thread_id']),
          index('online_meetings', 'state_start', ['tenant_id', 'state', 'start_at']),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'meeting_attendees',
        columns: [
          id('tenant_id', pk),
          id('meeting_id', pk),
          text('email', 320, pk),
          text('name', 256, nul),
          str('type', 16),
          id('contact_id', nul),
        ],
        checks: [oneOf('meeting_attendees', 'type', ['required', 'optional', 'resource'])],
        foreignKeys: [fk('meeting_attendees', ['tenant_id', 'meeting_id'], 'online_meetings')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'meeting_artifacts',
        columns: [
          id('tenant_id', pk),
          id('artifact_id', pk),
          id('meeting_id'),
          str('kind', 16),
          str('provider_artifact_id', 512),
          str('content_correlation_id', 128, nul),
          ts('provider_created_at', nul),
          ts('provider_ended_at', nul),
          { name: 'size_bytes', type: 'bigint', isNullable: true },
          str('content_type', 128, nul),
          str('blob_key', 512, nul),
          str('state', 16),
          str('last_error_code', 64, nul),
          ...stamps,
        ],
        checks: [
          oneOf('meeting_artifacts', 'kind', ['recording', 'transcript']),
          oneOf('meeting_artifacts', 'state', [
            'discovered',
            'fetching',
            'stored',
            'failed',
            'unavailable',
          ]),
        ],
        foreignKeys: [fk('meeting_artifacts', ['tenant_id', 'meeting_id'], 'online_meetings')],
        indices: [
          index(
            'meeting_artifacts',
            'provider',
            ['tenant_id', 'meeting_id', 'kind', 'provider_artifact_id'],
            { isUnique: true },
          ),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'transcript_segments',
        columns: [
          id('tenant_id', pk),
          id('artifact_id', pk),
          int('seq', pk),
          int('start_ms'),
          int('end_ms'),
          text('speaker', 256, nul),
          text('text', 4000),
        ],
        foreignKeys: [fk('transcript_segments', ['tenant_id', 'artifact_id'], 'meeting_artifacts')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'meeting_cards',
        columns: [
          id('tenant_id', pk),
          id('meeting_id', pk),
          str('conversation_id', 400, pk),
          str('activity_id', 128),
          str('service_url', 512),
          str('last_rendered_state', 24, nul),
          ts('posted_at'),
          ts('updated_at'),
        ],
        foreignKeys: [fk('meeting_cards', ['tenant_id', 'meeting_id'], 'online_meetings')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'conversation_refs',
        columns: [
          id('tenant_id', pk),
          str('conversation_id', 400, pk),
          str('conversation_type', 32),
          str('service_url', 512),
          text('reference', 4000),
          id('user_oid', nul),
          ts('updated_at'),
        ],
        foreignKeys: [fk('conversation_refs', ['tenant_id'], 'tenants')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'graph_subscriptions',
        columns: [
          id('tenant_id', pk),
          id('subscription_id', pk),
          str('graph_subscription_id', 64, nul),
          text('resource', 512),
          str('change_type', 32),
          id('organizer_oid', nul),
          flag('include_resource_data'),
          str('encryption_cert_id', 128, nul),
          id('client_state_id'),
          str('client_state_hash', 128),
          ts('expires_at', nul),
          str('state', 16),
          ts('last_renewed_at', nul),
          str('last_error_code', 64, nul),
          ...stamps,
        ],
        checks: [
          oneOf('graph_subscriptions', 'state', [
            'creating',
            'active',
            'expired',
            'removed',
            'failed',
            'deleted',
          ]),
        ],
        foreignKeys: [fk('graph_subscriptions', ['tenant_id'], 'tenants')],
        indices: [
          index('graph_subscriptions', 'graph_id', ['tenant_id', 'graph_subscription_id'], {
            isUnique: true,
            where: '"graph_subscription_id" IS NOT NULL',
          }),
          index('graph_subscriptions', 'expiry', ['tenant_id', 'state', 'expires_at']),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'inbox',
        columns: [
          id('tenant_id', pk),
          str('dedupe_key', 256, pk),
          id('subscription_id'),
          str('kind', 16),
          text('payload', 4000),
          ts('received_at'),
          ts('processed_at', nul),
        ],
        checks: [oneOf('inbox', 'kind', ['notification', 'lifecycle'])],
        indices: [index('inbox', 'received', ['tenant_id', 'received_at'])],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'jobs',
        columns: [
          id('job_id', pk),
          id('tenant_id', nul),
          str('kind', 64),
          str('dedupe_key', 400, nul),
          text('payload', 4000),
          str('state', 16),
          ts('run_after'),
          int('attempts'),
          int('max_attempts'),
          str('lease_owner', 128, nul),
          ts('lease_expires_at', nul),
          text('last_error', 2000, nul),
          ...stamps,
          ts('finished_at', nul),
        ],
        checks: [oneOf('jobs', 'state', ['pending', 'running', 'succeeded', 'dead'])],
        indices: [
          index('jobs', 'pending_dedupe', ['dedupe_key'], {
            isUnique: true,
            where: `"state" = 'pending' AND "dedupe_key" IS NOT NULL`,
          }),
          index('jobs', 'dedupe_state', ['dedupe_key', 'state']),
          index('jobs', 'claim', ['state', 'run_after']),
          index('jobs', 'lease', ['state', 'lease_expires_at']),
          index('jobs', 'tenant', ['tenant_id', 'state']),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          id('tenant_id', pk),
          id('event_id', pk),
          id('actor_oid'),
          str('action', 64),
          str('target_type', 32),
          str('target_id', 512),
          text('detail', 2000, nul),
          ts('occurred_at'),
        ],
        foreignKeys: [fk('audit_events', ['tenant_id'], 'tenants')],
        indices: [index('audit_events', 'occurred', ['tenant_id', 'occurred_at'])],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'audit_events',
      'jobs',
      'inbox',
      'graph_subscriptions',
      'conversation_refs',
      'meeting_cards',
      'transcript_segments',
      'meeting_artifacts',
      'meeting_attendees',
      'online_meetings',
      'interactions',
      'contacts',
      'clients',
      'tenant_settings',
      'tenants',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}
