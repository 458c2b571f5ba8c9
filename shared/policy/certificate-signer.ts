/**
 * Approvers identified by certificate (issue 6), in the spirit of Notation's
 * trust policy: a signature by a key the policy does not list still counts
 * for an approver when it comes with a certificate that
 *
 * - certifies exactly that key (the DSSE keyid is the SHA-256 of its SPKI),
 * - chains to one of the approver's trusted roots (through the policy's
 *   intermediates or those sent with it), every certificate valid at the
 *   signing time,
 * - allows digitalSignature (when it has a keyUsage at all),
 * - names the approver's identity (subject, email, URI, DNS name: each one
 *   given must match),
 * - and is not revoked by the CRLs of its CAs (required when the approver's
 *   entry lists CRLs).
 *
 * The signing time is the caller's to choose: a verified RFC 3161 time when
 * the signature has one, else the time of the check. One pure function, used
 * by the ceremony engine (approve, reject, load), the release verifier and
 * bundle import alike.
 */
import { toHex } from '../encoding/hex';
import { toPem } from '../encoding/pem';
import type { Digester } from '../keys/public-key-info';
import { describeCertificate, parseCertificate, type ParsedCertificate } from '../x509/certificate';
import { X509Error, type X509ErrorCode } from '../x509/errors';
import { formatDate } from '../x509/format';
import { matchIdentity, type CertificateIdentity } from '../x509/identity';
import type { AlgorithmSignatureVerifier } from '../x509/signature-algorithms';
import { validateCertificateChain, type ChainValidationResult } from '../x509/validate';
import { readPublicKeyPem } from './keys';
import type { CertificateApprover, Policy } from './policy';

export interface CertificateSignerDependencies {
  digester: Digester;
  algorithmVerifier: AlgorithmSignatureVerifier;
}

/** How the signing time was established, for messages. */
export type SigningTimeSource = 'trusted-time' | 'recorded-time' | 'current-time' | 'signing-now';

export interface CertificateSignerInput {
  /** The keyid the signature names (lowercase hex SHA-256 of the signer's DER SubjectPublicKeyInfo). */
  keyId: string;
  /** DER certificates: the signer's first, then any intermediates sent with it (none need be). */
  certificates: readonly Uint8Array[];
  /** The signing time every certificate must be valid at, and revocations are judged against. */
  at: Date;
  /**
   * `trusted-time`: a verified RFC 3161 time; `recorded-time`: the time the signer recorded (used for rejections,
   * which can only stop a release); `current-time`: no proof of when it was signed, so checked now; `signing-now`:
   * the check before signing.
   */
  atSource: SigningTimeSource;
  /** The time CRL freshness is judged at. Default: the current time. */
  now?: Date;
  /** DER (or PEM) CRLs, fetched from the policy's URLs or given by the person checking (offline). */
  crls?: readonly Uint8Array[];
  /** What went wrong fetching the policy's CRLs, added to a message about a missing or stale CRL. */
  crlProblems?: readonly string[];
  /**
   * `skip` leaves revocation out: for bundle import, which only decides whether a file may enter the store
   * (loading the ceremony decides whether it counts, with CRLs). Default `check`.
   */
  revocation?: 'check' | 'skip';
}

export type CertificateSignerFailureCode =
  | X509ErrorCode
  /** The policy identifies nobody by certificate. */
  | 'certificate-approvers-none'
  /** No certificate came with the signature. */
  | 'certificate-missing'
  /** The certificate certifies another key than the one that signed. */
  | 'certificate-key-mismatch'
  /** The certified key is of a kind or size Conclave does not accept for approvals. */
  | 'certificate-key-unsupported'
  /** The certificate names two different approvers of the policy. */
  | 'certificate-ambiguous';

export type CertificateSigner =
  | {
      ok: true;
      approverId: string;
      keyId: string;
      /** The certified key: what the signature is verified with. */
      spki: Uint8Array;
      certificate: ParsedCertificate;
      /** Leaf first, the trust anchor last. */
      chain: ParsedCertificate[];
      at: Date;
      atSource: SigningTimeSource;
      /** Things worth recording that did not fail the check (a revocation after the signing time). */
      notes: string[];
      /** One line for people: whose certificate, from which CA, checked at which time. */
      description: string;
    }
  | {
      ok: false;
      code: CertificateSignerFailureCode;
      /** A sentence or two: what is wrong with the certificate and what to do. */
      reason: string;
      /** The approver the certificate names, when it names one. */
      approverId?: string;
    };

const short = (keyId: string) => `${keyId.slice(0, 16)}…`;

