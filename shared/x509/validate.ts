/**
 * Certificate chain validation, in the spirit of RFC 5280 §6 and Notation's
 * trust policy: a path from the leaf to a trusted root (or a trusted
 * intermediate), every signature checked, every certificate valid at the
 * signing time, issuers allowed to issue, the leaf allowed to sign, and
 * revocation checked against the CRLs supplied.
 *
 * Not done (refused where it matters): name constraints, certificate
 * policies and policy constraints are not processed, so a certificate that
 * marks them critical is refused; OCSP is not consulted.
 */
import { describeCertificate, parseCertificate, type ParsedCertificate } from './certificate';
import { crlFromBytes, type ParsedCrl } from './crl';
import { X509Error, type X509ErrorCode } from './errors';
import { extendedKeyUsages } from './extensions';
import { formatDate } from './format';
import { namesEqual } from './names';
import { defaultMaxIntermediates, findPaths } from './path';
import { checkRevocation } from './revocation';
import { checkSignedBy } from './signed-by';
import type { AlgorithmSignatureVerifier } from './signature-algorithms';

export type CertificateInput = ParsedCertificate | Uint8Array;
export type CrlInput = ParsedCrl | Uint8Array;

export interface ChainValidationInput {
  /** The signer's certificate. */
  leaf: CertificateInput;
  /** Certificates that may complete the path (from the policy, or sent with the signature). Never trusted by themselves. */
  intermediates?: readonly CertificateInput[];
  /** Trust anchors: the organisation's root CA, or an intermediate the policy trusts directly. A path ends at the first one it reaches. */
  roots: readonly CertificateInput[];
  /**
   * The signing time: every certificate must be valid then, and revocations after it do not count
   * (except for a key compromise). A trusted timestamp's time when there is one, else the current time.
   */
  at: Date;
  /** The time CRL freshness is judged at. Default: the current time. */
  now?: Date;
  /** CRLs (DER or parsed). A certificate is checked against the CRLs of its issuer, when there are any. */
  crls?: readonly CrlInput[];
  /** Refuse (certificate-crl-missing) when some issuer's CRL was not supplied. Default false. */
  requireCrl?: boolean;
  /** Use a CRL past its nextUpdate instead of refusing (certificate-crl-stale), with a note. Default false. */
  allowStaleCrl?: boolean;
  /** An OID the leaf's extendedKeyUsage must list (e.g. extendedKeyUsages.timeStamping for a TSA). */
  requiredExtendedKeyUsage?: string;
  /** The leaf's keyUsage, when present, must include digitalSignature. */
  requireDigitalSignature?: boolean;
  /** Default 5. */
  maxIntermediates?: number;
}

export interface ChainValidationOptions {
  signatureVerifier: AlgorithmSignatureVerifier;
}

export type ChainValidationResult =
  | {
      ok: true;
      /** Leaf first, the trust anchor last. */
      chain: ParsedCertificate[];
      /** Things worth recording that did not fail the check (a revocation after the signing time, a stale CRL allowed). */
      notes: string[];
    }
  | { ok: false; code: X509ErrorCode; message: string };

function toCertificate(input: CertificateInput, role: string): ParsedCertificate {
  if (!(input instanceof Uint8Array)) return input;
  try {
    return parseCertificate(input);
  } catch (error) {
    if (error instanceof X509Error) throw new X509Error(error.code, `${role}: ${error.message}`);
    throw error;
  }
}

const toCrl = (input: CrlInput): ParsedCrl => (input instanceof Uint8Array ? crlFromBytes(input) : input);

