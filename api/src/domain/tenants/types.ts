/** A customer organisation (an Entra tenant) that installed the app. */
export const TENANT_STATUSES = ['active', 'suspended', 'offboarded'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export interface Tenant {
  tenantId: string;
  displayName: string;
  status: TenantStatus;
  consentedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TenantSettings {
  tenantId: string;
  /** Service account that organizes every meeting; its object id is what Graph calls use. */
  organizerUpn: string | null;
  organizerOid: string | null;
  autoRecord: boolean;
  autoTranscribe: boolean;
  /** Copy recordings into our blob storage instead of proxying them from Graph. */
  retentionCopy: boolean;
  retentionDays: number | null;
  defaultTimeZone: string;
  updatedBy: string | null;
  updatedAt: Date;
}

export interface AuditEvent {
  tenantId: string;
  eventId: string;
  actorOid: string;
  action: string;
  targetType: string;
  targetId: string;
  detail: string | null;
  occurredAt: Date;
}
