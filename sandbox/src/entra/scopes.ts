import { BOT_FRAMEWORK_ISSUER, GRAPH_APP_ID, GRAPH_RESOURCE } from './directory';

/** Resources the sandbox issues tokens for, and how requested scopes name them. */
export type ResourceKind = 'graph' | 'botframework';

/** Splits `https://graph.microsoft.com/User.Read` into resource and permission; bare names are Graph's. */
export function splitScope(scope: string): { resource: string; permission: string } {
  const slash = scope.lastIndexOf('/');
  if (slash < 0) return { resource: GRAPH_RESOURCE, permission: scope };
  return { resource: scope.slice(0, slash), permission: scope.slice(slash + 1) };
}

/**
 * The one resource `scopes` ask for (Graph when they name none); undefined when they mix
 * resources, which Entra refuses.
 */
export function oneResource(scopes: string[]): string | undefined {
  const resources = new Set(scopes.map((s) => splitScope(s).resource.toLowerCase()));
  if (resources.size > 1) return undefined;
  return scopes.length > 0 ? splitScope(scopes[0]).resource : GRAPH_RESOURCE;
}

export function resourceKind(resource: string): ResourceKind | undefined {
  const r = resource.toLowerCase().replace(/\/+$/, '');
  if (r === GRAPH_RESOURCE || r === GRAPH_APP_ID) return 'graph';
  if (r === BOT_FRAMEWORK_ISSUER) return 'botframework';
  return undefined;
}