async function checkSignatures(path: readonly ParsedCertificate[], verifier: AlgorithmSignatureVerifier): Promise<void> {
  for (let i = 0; i + 1 < path.length; i++) {
    const child = path[i]!;
    const issuer = path[i + 1]!;
    const result = await checkSignedBy(child, issuer, verifier);
    if (result === 'unsupported-algorithm') {
      throw new X509Error(
        'certificate-unsupported',
        `${describeCertificate(child)} is signed with ${child.signatureAlgorithm.name}, which Conclave does not accept. Ask the CA to issue it with ECDSA, RSA (SHA-256 or stronger) or Ed25519.`,
      );
    }
    if (result === 'invalid') {
      throw new X509Error(
        'certificate-signature-invalid',
        `The signature on ${describeCertificate(child)} does not verify with the key of ${describeCertificate(issuer)}. The certificate was altered, or was not issued by that CA: get a fresh copy from the CA.`,
      );
    }
  }
}

function checkExtensionsUnderstood(path: readonly ParsedCertificate[]): void {
  for (const certificate of path) {
    if (certificate.unprocessedCriticalExtensions.length > 0) {
      throw new X509Error(
        'certificate-unsupported',
        `${describeCertificate(certificate)} has critical extensions Conclave does not process (${certificate.unprocessedCriticalExtensions.join(', ')}), so it cannot be used. Ask the CA administrator about a certificate without them.`,
      );
    }
  }
}

function checkDates(path: readonly ParsedCertificate[], at: Date): void {
  path.forEach((certificate, index) => {
    const action = index === 0 ? 'A signature counts only with a certificate that was valid when it was made: its holder needs a current certificate from the CA.' : 'Ask the CA administrator for the CA certificate that was valid then.';
    if (at.getTime() > certificate.notAfter.getTime()) {
      throw new X509Error('certificate-expired', `${describeCertificate(certificate)} expired at ${formatDate(certificate.notAfter)}, before the signing time ${formatDate(at)}. ${action}`);
    }
    if (at.getTime() < certificate.notBefore.getTime()) {
      throw new X509Error(
        'certificate-not-yet-valid',
        `${describeCertificate(certificate)} is valid only from ${formatDate(certificate.notBefore)}, after the signing time ${formatDate(at)}. ${action} If the time is wrong, check the signing computer's clock.`,
      );
    }
  });
}

function checkIssuers(path: readonly ParsedCertificate[], requiredExtendedKeyUsage: string | undefined): void {
  for (let index = 1; index < path.length; index++) {
    const issuer = path[index]!;
    const name = describeCertificate(issuer);
    const usage = (problem: string) =>
      new X509Error('certificate-usage', `${name} ${problem}, so it cannot vouch for the certificates below it. Ask the CA administrator for the right CA certificate.`);
    if (issuer.version !== 3 || issuer.basicConstraints?.ca !== true) throw usage('is not a CA certificate (no basicConstraints CA:TRUE)');
    if (issuer.keyUsage && !issuer.keyUsage.includes('keyCertSign')) throw usage('does not allow its key to sign certificates (no keyCertSign key usage)');
    // pathLen counts the CA certificates below this one, not counting self-issued ones (RFC 5280 §6.1.4 (l)).
    const below = path.slice(1, index).filter((certificate) => !namesEqual(certificate.subject, certificate.issuer)).length;
    const pathLen = issuer.basicConstraints.pathLen;
    if (pathLen !== undefined && below > pathLen) throw usage(`allows ${pathLen} CA certificate(s) below it, and this chain has ${below}`);
    // A CA restricted to some purposes cannot issue for others (as Go, Windows and Notation treat an EKU on a CA).
    const ekus = issuer.extendedKeyUsage;
    if (requiredExtendedKeyUsage && ekus && !ekus.includes(requiredExtendedKeyUsage) && !ekus.includes(extendedKeyUsages.any)) {
      throw usage(`is restricted to other purposes (extended key usage ${ekus.join(', ')}; ${requiredExtendedKeyUsage} is needed)`);
    }
  }
}

