import { decodeJwt, type JWTPayload } from 'jose';
import type { Ctx } from './http';
import type { Sandbox } from './sandbox';

/** The token of an `Authorization: Bearer …` header; undefined or empty when there is none. */
export function bearerToken(ctx: Ctx): string | undefined {
  return /^Bearer (.+)$/i.exec(ctx.req.headers.authorization ?? '')?.[1]?.trim();
}

/** Why an Entra token was refused; each caller words it as the service it plays would. */
export type EntraTokenCheck =
  { ok: true; claims: JWTPayload } | { ok: false; reason: 'malformed' | 'expired' | 'invalid' };

/** Verifies a token the sandbox's Entra signed: well formed, signature, lifetime on the sandbox clock. */
export async function verifyEntraToken(sb: Sandbox, token: string): Promise<EntraTokenCheck> {
  try {
    decodeJwt(token);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  try {
    return { ok: true, claims: await sb.keys.verify('entra', token, sb.clock.now()) };
  } catch (err) {
    const expired = (err as { code?: string }).code === 'ERR_JWT_EXPIRED';
    return { ok: false, reason: expired ? 'expired' : 'invalid' };
  }
}
