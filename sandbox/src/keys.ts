import { randomUUID } from 'node:crypto';
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  createLocalJWKSet,
  type JWK,
  type JWTPayload,
} from 'jose';
import type { Store } from './store';

/** Key sets the sandbox signs with: Entra (all tenants share one, as in Microsoft's cloud) and Bot Framework. */
export type KeySetName = 'entra' | 'botframework';

interface StoredKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** RS256 signing keys, kept in the store so tokens survive a sandbox restart. */
export class Keys {
  private readonly cache = new Map<
    KeySetName,
    { kid: string; key: Awaited<ReturnType<typeof importJWK>> }
  >();

  /** Key generation in flight: concurrent first uses must share one key, not race to store two. */
  private readonly generating = new Map<KeySetName, Promise<StoredKey>>();

  constructor(private readonly store: Store) {}

  private stored(set: KeySetName): Promise<StoredKey> {
    const existing = this.store.collection<StoredKey>('signingKeys').get(set);
    if (existing) return Promise.resolve(existing);
    let pending = this.generating.get(set);
    if (!pending) {
      pending = this.generate(set).finally(() => this.generating.delete(set));
      this.generating.set(set, pending);
    }
    return pending;
  }

  private async generate(set: KeySetName): Promise<StoredKey> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomUUID().replace(/-/g, '').slice(0, 27);
    const k: StoredKey = {
      kid,
      privateJwk: await exportJWK(privateKey),
      publicJwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' },
    };
    this.store.collection<StoredKey>('signingKeys').set(set, k);
    this.store.changed();
    return k;
  }

  /** The public JWKS document of a key set; Bot Framework keys carry Teams' endorsement. */
  async jwks(set: KeySetName): Promise<{ keys: JWK[] }> {
    const k = await this.stored(set);
    const key: JWK & { endorsements?: string[]; x5t?: string } = { ...k.publicJwk, kty: 'RSA' };
    if (set === 'botframework') key.endorsements = ['msteams', 'emulator'];
    key.x5t = k.kid;
    return { keys: [key] };
  }

  /** Signs `claims` (which must carry iss, aud, exp as the caller wants them). */
  async sign(
    set: KeySetName,
    claims: JWTPayload,
    header: Record<string, unknown> = {},
  ): Promise<string> {
    const k = await this.stored(set);
    let cached = this.cache.get(set);
    if (!cached || cached.kid !== k.kid) {
      cached = { kid: k.kid, key: await importJWK(k.privateJwk, 'RS256') };
      this.cache.set(set, cached);
    }
    return new SignJWT(claims)
      .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: k.kid, x5t: k.kid, ...header })
      .sign(cached.key);
  }

  /** Verifies signature and lifetime against a key set; throws with jose's reason otherwise. */
  async verify(set: KeySetName, token: string, now: Date): Promise<JWTPayload> {
    const jwks = createLocalJWKSet(await this.jwks(set));
    const { payload } = await jwtVerify(token, jwks, { currentDate: now, algorithms: ['RS256'] });
    return payload;
  }

  /** Drops the keys (control-API reset): tokens issued before stop verifying. */
  reset(): void {
    this.cache.clear();
  }
}
