import type { Directory } from './directory';

/** Entra's errors (graph-contract §2.1): what each says; `responses.ts` sends them. */

export interface EntraErrorSpec {
  status: number;
  error: string;
  code: number;
  message: string;
  suberror?: string;
}

export const tenantNotFound = (segment: string, error = 'invalid_request'): EntraErrorSpec => ({
  status: 400,
  error,
  code: 90002,
  message:
    `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are ` +
    'signing into the correct cloud. Check with your subscription administrator, this may happen ' +
    'if there are no active subscriptions for the tenant.',
});

export const missingParam = (name: string): EntraErrorSpec => ({
  status: 400,
  error: 'invalid_request',
  code: 900144,
  message: `The request body must contain the following parameter: '${name}'.`,
});

export const invalidGrant = (code: number, message: string): EntraErrorSpec => ({
  status: 400,
  error: 'invalid_grant',
  code,
  message,
});

export const resourceNotFound = (resource: string, dir: Directory): EntraErrorSpec => ({
  status: 400,
  error: 'invalid_resource',
  code: 500011,
  message:
    `The resource principal named ${resource} was not found in the tenant named ${dir.displayName}. ` +
    'This can happen if the application has not been installed by the administrator of the tenant ' +
    'or consented to by any user in the tenant. You might have sent your authentication request to ' +
    'the wrong tenant.',
});

export const invalidScope = (scope: string): EntraErrorSpec => ({
  status: 400,
  error: 'invalid_scope',
  code: 70011,
  message: `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
});
