/** Graph application roles our app asks for (consented per tenant). */
export const APP_ROLES = [
  'Calendars.ReadWrite',
  'OnlineMeetings.Read.All',
  'OnlineMeetingTranscript.Read.All',
  'OnlineMeetingRecording.Read.All',
  'User.Read.All',
] as const;

export interface SandboxUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string;
  surname: string;
  mail: string | null;
  jobTitle: string | null;
  /** Without Teams, events are silently created without an online meeting. */
  teamsLicensed: boolean;
  /** Entra directory role template ids (`wids`), e.g. Teams administrator. */
  wids: string[];
}

export interface SandboxTenant {
  tenantId: string;
  displayName: string;
  domain: string;
  /**
   * An admin consented to the app, so it has a service principal here; without one Entra refuses
   * every token for the tenant (AADSTS700016). `false` only through the control API.
   */
  adminConsented?: boolean;
  consentedRoles: string[];
  /** Teams application access policy for our app (online meetings and artifacts, app-only). */
  accessPolicy: { granted: boolean; propagationDelayMs: number; changedAt: string };
  organizerOid: string;
  staffOids: string[];
  unlicensedOid: string;
  users: SandboxUser[];
  demoClients: {
    companyName: string;
    emailDomain: string;
    contacts: { name: string; email: string }[];
  }[];
}

export const SANDBOX_APP = {
  clientId: '9b2d4e6f-1a3c-4e5f-8a7b-0c1d2e3f4a5b',
  clientSecret: 'sandbox-app-secret-not-for-production',
  displayName: 'Interactions for Teams (sandbox)',
  botId: '9b2d4e6f-1a3c-4e5f-8a7b-0c1d2e3f4a5b',
} as const;

/** The Teams administrator directory role template id (for admin `wids`). */
export const TEAMS_ADMIN_WID = '69091246-20e8-4a56-aa4d-066075b2a7a8';

function user(
  id: string,
  domain: string,
  given: string,
  surname: string,
  extra: Partial<SandboxUser> = {},
): SandboxUser {
  const upn = `${given}.${surname}`.toLowerCase() + `@${domain}`;
  return {
    id,
    userPrincipalName: upn,
    displayName: `${given} ${surname}`,
    givenName: given,
    surname,
    mail: upn,
    jobTitle: null,
    teamsLicensed: true,
    wids: [],
    ...extra,
  };
}

/** Two tenants (Contoso and Fabrikam) with an organizer, staff, an unlicensed user and demo CRM data. */
export function seedTenants(now: Date): SandboxTenant[] {
  const changedAt = now.toISOString();
  const contoso = 'contoso.onmicrosoft.com';
  const fabrikam = 'fabrikam.onmicrosoft.com';
  return [
    {
      tenantId: '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7',
      displayName: 'Contoso',
      domain: contoso,
      consentedRoles: [...APP_ROLES],
      accessPolicy: { granted: true, propagationDelayMs: 0, changedAt },
      organizerOid: '3a9e1f52-7c4d-4b8e-9f21-5d6c7b8a9e01',
      staffOids: ['5d7f9b1c-3e5a-4c7e-9b1d-2f4a6c8e0b3d', '7e9a1c3e-5f7b-4d9f-8c2e-4a6b8c0d2e4f'],
      unlicensedOid: '8f0b2d4f-6a8c-4e0a-9d3f-5b7c9d1e3f5a',
      users: [
        user('3a9e1f52-7c4d-4b8e-9f21-5d6c7b8a9e01', contoso, 'Megan', 'Organizer', {
          jobTitle: 'Meetings service account',
        }),
        user('5d7f9b1c-3e5a-4c7e-9b1d-2f4a6c8e0b3d', contoso, 'Adele', 'Vance', {
          jobTitle: 'Account manager',
          wids: [TEAMS_ADMIN_WID],
        }),
        user('7e9a1c3e-5f7b-4d9f-8c2e-4a6b8c0d2e4f', contoso, 'Lee', 'Gu', {
          jobTitle: 'Service desk lead',
        }),
        user('8f0b2d4f-6a8c-4e0a-9d3f-5b7c9d1e3f5a', contoso, 'Pat', 'Nolicense', {
          teamsLicensed: false,
          mail: null,
        }),
      ],
      demoClients: [
        {
          companyName: 'Acme Corporation',
          emailDomain: 'acme.example',
          contacts: [
            { name: 'Jane Doe', email: 'jane@acme.example' },
            { name: 'John Smith', email: 'john.smith@acme.example' },
          ],
        },
        {
          companyName: 'Northwind Traders',
          emailDomain: 'northwind.example',
          contacts: [{ name: 'Nancy Davolio', email: 'nancy@northwind.example' }],
        },
      ],
    },
    {
      tenantId: '2c4e6a8b-0d1f-4a3b-8c5d-7e9f1a3b5c7d',
      displayName: 'Fabrikam',
      domain: fabrikam,
      consentedRoles: [...APP_ROLES],
      accessPolicy: { granted: true, propagationDelayMs: 0, changedAt },
      organizerOid: '1b3d5f7a-9c1e-4b3d-8f5a-7c9e1b3d5f7a',
      staffOids: ['2c4e6f8a-0b2d-4c4e-9a6b-8d0f2c4e6a8b'],
      unlicensedOid: '3d5f7a9b-1c3e-4d5f-8b7c-9e1a3d5f7b9c',
      users: [
        user('1b3d5f7a-9c1e-4b3d-8f5a-7c9e1b3d5f7a', fabrikam, 'Fabrikam', 'Meetings', {
          jobTitle: 'Meetings service account',
        }),
        user('2c4e6f8a-0b2d-4c4e-9a6b-8d0f2c4e6a8b', fabrikam, 'Alex', 'Wilber', {
          jobTitle: 'Consultant',
          wids: [TEAMS_ADMIN_WID],
        }),
        user('3d5f7a9b-1c3e-4d5f-8b7c-9e1a3d5f7b9c', fabrikam, 'Sam', 'Unlicensed', {
          teamsLicensed: false,
          mail: null,
        }),
      ],
      demoClients: [
        {
          companyName: 'Tailspin Toys',
          emailDomain: 'tailspin.example',
          contacts: [{ name: 'Tom Tailor', email: 'tom@tailspin.example' }],
        },
      ],
    },
  ];
}
