/**
 * Signature algorithms as X.509 names them. Unlike DSSE, where a key's curve
 * implies the hash, a certificate or CRL says its hash (and for RSA, its
 * padding) in the AlgorithmIdentifier, so the runtime's verifier is told both.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { toArrayBuffer } from '../keys/der';

export type SignatureHash = 'SHA-256' | 'SHA-384' | 'SHA-512';

export type SignatureAlgorithm =
  | { kind: 'ecdsa'; hash: SignatureHash }
  | { kind: 'rsa-pkcs1'; hash: SignatureHash }
  /** MGF1 with the same hash; the salt length as the parameters give it. */
  | { kind: 'rsa-pss'; hash: SignatureHash; saltLength: number }
  | { kind: 'ed25519' };

/**
 * What shared/x509 (and anything else that checks X.509/CMS signatures, such
 * as RFC 3161 timestamps) needs from the runtime: a check with the algorithm
 * named, rather than inferred from the key as SignatureVerifier does for DSSE.
 * Node: `nodeAlgorithmSignatureVerifier` in electron/core/crypto/node-crypto.ts.
 */
export interface AlgorithmSignatureVerifier {
  /** True only when `signature` is a valid `algorithm` signature by the key (DER SubjectPublicKeyInfo) over `data`. Never throws for a bad signature or a key of another type. */
  verifyWithAlgorithm(publicKeyInfo: Uint8Array, data: Uint8Array, signature: Uint8Array, algorithm: SignatureAlgorithm): Promise<boolean>;
}

const hashOids: Record<string, SignatureHash> = {
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

const simpleAlgorithms: Record<string, SignatureAlgorithm & { name: string }> = {
  '1.2.840.10045.4.3.2': { kind: 'ecdsa', hash: 'SHA-256', name: 'ecdsa-with-SHA256' },
  '1.2.840.10045.4.3.3': { kind: 'ecdsa', hash: 'SHA-384', name: 'ecdsa-with-SHA384' },
  '1.2.840.10045.4.3.4': { kind: 'ecdsa', hash: 'SHA-512', name: 'ecdsa-with-SHA512' },
  '1.2.840.113549.1.1.11': { kind: 'rsa-pkcs1', hash: 'SHA-256', name: 'sha256WithRSAEncryption' },
  '1.2.840.113549.1.1.12': { kind: 'rsa-pkcs1', hash: 'SHA-384', name: 'sha384WithRSAEncryption' },
  '1.2.840.113549.1.1.13': { kind: 'rsa-pkcs1', hash: 'SHA-512', name: 'sha512WithRSAEncryption' },
  '1.3.101.112': { kind: 'ed25519', name: 'Ed25519' },
};

/** Names for algorithms Conclave refuses, so the message can say what it saw. */
const refusedNames: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption (SHA-1)',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption (MD5)',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1 (SHA-1)',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.3.101.113': 'Ed448',
};

const rsaPssOid = '1.2.840.113549.1.1.10';
const mgf1Oid = '1.2.840.113549.1.1.8';

export interface NamedSignatureAlgorithm {
  oid: string;
  /** A readable name (e.g. "ecdsa-with-SHA384"), or the OID when Conclave does not know it. */
  name: string;
  /** Undefined when Conclave does not check signatures of this kind (SHA-1, MD5, unknown). */
  algorithm?: SignatureAlgorithm;
}

/** The algorithm of an AlgorithmIdentifier (its OID and DER parameters, if any). */
export function signatureAlgorithmOf(oid: string, parameters: Uint8Array | undefined): NamedSignatureAlgorithm {
  const simple = simpleAlgorithms[oid];
  if (simple) {
    const { name, ...algorithm } = simple;
    return { oid, name, algorithm };
  }
  if (oid === rsaPssOid && parameters) {
    const pss = pssAlgorithm(parameters);
    if (pss) return { oid, name: `RSASSA-PSS with ${pss.hash}`, algorithm: pss };
    return { oid, name: 'RSASSA-PSS with parameters Conclave does not support' };
  }
  return { oid, name: refusedNames[oid] ?? oid };
}

function pssAlgorithm(parameters: Uint8Array): Extract<SignatureAlgorithm, { kind: 'rsa-pss' }> | undefined {
  try {
    const params = AsnConvert.parse(toArrayBuffer(parameters), RsaSaPssParams);
    const hash = hashOids[params.hashAlgorithm.algorithm];
    const mgf = params.maskGenAlgorithm;
    if (!hash || mgf.algorithm !== mgf1Oid || !mgf.parameters || params.trailerField !== 1) return undefined;
    // Only MGF1 with the signature's own hash: what CAs use and what runtimes verify.
    if (hashOids[AsnConvert.parse(mgf.parameters, AlgorithmIdentifier).algorithm] !== hash) return undefined;
    return { kind: 'rsa-pss', hash, saltLength: params.saltLength };
  } catch {
    return undefined;
  }
}
