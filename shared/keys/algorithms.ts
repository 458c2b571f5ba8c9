/** The key algorithms Conclave generates on a token, by the names the CLI and the window use. */
export const keyAlgorithms = ['ecdsa-p256', 'ecdsa-p384', 'rsa-3072', 'ed25519'] as const;
export type KeyAlgorithm = (typeof keyAlgorithms)[number];

export const curves = {
  'P-256': { oid: '1.2.840.10045.3.1.7', bytes: 32, hash: 'SHA-256' },
  'P-384': { oid: '1.3.132.0.34', bytes: 48, hash: 'SHA-384' },
  'P-521': { oid: '1.3.132.0.35', bytes: 66, hash: 'SHA-512' },
} as const;
export type Curve = keyof typeof curves;

export const oids = {
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ed25519: '1.3.101.112',
} as const;

/** What a key on a token is, as far as signing is concerned. */
export type KeyType =
  | { kind: 'ecdsa'; curve: Curve; bits: number }
  | { kind: 'rsa'; bits: number }
  | { kind: 'ed25519'; bits: 256 };

export function describeKeyType(type: KeyType): string {
  switch (type.kind) {
    case 'ecdsa':
      return `ECDSA ${type.curve}`;
    case 'rsa':
      return `RSA ${type.bits}`;
    case 'ed25519':
      return 'Ed25519';
  }
}

export function keyTypeOfAlgorithm(algorithm: KeyAlgorithm): KeyType {
  switch (algorithm) {
    case 'ecdsa-p256':
      return { kind: 'ecdsa', curve: 'P-256', bits: 256 };
    case 'ecdsa-p384':
      return { kind: 'ecdsa', curve: 'P-384', bits: 384 };
    case 'rsa-3072':
      return { kind: 'rsa', bits: 3072 };
    case 'ed25519':
      return { kind: 'ed25519', bits: 256 };
  }
}
