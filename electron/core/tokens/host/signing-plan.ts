/**
 * How a key signs on a given token (issue 13): from what the token offers
 * (C_GetMechanismList), never from what most tokens do. ECDSA is CKM_ECDSA
 * over a digest made here, or CKM_ECDSA_SHA256/384/512 where the token hashes
 * itself (tpm2-pkcs11 and NSS offer both, some HSMs only the latter); the hash
 * is the curve's (RFC 5656 §6.2.1, as DSSE and cosign verifiers expect). RSA
 * is RSASSA-PSS or PKCS#1 v1.5 with SHA-256, each over a digest made here or
 * hashed by the token. Pure: no token, no pkcs11js.
 */
import { ConclaveError } from '../../../../shared/errors';
import type { SignatureScheme } from './protocol';

/** Mechanism numbers (PKCS#11 v2.40 §6, v3.0 §6.3 for EdDSA). */
export const mechanisms = {
  RSA_PKCS: 0x1,
  RSA_PKCS_PSS: 0xd,
  SHA256_RSA_PKCS: 0x40,
  SHA256_RSA_PKCS_PSS: 0x43,
  ECDSA: 0x1041,
  ECDSA_SHA256: 0x1044,
  ECDSA_SHA384: 0x1045,
  ECDSA_SHA512: 0x1046,
  EDDSA: 0x1057,
} as const;

const CKM_SHA256 = 0x250;
const CKG_MGF1_SHA256 = 0x2;

/**
 * The RSA scheme when the caller asks for none and the token offers both:
 * PKCS#1 v1.5 with SHA-256, as the ceremony's default since issue 14 (what
 * cosign --key, sigstore-go and @sigstore/verify check; a policy asking for
 * PSS passes its scheme). A token offering only one scheme gets that one.
 * The one place this default lives.
 */
export const defaultRsaScheme: Extract<SignatureScheme, 'rsa-pss-sha256' | 'rsa-pkcs1-sha256'> = 'rsa-pkcs1-sha256';

export type HashName = 'sha256' | 'sha384' | 'sha512';

/** What kind of key signs, as far as choosing a mechanism goes. */
export type SigningKey = { kind: 'ecdsa'; hash: HashName } | { kind: 'rsa' } | { kind: 'ed25519' };

export interface SigningPlan {
  scheme: SignatureScheme;
  mechanism: number;
  /** CK_RSA_PKCS_PSS_PARAMS for the PSS mechanisms (RFC 8017 §9.1: salt as long as the hash). */
  pss?: { hashAlg: number; mgf: number; saltLen: number };
  /** What the token is handed: the message, its digest, or (raw PKCS#1 v1.5) the DER DigestInfo of its digest. */
  input: { kind: 'message' } | { kind: 'digest'; hash: HashName } | { kind: 'digest-info'; hash: 'sha256' };
  /** Tokens return ECDSA as raw r‖s (PKCS#11 v2.40 §2.3.1); DSSE wants DER. */
  output: 'as-is' | 'ecdsa-der';
}

/** RFC 8017 §9.2 note 1: the DER DigestInfo prefix for SHA-256. */
export const sha256DigestInfoPrefix = Uint8Array.from(Buffer.from('3031300d060960864801650304020105000420', 'hex'));

const ecdsaWithHash: Record<HashName, number> = { sha256: mechanisms.ECDSA_SHA256, sha384: mechanisms.ECDSA_SHA384, sha512: mechanisms.ECDSA_SHA512 };
const pss = { hashAlg: CKM_SHA256, mgf: CKG_MGF1_SHA256, saltLen: 32 };

