/**
 * Checks an RFC 3161 TimeStampToken over one approval signature: that it is
 * for that signature, signed by a certificate allowed to sign time stamps,
 * unchanged since, and that the certificate chains to the TSA CA the caller
 * trusts (chain building is the caller's, through `trust`). Every failure is a
 * TimestampError with its own code; the cheap, precise checks come first.
 */
import type { TSTInfo } from '@peculiar/asn1-tsp';
import { toHex } from '../encoding/hex';
import { unsignedIntegerContent } from '../keys/der';
import type { Digester } from '../keys/public-key-info';
import { hashOfOid, type TimestampHash } from './algorithms';
import { DerError, equalBytes } from './der';
import { EssError } from './ess';
import { capitalised, TimestampError, type AuthorityLabel, type TimestampErrorCode } from './errors';
import { parseGenTime } from './gen-time';
import { readSignedAttributes, SignedAttributesError, type TimestampSignedAttributes } from './signed-attributes';
import { sha1 } from './sha1';
import { checkSignerSignature, type TimestampSignatureVerifier } from './signer-signature';
import { tokenParts, TokenStructureError, type TokenCertificate, type TokenParts } from './token';
import { certificateOfSigner, publicKeyInfoOf, subjectName, timestampUsageProblem, validityOf } from './tsa-certificate';

export type SignerValidation = { ok: true } | { ok: false; message: string };

/** Whether the TSA certificate chains to a TSA CA the policy trusts, at the time stamp's time. */
export interface TimestampTrust {
  validateSigner(certificateDer: Uint8Array, otherCertificatesInToken: Uint8Array[], at: Date): Promise<SignerValidation>;
}

export interface VerifyTimestampOptions extends AuthorityLabel {
  /** The signature bytes (the DSSE signature, decoded) the time stamp must be over. */
  signature: Uint8Array;
  /** The nonce sent, when this token answers a request made here. */
  nonce?: Uint8Array;
  digester: Digester;
  signatureVerifier: TimestampSignatureVerifier;
  trust: TimestampTrust;
}

export interface TimestampAccuracy {
  seconds: number;
  millis: number;
  micros: number;
}

export interface VerifiedTimestamp {
  genTime: Date;
  /** The TSA's serial number of this time stamp: lowercase hex, no leading zeros. */
  serialNumber: string;
  /** The TSA policy OID under which it was issued. */
  policy: string;
  /** DER of the certificate that signed it. */
  tsaCertificate: Uint8Array;
  accuracy?: TimestampAccuracy;
  /** The hash of the message imprint. */
  hash: TimestampHash;
}

function fail(code: TimestampErrorCode, message: string): never {
  throw new TimestampError(code, message);
}

function serialHex(content: Uint8Array): string {
  const hex = toHex(content).replace(/^(00)+/, '');
  return hex === '' ? '0' : hex;
}

function parts(token: Uint8Array, stamp: string): TokenParts {
  try {
    return tokenParts(token);
  } catch (error) {
    const detail = error instanceof TokenStructureError ? error.message : 'unreadable';
    return fail('timestamp-malformed', `${capitalised(stamp)} is not a well-formed RFC 3161 time-stamp token (${detail}). Time-stamp the signature again, and check that the TSA URL in the policy is an RFC 3161 endpoint.`);
  }
}

function signedAttributes(token: TokenParts, stamp: string): TimestampSignedAttributes {
  const attributes = token.signerInfos[0]?.signedAttrs;
  if (!attributes || !token.signedAttributesDer) fail('timestamp-malformed', `${capitalised(stamp)} has no signed attributes, so nothing binds the TSA's signature to the time it states.`);
  try {
    return readSignedAttributes(attributes);
  } catch (error) {
    if (error instanceof EssError) fail('timestamp-algorithm-unsupported', `${capitalised(stamp)} cannot be checked: ${error.message}.`);
    const detail = error instanceof SignedAttributesError || error instanceof DerError ? error.message : 'unreadable signed attributes';
    return fail('timestamp-malformed', `${capitalised(stamp)} is not a well-formed RFC 3161 time-stamp token (${detail}).`);
  }
}

const again = 'Time-stamp the signature again.';

/** Is the token about this signature, and does it answer this request? */
async function checkSubject(tstInfo: TSTInfo, options: VerifyTimestampOptions, stamp: string): Promise<TimestampHash> {
  const imprintOid = tstInfo.messageImprint.hashAlgorithm.algorithm;
  const hash = hashOfOid(imprintOid);
  if (!hash) fail('timestamp-algorithm-unsupported', `${capitalised(stamp)} hashes the signature with ${imprintOid}; Conclave accepts SHA-256, SHA-384 and SHA-512. ${again}`);
  const expectedImprint = await options.digester.digest(hash, options.signature);
  if (!equalBytes(expectedImprint, new Uint8Array(tstInfo.messageImprint.hashedMessage.buffer))) {
    fail('timestamp-imprint-mismatch', `${capitalised(stamp)} is for a different signature than this one, so it says nothing about when this signature was made. ${again}`);
  }
  if (options.nonce) {
    const sent = unsignedIntegerContent(options.nonce);
    if (!tstInfo.nonce || !equalBytes(new Uint8Array(tstInfo.nonce), sent)) {
      fail('timestamp-nonce-mismatch', `${capitalised(stamp)} does not answer the request Conclave sent (the nonce differs): it may be a replayed or misdirected reply. Try again; if it happens again, do not trust the connection to this TSA.`);
    }
  }
  return hash;
}