const timeWords: Record<SigningTimeSource, string> = {
  'trusted-time': 'its RFC 3161 trusted time',
  'recorded-time': 'the time it records',
  'current-time': 'the time of this check, as it has no trusted time',
  'signing-now': 'now, as it signs',
};

/** The identity a policy entry asks for, in words: `email "alice@example.com", subject "CN=Alice"`. */
export function describeIdentity(identity: CertificateIdentity): string {
  const parts: string[] = [];
  if (identity.subject !== undefined) parts.push(`subject "${identity.subject}"`);
  if (identity.email !== undefined) parts.push(`email "${identity.email}"`);
  if (identity.uri !== undefined) parts.push(`URI "${identity.uri}"`);
  if (identity.dns !== undefined) parts.push(`DNS name "${identity.dns}"`);
  return parts.join(', ');
}

/** A DER certificate parsed, or why it cannot be: the error is answered, not thrown. */
export function parseLeaf(der: Uint8Array): ParsedCertificate | X509Error {
  try {
    return parseCertificate(der);
  } catch (error) {
    if (error instanceof X509Error) return error;
    throw error;
  }
}

/**
 * The certificate approvers whose identity this certificate names, without
 * checking its chain: what a signing dialog shows next to a token key. Whether
 * it counts is resolveCertificateSigner's answer.
 */
export function certificateApproversNamedBy(policy: Policy, certificateDer: Uint8Array): string[] {
  const leaf = parseLeaf(certificateDer);
  if (leaf instanceof X509Error) return [];
  const named = policy.certificateApprovers.filter((approver) => matchIdentity(leaf, approver.identity).ok).map((approver) => approver.approverId);
  return [...new Set(named)];
}

async function validateFor(approver: CertificateApprover, leaf: ParsedCertificate, input: CertificateSignerInput, verifier: AlgorithmSignatureVerifier): Promise<ChainValidationResult> {
  const checkRevocation = input.revocation !== 'skip';
  return validateCertificateChain(
    {
      leaf,
      intermediates: [...approver.intermediates, ...input.certificates.slice(1)],
      roots: approver.roots,
      at: input.at,
      ...(input.now ? { now: input.now } : {}),
      crls: checkRevocation ? (input.crls ?? []) : [],
      requireCrl: checkRevocation && approver.crls.length > 0,
      requireDigitalSignature: true,
    },
    { signatureVerifier: verifier },
  );
}

function explainFailure(code: X509ErrorCode, message: string, input: CertificateSignerInput): string {
  let reason = message;
  if ((code === 'certificate-expired' || code === 'certificate-not-yet-valid' || code === 'certificate-revoked') && (input.atSource === 'current-time' || input.atSource === 'recorded-time')) {
    reason +=
      input.atSource === 'current-time'
        ? ' This signature has no trusted time, so its certificate is checked at the time of the check: with the policy\'s time-stamping authority, an approval made while the certificate was valid keeps counting after it expires.'
        : ' (The signing time is the one the signer recorded.)';
  }
  if ((code === 'certificate-crl-missing' || code === 'certificate-crl-stale') && (input.crlProblems ?? []).length > 0) {
    reason += ` (${input.crlProblems!.join('; ')})`;
  }
  return reason;
}

/**
 * Who, by the policy's certificate approvers, made a signature with this key
 * and these certificates at this time; or why nobody did. Never throws for a
 * bad certificate or CRL.
 */
