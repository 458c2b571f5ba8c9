/** Real evidence fixtures (tests/fixtures/real, see its README) and a Node signature verifier for tests. */
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SignatureVerifier } from '../../shared/keys/signature-verifier';

const folder = join(import.meta.dirname, '..', 'fixtures', 'real');

export function readRealFixture(name: string): string {
  return readFileSync(join(folder, name), 'utf8');
}

export function readRealFixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(folder, name)));
}

/** Node's crypto behind the SignatureVerifier interface: ECDSA (DER) and RSA with SHA-256, Ed25519 raw. */
export const nodeVerifier: SignatureVerifier = {
  async verify(publicKeyInfo, data, signature) {
    const key = createPublicKey({ key: Buffer.from(publicKeyInfo), format: 'der', type: 'spki' });
    return verify(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', data, key, signature);
  },
};