/** Was it signed, unchanged since, by the certificate it names? That certificate, when so. */
async function checkSignature(tokenView: TokenParts, options: VerifyTimestampOptions, stamp: string): Promise<TokenCertificate> {
  if (tokenView.signerInfos.length !== 1) fail('timestamp-malformed', `${capitalised(stamp)} has ${tokenView.signerInfos.length} signers; an RFC 3161 token has exactly one.`);
  const signerInfo = tokenView.signerInfos[0]!;
  const digestOid = signerInfo.digestAlgorithm.algorithm;
  const digestHash = hashOfOid(digestOid);
  if (!digestHash) fail('timestamp-algorithm-unsupported', `${capitalised(stamp)} is signed with digest algorithm ${digestOid}; Conclave accepts SHA-256, SHA-384 and SHA-512.`);
  const attributes = signedAttributes(tokenView, stamp);
  if (!equalBytes(attributes.messageDigest, await options.digester.digest(digestHash, tokenView.tstInfoDer))) {
    fail('timestamp-signature-invalid', `${capitalised(stamp)} was changed after the TSA signed it (its content does not match the signed digest). ${again}`);
  }
  const signer = certificateOfSigner(signerInfo.sid, tokenView.certificates);
  if (!signer) fail('timestamp-certificate-missing', `${capitalised(stamp)} does not include the certificate that signed it, so it cannot be checked. ${again} (Conclave asks the TSA to include it.)`);
  for (const id of attributes.essCertificateIds) {
    const actual = id.hash === 'SHA-1' ? sha1(signer.der) : await options.digester.digest(id.hash, signer.der);
    if (!equalBytes(actual, id.certificateHash)) {
      fail('timestamp-certificate-missing', `${capitalised(stamp)} names, under its signature, another certificate than the one it includes. ${again}`);
    }
  }
  const check = await checkSignerSignature(signerInfo, digestHash, tokenView.signedAttributesDer!, publicKeyInfoOf(signer.parsed), options.signatureVerifier);
  if (!check.ok) {
    if (check.reason === 'unsupported') fail('timestamp-algorithm-unsupported', `${capitalised(stamp)} uses ${check.detail}, which Conclave does not accept (ECDSA, RSA or Ed25519 with SHA-256, SHA-384 or SHA-512).`);
    fail('timestamp-signature-invalid', `${capitalised(stamp)} does not verify (${check.detail}): it was changed after signing or is not from this TSA. ${again}`);
  }
  return signer;
}

/** May that certificate sign time stamps, at that time, and does it chain to the TSA CA trusted? */
async function checkCertificate(signer: TokenCertificate, tokenView: TokenParts, genTime: Date, trust: TimestampTrust, stamp: string): Promise<void> {
  const who = subjectName(signer.parsed);
  const usage = timestampUsageProblem(signer.parsed);
  if (usage) fail('timestamp-certificate-usage', `The certificate that signed ${stamp} (${who}) may not sign time stamps: ${usage} (RFC 3161 §2.3). Check that the policy names a time-stamping authority.`);
  const { notBefore, notAfter } = validityOf(signer.parsed);
  if (genTime < notBefore || genTime > notAfter) {
    fail('timestamp-time-outside-validity', `${capitalised(stamp)} states ${genTime.toISOString()}, outside the validity of the TSA certificate (${who}: ${notBefore.toISOString()} to ${notAfter.toISOString()}). Do not rely on it; ${again.toLowerCase()}`);
  }
  const others = tokenView.certificates.filter((certificate) => certificate !== signer).map((certificate) => certificate.der);
  let verdict: SignerValidation;
  try {
    verdict = await trust.validateSigner(signer.der, others, genTime);
  } catch {
    // A chain check that fails to run has not vouched for anything.
    verdict = { ok: false, message: 'its certificate chain could not be checked' };
  }
  if (!verdict.ok) {
    fail('timestamp-certificate-untrusted', `The certificate that signed ${stamp} (${who}) is not trusted: ${verdict.message}. Check the TSA URL and the TSA certificate authority in the policy.`);
  }
}

export async function verifyTimestampToken(token: Uint8Array, options: VerifyTimestampOptions): Promise<VerifiedTimestamp> {
  const stamp = options.tsa ? `the time stamp from ${options.tsa}` : 'the time stamp';
  const tokenView = parts(token, stamp);
  const { tstInfo } = tokenView;
  if (Number(tstInfo.version) !== 1) fail('timestamp-malformed', `${capitalised(stamp)} has TSTInfo version ${tstInfo.version}; only version 1 exists (RFC 3161).`);
  const genTime = parseGenTime(tokenView.genTimeText);
  if (!genTime) fail('timestamp-malformed', `${capitalised(stamp)} states its time as "${tokenView.genTimeText.slice(0, 40)}", not as a UTC GeneralizedTime. ${again}`);

  const hash = await checkSubject(tstInfo, options, stamp);
  const signer = await checkSignature(tokenView, options, stamp);
  await checkCertificate(signer, tokenView, genTime, options.trust, stamp);

  const accuracy = tstInfo.accuracy;
  return {
    genTime,
    serialNumber: serialHex(new Uint8Array(tstInfo.serialNumber)),
    policy: tstInfo.policy,
    tsaCertificate: signer.der,
    ...(accuracy ? { accuracy: { seconds: accuracy.seconds ?? 0, millis: accuracy.millis ?? 0, micros: accuracy.micros ?? 0 } } : {}),
    hash,
  };
}
