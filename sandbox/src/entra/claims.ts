import { createHash, randomBytes } from 'node:crypto';
import type { Sandbox } from '../sandbox';
import type { SandboxUser } from '../seed';

/** Claims and helpers every Entra-issued token shares. */

export const TOKEN_LIFETIME_S = 3599;
/** Entra back-dates iat/nbf by five minutes to absorb clock skew. */
export const BACKDATE_S = 300;

export const nowS = (sb: Sandbox) => Math.floor(sb.clock.now().getTime() / 1000);
export const uti = () => randomBytes(16).toString('base64url');
export const stsIssuer = (tid: string) => `https://sts.windows.net/${tid}/`;
export const v2Issuer = (sb: Sandbox, tid: string) => `${sb.baseUrl}/${tid}/v2.0`;

/** A stable GUID derived from `parts` (service principal ids, pairwise subjects). */
export function stableGuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The pairwise `sub` of `userId` as seen by the app (or resource) `appId`. */
export function pairwiseSubject(userId: string, appId: string): string {
  return createHash('sha256').update(`${userId}|${appId}`).digest('base64url');
}

/** `iat`/`nbf` back-dated by {@link BACKDATE_S}, `exp` `lifetimeS` after `now`. */
export function lifetimeClaims(now: number, lifetimeS = TOKEN_LIFETIME_S) {
  return { iat: now - BACKDATE_S, nbf: now - BACKDATE_S, exp: now + lifetimeS };
}

/** The user claims of delegated access tokens. */
export function userClaims(user: SandboxUser) {
  return {
    name: user.displayName,
    oid: user.id,
    ...(user.wids.length > 0 ? { wids: [...user.wids] } : {}),
  };
}
