import 'reflect-metadata'; // @peculiar/x509 (tsyringe) needs the Reflect polyfill loaded first
import fs from 'node:fs';
import path from 'node:path';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type KeyPair = webcrypto.CryptoKeyPair;

const ALG = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

export interface TlsMaterial {
  /** PEM of the sandbox CA; the product trusts it through EXTRA_CA_FILE / NODE_EXTRA_CA_CERTS. */
  ca: string;
  caFile: string;
  cert: string;
  key: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

async function generate(): Promise<Omit<TlsMaterial, 'caFile'>> {
  const subtle = webcrypto.subtle;
  const notBefore = new Date(Date.now() - 24 * 3600_000);
  const notAfter = new Date(Date.now() + 5 * 365 * 24 * 3600_000);
  const caKeys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Interactions for Teams Sandbox CA',
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const leafKeys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=127.0.0.1',
    issuer: caCert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return {
    ca: caCert.toString('pem'),
    cert: leaf.toString('pem'),
    key: pem('PRIVATE KEY', await subtle.exportKey('pkcs8', leafKeys.privateKey)),
  };
}

/** The sandbox's CA and server certificate: generated once into `dir`, then reused. */
export async function ensureTls(dir: string): Promise<TlsMaterial> {
  fs.mkdirSync(dir, { recursive: true });
  const files = { ca: 'ca.pem', cert: 'server-cert.pem', key: 'server-key.pem' } as const;
  const paths = Object.fromEntries(
    Object.entries(files).map(([k, f]) => [k, path.join(dir, f)]),
  ) as Record<keyof typeof files, string>;
  if (!Object.values(paths).every((p) => fs.existsSync(p))) {
    const made = await generate();
    fs.writeFileSync(paths.key, made.key, { mode: 0o600 });
    fs.writeFileSync(paths.cert, made.cert);
    fs.writeFileSync(paths.ca, made.ca);
  }
  return {
    ca: fs.readFileSync(paths.ca, 'utf8'),
    caFile: paths.ca,
    cert: fs.readFileSync(paths.cert, 'utf8'),
    key: fs.readFileSync(paths.key, 'utf8'),
  };
}