export async function resolveCertificateSigner(policy: Policy, input: CertificateSignerInput, dependencies: CertificateSignerDependencies): Promise<CertificateSigner> {
  if (Number.isNaN(input.at.getTime())) throw new RangeError('resolveCertificateSigner: invalid signing time');
  const approvers = policy.certificateApprovers;
  if (approvers.length === 0) return { ok: false, code: 'certificate-approvers-none', reason: `key ${short(input.keyId)} is not in the policy, and the policy identifies nobody by certificate.` };
  const leafDer = input.certificates[0];
  if (!leafDer) return { ok: false, code: 'certificate-missing', reason: `key ${short(input.keyId)} is not in the policy, and no certificate came with its signature.` };
  const leaf = parseLeaf(leafDer);
  if (leaf instanceof X509Error) return { ok: false, code: leaf.code, reason: `The certificate that came with key ${short(input.keyId)} cannot be read: ${leaf.message}` };

  const certifiedKeyId = toHex(await dependencies.digester.digest('SHA-256', leaf.spki));
  if (certifiedKeyId !== input.keyId) {
    return {
      ok: false,
      code: 'certificate-key-mismatch',
      reason: `${describeCertificate(leaf)} certifies key ${short(certifiedKeyId)}, not key ${short(input.keyId)} that made the signature. The token holds a certificate of another key under this key's id: store the certificate of this key next to it.`,
    };
  }
  const reading = readPublicKeyPem(toPem('PUBLIC KEY', leaf.spki));
  if (!reading.ok) return { ok: false, code: 'certificate-key-unsupported', reason: `The key ${describeCertificate(leaf)} certifies cannot sign approvals: ${reading.reason}.` };

  // Approvers whose identity the certificate names: one of them it must be, with a chain that holds up.
  const named = approvers.filter((approver) => matchIdentity(leaf, approver.identity).ok);
  const accepted: { approver: CertificateApprover; result: Extract<ChainValidationResult, { ok: true }> }[] = [];
  let firstRefusal: { approver: CertificateApprover; code: X509ErrorCode; message: string } | undefined;
  for (const approver of named) {
    const result = await validateFor(approver, leaf, input, dependencies.algorithmVerifier);
    if (result.ok) accepted.push({ approver, result });
    else firstRefusal ??= { approver, code: result.code, message: result.message };
  }
  const acceptedIds = [...new Set(accepted.map((entry) => entry.approver.approverId))];
  if (acceptedIds.length > 1) {
    return {
      ok: false,
      code: 'certificate-ambiguous',
      reason: `${describeCertificate(leaf)} names several approvers of the policy (${acceptedIds.join(', ')}), so it cannot say who signed. Make the identities in the policy specific enough that each certificate names one person.`,
    };
  }
  const chosen = accepted[0];
  if (chosen) {
    const { chain, notes } = chosen.result;
    const issuer = chain[1] ? `, issued by ${describeCertificate(chain[1])}` : '';
    // What "not revoked" rests on: required CRLs, CRLs given anyway, or none at all.
    const revocation =
      input.revocation === 'skip'
        ? ''
        : chosen.approver.crls.length > 0
          ? ' and not revoked'
          : (input.crls ?? []).length > 0
            ? ' and not listed on the CRLs given'
            : '';
    const unchecked = input.revocation !== 'skip' && chosen.approver.crls.length === 0 && (input.crls ?? []).length === 0 ? `; revocation not checked: the policy lists no CRLs for ${chosen.approver.approverId}` : '';
    return {
      ok: true,
      approverId: chosen.approver.approverId,
      keyId: input.keyId,
      spki: leaf.spki,
      certificate: leaf,
      chain,
      at: input.at,
      atSource: input.atSource,
      notes,
      description: `${chosen.approver.approverId}'s certificate ${describeCertificate(leaf)}${issuer}, valid${revocation} at ${formatDate(input.at)} (${timeWords[input.atSource]})${unchecked}`,
    };
  }
  if (firstRefusal) {
    return { ok: false, code: firstRefusal.code, approverId: firstRefusal.approver.approverId, reason: explainFailure(firstRefusal.code, firstRefusal.message, input) };
  }

  // It names nobody: say whether it is from a CA the policy trusts (a wrong identity) or not (another CA).
  const trustedBy: CertificateApprover[] = [];
  let chainRefusal: { code: X509ErrorCode; message: string } | undefined;
  for (const approver of approvers) {
    const result = await validateFor(approver, leaf, { ...input, revocation: 'skip' }, dependencies.algorithmVerifier);
    if (result.ok) trustedBy.push(approver);
    else chainRefusal ??= { code: result.code, message: result.message };
  }
  const has = [...leaf.subjectAltNames.email.map((email) => `email "${email}"`), ...leaf.subjectAltNames.uri.map((uri) => `URI "${uri}"`), ...leaf.subjectAltNames.dns.map((dns) => `DNS name "${dns}"`)];
  const itNames = `${describeCertificate(leaf)}${has.length > 0 ? ` (${has.join(', ')})` : ''}`;
  if (trustedBy.length > 0) {
    return {
      ok: false,
      code: 'certificate-identity-mismatch',
      reason: `${itNames} is from a CA the policy trusts, but names none of its certificate approvers (${trustedBy.map((approver) => `${approver.approverId}: ${describeIdentity(approver.identity)}`).join('; ')}). Check that the approver signed with their own certificate, or correct the identity in the policy.`,
    };
  }
  const refusal = chainRefusal!;
  const identities = approvers.map((approver) => `${approver.approverId}: ${describeIdentity(approver.identity)}`).join('; ');
  return { ok: false, code: refusal.code, reason: `${explainFailure(refusal.code, refusal.message, input)} It names none of the policy's certificate approvers either (${identities}).` };
}
