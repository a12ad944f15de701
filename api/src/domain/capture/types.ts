export const ARTIFACT_KINDS = ['recording', 'transcript'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export const ARTIFACT_STATES = [
  'discovered',
  'fetching',
  'stored',
  'failed',
  'unavailable',
] as const;
export type ArtifactState = (typeof ARTIFACT_STATES)[number];

export interface MeetingArtifact {
  tenantId: string;
  artifactId: string;
  meetingId: string;
  kind: ArtifactKind;
  providerArtifactId: string;
  contentCorrelationId: string | null;
  providerCreatedAt: Date | null;
  providerEndedAt: Date | null;
  sizeBytes: number | null;
  contentType: string | null;
  blobKey: string | null;
  state: ArtifactState;
  lastErrorCode: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const SUBSCRIPTION_STATES = [
  'creating',
  'active',
  'expired',
  'removed',
  'failed',
  'deleted',
] as const;
export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[number];

/** A Graph change-notification subscription we own. */
export interface GraphSubscription {
  tenantId: string;
  subscriptionId: string;
  /** Id Graph assigned; null until the create call returned. */
  graphSubscriptionId: string | null;
  resource: string;
  changeType: string;
  organizerOid: string | null;
  includeResourceData: boolean;
  encryptionCertId: string | null;
  /** clientState is `${clientStateId}.${secret}`; only a hash of the secret is stored. */
  clientStateId: string;
  clientStateHash: string;
  expiresAt: Date | null;
  state: SubscriptionState;
  lastRenewedAt: Date | null;
  lastErrorCode: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const INBOX_KINDS = ['notification', 'lifecycle'] as const;
export type InboxKind = (typeof INBOX_KINDS)[number];

/** A validated (and decrypted) change notification, kept until processed. */
export interface InboxItem {
  dedupeKey: string;
  tenantId: string;
  subscriptionId: string;
  kind: InboxKind;
  payload: string;
  receivedAt: Date;
  processedAt: Date | null;
}
