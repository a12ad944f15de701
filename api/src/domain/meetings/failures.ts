import { DomainError } from '../errors';
import { GraphCallError, type GraphFailure } from '../ports/graph';

/** Why a meeting could not be scheduled, as stored on the row and explained to people. */
export type CreationFailure =
  | 'organizer_not_teams_enabled'
  | 'access_policy_missing'
  | 'permission_missing'
  | 'consent_missing'
  | 'credentials_invalid'
  | 'tenant_not_found'
  | 'organizer_not_found'
  | 'creation_timed_out'
  | 'storage_error'
  | 'graph_error';

export const retryable = (f: GraphFailure) => f.reason === 'throttled' || f.reason === 'transient';

/** The failure a Graph refusal means for a meeting being created. */
export function creationFailureFor(f: GraphFailure): CreationFailure {
  switch (f.detail) {
    case 'accessPolicyMissing':
      return 'access_policy_missing';
    case 'permissionMissing':
      return 'permission_missing';
    case 'consentMissing':
      return 'consent_missing';
    case 'credentialsInvalid':
      return 'credentials_invalid';
    case 'tenantNotFound':
      return 'tenant_not_found';
    case null:
      if (f.reason === 'forbidden') return 'permission_missing';
      if (f.reason === 'notFound') return 'organizer_not_found';
      return 'graph_error';
  }
}

/**
 * A sentence an admin can act on when Graph or Entra refused for a reason only they can fix, or
 * null when the failure says nothing actionable.
 */
export function adminFix(f: GraphFailure): string | null {
  const code = f.code ? ` (${f.code})` : '';
  switch (f.detail) {
    case 'credentialsInvalid':
      return `Microsoft Entra refused the app's credentials${code}: an admin must renew the client secret (or certificate) configured for Interactions for Teams.`;
    case 'consentMissing':
      return `Interactions for Teams is not consented in this organization${code}: an admin must grant admin consent to the app.`;
    case 'tenantNotFound':
      return `Microsoft Entra knows no such organization${code}: check the tenant the app was installed for.`;
    case 'accessPolicyMissing':
      return 'The Teams application access policy does not cover the organizer: a Teams admin must grant it to this app (Grant-CsApplicationAccessPolicy).';
    case 'permissionMissing':
      return `Microsoft Graph refused a permission${code}: an admin must grant admin consent to the app again.`;
    case null:
      return null;
  }
}

/** Graph failed while a person waited: a DomainError saying what to do. */
export function graphRefused(err: unknown, action: string): never {
  if (!(err instanceof GraphCallError)) throw err;
  const f = err.failure;
  if (retryable(f)) {
    throw new DomainError(
      'unavailable',
      'Microsoft Teams is busy right now; try again in a minute.',
      { retryAfterMs: f.retryAfterMs },
      { cause: err },
    );
  }
  const fix = adminFix(f);
  if (fix) throw new DomainError('forbidden', fix, { graphCode: f.code }, { cause: err });
  throw new DomainError(
    'conflict',
    `Microsoft Graph refused to ${action} (${f.code ?? f.reason}).`,
    { graphCode: f.code, requestId: f.requestId },
    { cause: err },
  );
}
