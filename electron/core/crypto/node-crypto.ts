/**
 * The runtime half of shared/'s crypto interfaces, on node:crypto (OpenSSL in
 * Node, BoringSSL in Electron: both give the same answers for these
 * algorithms). shared/ never imports this; the core, the CLI and tests pass it in.
 */
import { constants, createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { Digester } from '../../../shared/keys/public-key-info';
import type { SignatureVerifier } from '../../../shared/keys/signature-verifier';
import type { AlgorithmSignatureVerifier, SignatureAlgorithm } from '../../../shared/x509/signature-algorithms';
import type { TimestampSignatureVerifier } from '../../../shared/timestamp/signer-signature';

const hashNames = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const;

export const nodeDigester: Digester = {
  digest: async (algorithm, data) => new Uint8Array(createHash(hashNames[algorithm]).update(data).digest()),
};

// Each curve signs with its own hash, as DSSE signers (cosign, in-toto, sigstore) use it.
const curveHashes: Record<string, string> = { prime256v1: 'sha256', secp384r1: 'sha384', secp521r1: 'sha512' };

interface ImportedKey {
  key: KeyObject;
  type: string | undefined;
  curveHash: string | undefined;
}

/**
 * Importing a key costs more than checking an ECDSA signature with it
 * (measured by npm run bench), and a verifier checks the same few policy keys
 * again and again: keep the last few hundred imported.
 */
const importedKeys = new Map<string, ImportedKey | undefined>();
const importedKeysLimit = 256;

function publicKeyOf(spki: Uint8Array): ImportedKey | undefined {
  const der = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength);
  const cacheKey = der.toString('base64');
  if (importedKeys.has(cacheKey)) return importedKeys.get(cacheKey);
  let imported: ImportedKey | undefined;
  try {
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    imported = { key, type: key.asymmetricKeyType, curveHash: curveHashes[key.asymmetricKeyDetails?.namedCurve ?? ''] };
  } catch {
    imported = undefined;
  }
  if (importedKeys.size >= importedKeysLimit) importedKeys.delete(importedKeys.keys().next().value!);
  importedKeys.set(cacheKey, imported);
  return imported;
}

function tryVerify(algorithm: string | null, data: Uint8Array, key: Parameters<typeof verify>[2], signature: Uint8Array): boolean {
  try {
    return verify(algorithm, data, key, signature);
  } catch {
    // OpenSSL throws for some malformed signatures (wrong length, bad DER) instead of answering false.
    return false;
  }
}

const digestBytes = { sha256: 32, sha384: 48, sha512: 64 } as const;

// An RSA signature does not say its padding: try PKCS#1 v1.5, then PSS with the salt as long as the
// digest (what tokens and cosign use), then PSS with any salt length (what OpenSSL's default produces).
function verifyRsa(hash: keyof typeof digestBytes, data: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  if (tryVerify(hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature)) return true;
  if (tryVerify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: digestBytes[hash] }, signature)) return true;
  return tryVerify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
}

/**
 * `hash` is for CMS signatures (RFC 3161 time stamps), whose SignerInfo names its digest: ECDSA and RSA are
 * then checked with that hash (RSA with PKCS#1 v1.5 or PSS). Without it, DSSE's rules above, unchanged.
 */
export const nodeSignatureVerifier: SignatureVerifier & TimestampSignatureVerifier = {
  async verify(publicKeyInfo, data, signature, named?: keyof typeof hashNames) {
    const imported = publicKeyOf(publicKeyInfo);
    if (!imported || signature.length === 0) return false;
    const { key } = imported;
    switch (imported.type) {
      case 'ec': {
        const hash = named !== undefined ? hashNames[named] : imported.curveHash;
        // DSSE carries ECDSA as ASN.1 DER (RFC 3279 §2.2.3); tokens' raw r‖s is converted before it gets here.
        return hash !== undefined && tryVerify(hash, data, { key, dsaEncoding: 'der' }, signature);
      }
      case 'ed25519':
        return tryVerify(null, data, key, signature);
      case 'rsa':
        return verifyRsa(named !== undefined ? hashNames[named] : 'sha256', data, key, signature);
      default:
        return false;
    }
  },
};

/**
 * X.509 certificates and CRLs name their algorithm, hash and (for RSA) padding
 * in full, and a certificate's hash need not follow its key (ECDSA-with-SHA384
 * on a P-256 key is common): verify exactly what is named, and nothing else.
 */
export async function verifyWithAlgorithm(publicKeyInfo: Uint8Array, data: Uint8Array, signature: Uint8Array, algorithm: SignatureAlgorithm): Promise<boolean> {
  const imported = publicKeyOf(publicKeyInfo);
  if (!imported || signature.length === 0) return false;
  const { key, type } = imported;
  switch (algorithm.kind) {
    case 'ecdsa':
      return type === 'ec' && tryVerify(hashNames[algorithm.hash], data, { key, dsaEncoding: 'der' }, signature);
    case 'rsa-pkcs1':
      return type === 'rsa' && tryVerify(hashNames[algorithm.hash], data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    case 'rsa-pss':
      return (type === 'rsa' || type === 'rsa-pss') && tryVerify(hashNames[algorithm.hash], data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.saltLength }, signature);
    case 'ed25519':
      return type === 'ed25519' && tryVerify(null, data, key, signature);
  }
}

export const nodeAlgorithmSignatureVerifier: AlgorithmSignatureVerifier = { verifyWithAlgorithm };

/** What checking an RFC 3161 time stamp needs from Node: hashing, the CMS signer's signature, the TSA's certificate chain. */
export const nodeTrustedTimeDependencies = { digester: nodeDigester, signatureVerifier: nodeSignatureVerifier, algorithmVerifier: nodeAlgorithmSignatureVerifier };