/** The ways each RSA scheme can be made, the host hashing first (a few bytes to the token, whatever the message). */
const rsaWays: Record<'rsa-pss-sha256' | 'rsa-pkcs1-sha256', SigningPlan[]> = {
  'rsa-pss-sha256': [
    { scheme: 'rsa-pss-sha256', mechanism: mechanisms.RSA_PKCS_PSS, pss, input: { kind: 'digest', hash: 'sha256' }, output: 'as-is' },
    { scheme: 'rsa-pss-sha256', mechanism: mechanisms.SHA256_RSA_PKCS_PSS, pss, input: { kind: 'message' }, output: 'as-is' },
  ],
  'rsa-pkcs1-sha256': [
    { scheme: 'rsa-pkcs1-sha256', mechanism: mechanisms.RSA_PKCS, input: { kind: 'digest-info', hash: 'sha256' }, output: 'as-is' },
    { scheme: 'rsa-pkcs1-sha256', mechanism: mechanisms.SHA256_RSA_PKCS, input: { kind: 'message' }, output: 'as-is' },
  ],
};

/**
 * The plan for a key on a token that offers `offered` (undefined: the token
 * did not say; then the host-hashing mechanism, as before issue 13).
 * `requested`: a scheme the caller needs; without one, RSA takes the default
 * unless the token offers only the other. Throws mechanism-unsupported,
 * naming the token, when nothing fits.
 */
export function planSigning(key: SigningKey, offered: ReadonlySet<number> | undefined, requested: SignatureScheme | undefined, token: string): SigningPlan {
  const offers = (plan: SigningPlan) => offered === undefined || offered.has(plan.mechanism);
  const refuse = (what: string) => new ConclaveError('mechanism-unsupported', `Token "${token}" does not offer ${what}, so Conclave cannot sign with this key there. Use a key of another type (ECDSA P-256 works on almost every token).`);
  if (key.kind === 'ecdsa') {
    if (requested !== undefined && requested !== 'ecdsa') throw refuse(`${requested} for an ECDSA key`);
    const ways: SigningPlan[] = [
      { scheme: 'ecdsa', mechanism: mechanisms.ECDSA, input: { kind: 'digest', hash: key.hash }, output: 'ecdsa-der' },
      { scheme: 'ecdsa', mechanism: ecdsaWithHash[key.hash], input: { kind: 'message' }, output: 'ecdsa-der' },
    ];
    const plan = ways.find(offers);
    if (!plan) throw refuse(`ECDSA signing (neither CKM_ECDSA nor CKM_ECDSA_${key.hash.toUpperCase()})`);
    return plan;
  }
  if (key.kind === 'ed25519') {
    if (requested !== undefined && requested !== 'ed25519') throw refuse(`${requested} for an Ed25519 key`);
    const plan: SigningPlan = { scheme: 'ed25519', mechanism: mechanisms.EDDSA, input: { kind: 'message' }, output: 'as-is' };
    if (!offers(plan)) throw refuse('Ed25519 signing (CKM_EDDSA)');
    return plan;
  }
  if (requested === 'ecdsa' || requested === 'ed25519') throw refuse(`${requested} for an RSA key`);
  const preferred = requested ?? defaultRsaScheme;
  const plan = rsaWays[preferred].find(offers);
  if (plan) return plan;
  // Only asked for by default: a token that makes the other scheme alone (tpm2-pkcs11 1.9 has no PSS) makes that.
  const other = requested === undefined ? rsaWays[preferred === 'rsa-pss-sha256' ? 'rsa-pkcs1-sha256' : 'rsa-pss-sha256'].find(offers) : undefined;
  if (other) return other;
  throw refuse(requested ? `${requested === 'rsa-pss-sha256' ? 'RSASSA-PSS' : 'RSA PKCS#1 v1.5'} signing` : 'RSA signing (neither RSASSA-PSS nor PKCS#1 v1.5)');
}

/** The digest a curve's ECDSA signatures are made over: SHA-256 for P-256, SHA-384 for P-384, SHA-512 for P-521. */
export function hashOfCurve(curve: 'P-256' | 'P-384' | 'P-521'): HashName {
  return curve === 'P-256' ? 'sha256' : curve === 'P-384' ? 'sha384' : 'sha512';
}
