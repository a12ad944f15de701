export interface Client {
  tenantId: string;
  clientId: string;
  companyName: string;
  /** Lower-case email domain used to place unknown contacts; unique per tenant when set. */
  emailDomain: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Contact {
  tenantId: string;
  contactId: string;
  clientId: string;
  name: string;
  /** Lower-case; unique per tenant. */
  email: string;
  createdAt: Date;
  updatedAt: Date;
}

export const INTERACTION_TYPES = ['online_meeting', 'call', 'email', 'note'] as const;
export type InteractionType = (typeof INTERACTION_TYPES)[number];

export const INTERACTION_STATUSES = ['planned', 'completed', 'cancelled'] as const;
export type InteractionStatus = (typeof INTERACTION_STATUSES)[number];

/** The CRM activity on a client's timeline. */
export interface Interaction {
  tenantId: string;
  interactionId: string;
  type: InteractionType;
  clientId: string | null;
  contactId: string | null;
  title: string;
  notes: string | null;
  startAt: Date | null;
  endAt: Date | null;
  status: InteractionStatus;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}
