/** Every table of the data model (DESIGN §4), sorted, as the migrations must create them. */
export const ALL_TABLES = [
  'audit_events',
  'clients',
  'contacts',
  'conversation_refs',
  'graph_subscriptions',
  'inbox',
  'interactions',
  'jobs',
  'meeting_artifacts',
  'meeting_attendees',
  'meeting_cards',
  'online_meetings',
  'tenant_settings',
  'tenants',
  'transcript_segments',
];
