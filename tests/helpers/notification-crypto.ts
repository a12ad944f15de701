import 'reflect-metadata';
import {
  constants,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  privateDecrypt,
  timingSafeEqual,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { ChangeNotificationEncryptedContent } from '@microsoft/microsoft-graph-types';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface TestCertificate {
  /** base64 DER, as `encryptionCertificate` takes it. */
  base64: string;
  privateKey: KeyObject;
  /** Uppercase hex SHA-1 of the DER. */
  thumbprint: string;
}

/** A self-signed RSA certificate (and its private key) like the product generates for notifications. */
export async function makeCertificate(modulusLength = 2048): Promise<TestCertificate> {
  const alg = {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength,
  };
  const keys = (await webcrypto.subtle.generateKey(alg, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a',
    name: 'CN=notifications test',
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 30 * 86_400_000),
    signingAlgorithm: alg,
    keys,
  });
  const der = Buffer.from(cert.rawData);
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    base64: der.toString('base64'),
    privateKey: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }),
    thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
  };
}

/**
 * The receiving side of §6.7, written independently of the sandbox: RSA-OAEP/SHA-1 unwraps the key,
 * HMAC-SHA256 is checked in constant time, AES-256-CBC (IV = first 16 key bytes) decrypts.
 */
export function decryptContent(
  content: ChangeNotificationEncryptedContent,
  privateKey: KeyObject,
): string {
  const symKey = privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(content.dataKey ?? '', 'base64'),
  );
  const data = Buffer.from(content.data ?? '', 'base64');
  const expected = createHmac('sha256', symKey).update(data).digest();
  const actual = Buffer.from(content.dataSignature ?? '', 'base64');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected))
    throw new Error('dataSignature mismatch');
  const decipher = createDecipheriv('aes-256-cbc', symKey, symKey.subarray(0, 16));
  return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
}

/** §6.8 checks the product makes on each validation token. */
export async function verifyValidationToken(
  token: string,
  jwks: JSONWebKeySet,
  expected: { audience: string; tenantId: string; now: Date },
): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
    audience: expected.audience,
    issuer: `https://sts.windows.net/${expected.tenantId}/`,
    algorithms: ['RS256'],
    currentDate: expected.now,
  });
  if (payload.appid !== '0bf30f3b-4a52-48df-9a82-234910c4a086') throw new Error('wrong appid');
  if (payload.tid !== expected.tenantId) throw new Error('wrong tid');
  return payload;
}
