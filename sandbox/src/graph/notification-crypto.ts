import 'reflect-metadata'; // @peculiar/x509 (tsyringe) needs the Reflect polyfill loaded first
import {
  constants,
  createCipheriv,
  createHash,
  createHmac,
  createPublicKey,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { ChangeNotificationEncryptedContent } from '@microsoft/microsoft-graph-types';

/** Uppercase hex SHA-1 of the DER certificate, as `encryptionCertificateThumbprint` carries it. */
export function certificateThumbprint(certDer: Buffer): string {
  return createHash('sha1').update(certDer).digest('hex').toUpperCase();
}

/**
 * §6.7, the publisher side: a fresh 32-byte key per item; AES-256-CBC (PKCS7) with IV = key[0..16);
 * HMAC-SHA256 of the ciphertext; the key wrapped with RSA-OAEP (SHA-1, MGF1-SHA-1) for the certificate.
 */
export function encryptContent(
  plaintext: string,
  certificateBase64: string,
  certificateId: string,
): ChangeNotificationEncryptedContent {
  const der = Buffer.from(certificateBase64, 'base64');
  const spki = Buffer.from(new x509.X509Certificate(der).publicKey.rawData);
  const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const key = randomBytes(32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const dataSignature = createHmac('sha256', key).update(data).digest('base64');
  const dataKey = publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    key,
  );
  return {
    data: data.toString('base64'),
    dataSignature,
    dataKey: dataKey.toString('base64'),
    encryptionCertificateId: certificateId,
    encryptionCertificateThumbprint: certificateThumbprint(der),
  };
}
