/**
 * Real keys for tests, made with node:crypto, that sign the way tokens sign
 * once Conclave has converted their output (ECDSA DER with the curve's hash,
 * RSA PSS-SHA256, Ed25519 raw). Used by tests in shared/ and the CLI; never
 * by the product.
 */
import { constants, createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export type TestKeyKind = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'ed25519' | 'rsa-2048' | 'rsa-1024';

export interface TestKey {
  kind: TestKeyKind;
  privateKey: KeyObject;
  publicKeyPem: string;
  spki: Uint8Array;
  /** Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo. */
  keyId: string;
  sign(data: Uint8Array): Uint8Array;
}

function pairOf(kind: TestKeyKind) {
  switch (kind) {
    case 'ecdsa-p256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ecdsa-p384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'ecdsa-p521':
      return generateKeyPairSync('ec', { namedCurve: 'P-521' });
    case 'ed25519':
      return generateKeyPairSync('ed25519');
    case 'rsa-2048':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'rsa-1024':
      return generateKeyPairSync('rsa', { modulusLength: 1024 });
  }
}

export function makeTestKey(kind: TestKeyKind = 'ecdsa-p256'): TestKey {
  const { privateKey, publicKey } = pairOf(kind);
  const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
  return {
    kind,
    privateKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    spki,
    keyId: createHash('sha256').update(spki).digest('hex'),
    sign(data) {
      switch (kind) {
        case 'ecdsa-p256':
          return new Uint8Array(sign('sha256', data, privateKey));
        case 'ecdsa-p384':
          return new Uint8Array(sign('sha384', data, privateKey));
        case 'ecdsa-p521':
          return new Uint8Array(sign('sha512', data, privateKey));
        case 'ed25519':
          return new Uint8Array(sign(null, data, privateKey));
        default:
          return new Uint8Array(sign('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }));
      }
    },
  };
}