function checkLeaf(leaf: ParsedCertificate, input: ChainValidationInput): void {
  const name = describeCertificate(leaf);
  if (input.requireDigitalSignature && leaf.keyUsage && !leaf.keyUsage.includes('digitalSignature')) {
    throw new X509Error(
      'certificate-usage',
      `${name} does not allow its key to make signatures (key usage ${leaf.keyUsage.join(', ') || 'empty'}, no digitalSignature). Ask the CA for a certificate with the digitalSignature key usage.`,
    );
  }
  const required = input.requiredExtendedKeyUsage;
  if (required && !(leaf.extendedKeyUsage ?? []).includes(required)) {
    const has = leaf.extendedKeyUsage ? `its extended key usage is ${leaf.extendedKeyUsage.join(', ')}` : 'it has no extended key usage';
    throw new X509Error('certificate-usage', `${name} is not issued for this purpose: ${required} is required and ${has}. Ask the CA for a certificate with that extended key usage.`);
  }
}

async function checkPath(path: ParsedCertificate[], input: ChainValidationInput, crls: readonly ParsedCrl[], verifier: AlgorithmSignatureVerifier): Promise<string[]> {
  await checkSignatures(path, verifier);
  checkExtensionsUnderstood(path);
  checkDates(path, input.at);
  checkIssuers(path, input.requiredExtendedKeyUsage);
  checkLeaf(path[0]!, input);
  const notes: string[] = [];
  const shared = { crls, at: input.at, now: input.now ?? new Date(), requireCrl: input.requireCrl ?? false, allowStaleCrl: input.allowStaleCrl ?? false };
  for (let i = 0; i + 1 < path.length; i++) {
    notes.push(...(await checkRevocation({ ...shared, certificate: path[i]!, issuer: path[i + 1]! }, verifier)));
  }
  return notes;
}

function untrusted(search: ReturnType<typeof findPaths>, leaf: ParsedCertificate, maxIntermediates: number): X509Error {
  const end = search.deadEnd ?? leaf;
  const longer = search.tooLong ? ` (or the chain is longer than ${maxIntermediates} intermediate certificates, which Conclave refuses)` : '';
  return new X509Error(
    'certificate-untrusted',
    `${describeCertificate(leaf)} does not lead to a trusted root: ${end === leaf ? 'it' : describeCertificate(end)} was issued by "${end.issuer.rfc4514}", which is neither a trusted root of the policy nor among the intermediate certificates supplied${longer}. If that CA is your organisation's, add its certificate to the policy's trusted roots or intermediates; otherwise this certificate is not from your organisation's CA.`,
  );
}

/** Validate a certificate chain. Never throws for a bad certificate or CRL: the answer says why. */
export async function validateCertificateChain(input: ChainValidationInput, options: ChainValidationOptions): Promise<ChainValidationResult> {
  // A caller bug, not a certificate problem: comparisons with an invalid date are all false and would pass every check.
  if (Number.isNaN(input.at.getTime()) || (input.now && Number.isNaN(input.now.getTime()))) throw new RangeError('validateCertificateChain: invalid date');
  try {
    const leaf = toCertificate(input.leaf, 'The certificate to validate');
    const intermediates = (input.intermediates ?? []).map((certificate) => toCertificate(certificate, 'An intermediate certificate'));
    const roots = input.roots.map((certificate) => toCertificate(certificate, 'A trusted root certificate'));
    const crls = (input.crls ?? []).map(toCrl);
    const maxIntermediates = input.maxIntermediates ?? defaultMaxIntermediates;
    const search = findPaths(leaf, intermediates, roots, maxIntermediates);
    if (search.paths.length === 0) throw untrusted(search, leaf, maxIntermediates);
    let firstFailure: X509Error | undefined;
    for (const path of search.paths) {
      try {
        return { ok: true, chain: path, notes: await checkPath(path, input, crls, options.signatureVerifier) };
      } catch (error) {
        if (!(error instanceof X509Error)) throw error;
        // The first candidate is the likeliest; its failure is the one to explain.
        firstFailure ??= error;
      }
    }
    throw firstFailure!;
  } catch (error) {
    if (error instanceof X509Error) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}
