/**
 * `conclave verify` and the check before publishing: one fixed pipeline of
 * named steps (as sigstore-js's verifier is), each of which either passes or
 * says exactly what failed. Every signature must be valid and by a key of the
 * policy; nothing counts twice; people are counted, not signatures.
 *
 *   envelope → payload-type → statement → signatures → duplicates → trusted-time → certificates → policy → artifacts → expiry
 *
 * The first three steps stop the pipeline (there is nothing to check a
 * signature against without them); the others all run, so a report lists
 * every problem at once.
 */
import { EnvelopeError, envelopePayload, parseEnvelope, type Envelope } from '../dsse/envelope';
import { inTotoPayloadType, pae } from '../dsse/pae';
import { fromBase64, toBase64 } from '../encoding/base64';
import { JsonError, parseJsonBytes, parseJsonText } from '../json/parse';
import type { SignatureVerifier } from '../keys/signature-verifier';
import { describePolicy } from '../policy/describe';
import { evaluatePolicy } from '../policy/evaluate';
import type { Policy } from '../policy/policy';
import type { CertificateSignerDependencies, CertificateSignerFailureCode } from '../policy/certificate-signer';
import { X509Error } from '../x509/errors';
import type { TrustedTimeDependencies } from '../timestamp/approval-time';
import { certificateChecks } from './on-demand';
import { StatementError, parseInTotoStatement, releaseApprovalPredicateType, releaseStatementFromInToto, type InTotoStatement, type ReleaseStatement } from '../statement/statement';

export const verificationSteps = ['envelope', 'payload-type', 'statement', 'signatures', 'duplicates', 'trusted-time', 'certificates', 'policy', 'artifacts', 'expiry'] as const;
export type VerificationStep = (typeof verificationSteps)[number];

export const verificationFailureCodes = [
  'envelope-malformed',
  'envelope-bad-base64',
  'envelope-no-signatures',
  'wrong-payload-type',
  'statement-malformed',
  'wrong-statement-type',
  'wrong-predicate-type',
  'signature-invalid',
  'unknown-key',
  'duplicate-signature',
  'timestamp-invalid',
  'trusted-time-missing',
  /** A certificate approver's certificate cannot be read, certifies another key, or may not sign (key usage). */
  'certificate-invalid',
  /** It does not chain to the approver's trusted roots (another CA). */
  'certificate-untrusted',
  /** It had expired at the signing time (the trusted time, else the time of the check). */
  'certificate-expired',
  'certificate-not-yet-valid',
  /** Its CA revoked it before the signing time, or for a key compromise. */
  'certificate-revoked',
  /** No current CRL of one of its CAs, or an unusable one: revocation cannot be ruled out. */
  'certificate-revocation-unknown',
  /** It is from a trusted CA but names none of the policy's certificate approvers (or several). */
  'certificate-identity-mismatch',
  'threshold-not-met',
  'role-minimum-not-met',
  'artifact-mismatch',
  'artifact-not-in-statement',
  'expired',
  /** The statement was approved under another policy than the one given: its approvals say nothing about this policy (issue 10). */
  'policy-mismatch',
] as const;
export type VerificationFailureCode = (typeof verificationFailureCodes)[number];

export interface VerificationFailure {
  code: VerificationFailureCode;
  step: VerificationStep;
  message: string;
  /** The index in the envelope's signatures list, when one signature failed. */
  signatureIndex?: number;
  keyId?: string;
  /** The artifact's SHA-256, when an artifact failed. */
  digest?: string;
}

/**
 * `untimed`: valid, but without the trusted time the policy requires, so it does not count.
 * `certificate-refused`: valid, by the key of a certificate that does not make it an approver's (revoked, expired, another CA or identity).
 */
export type SignatureStatus = 'valid' | 'invalid' | 'unknown-key' | 'duplicate' | 'untimed' | 'certificate-refused';

export interface SignatureReport {
  /** Index in the envelope's signatures list (0-based, as in the JSON). */
  index: number;
  /** The keyid of the policy key that verified it, or the keyid the envelope claims when none did. */
  keyId: string;
  status: SignatureStatus;
  approverId?: string;
  /** Whether it counted toward the policy (a valid signature may not: a person's second key, or the ceremony's opener). */
  counted: boolean;
  /** When its RFC 3161 time stamp proves it was made (ISO 8601), when it has one that verifies. */
  trustedTime?: string;
  /** For a signature by a certificate approver's key: the certificate, and the time it was checked at. */
  certificate?: {
    subject: string;
    issuer: string;
    serialNumber: string;
    /** The signing time the chain was checked at (ISO 8601). */
    checkedAt: string;
    /** `trusted-time`: the RFC 3161 time; `current-time`: no trusted time, so the time of the check (or `at`). */
    timeSource: 'trusted-time' | 'current-time';
  };
}

export interface VerificationReport {
  ok: boolean;
  approvedBy: { id: string; name?: string; role?: string; keyId: string }[];
  signatures: SignatureReport[];
  failures: VerificationFailure[];
  /** Observations that do not fail verification (e.g. a valid signature that did not count). */
  notes: string[];
  steps: { name: VerificationStep; result: 'passed' | 'failed' | 'skipped' }[];
  policy: { digest: string; threshold: number; people: number; description: string };
  /** The statement, once it was read. */
  statement?: InTotoStatement;
  /** The release statement, when the statement is a Conclave release approval. */
  release?: ReleaseStatement;
  /** The artifacts that matched a subject. */
  artifacts: { name: string; sha256: string; subject: string }[];
}

export interface VerificationInput {
  /** The envelope as file bytes or text, or already parsed JSON. */
  envelope: Uint8Array | string | Envelope;
  policy: Policy;
  /** Artifacts to check against the statement's subjects, by SHA-256 (lowercase hex). */
  artifacts?: { name: string; sha256: string }[];
  /**
   * When given, a release whose ceremony expired before this time fails with
   * 'expired' (the check before publishing). `conclave verify` leaves it out:
   * a published release stays valid after its ceremony's deadline.
   */
  at?: Date;
  /** Accept in-toto statements with another predicate type (signatures, policy and subjects are still checked). Default false. */
  acceptForeignPredicate?: boolean;
  /** RFC 3161 time stamps by keyid (Sigstore's signedTimestamp: base64 DER TimeStampResp), e.g. from the approvers' Sigstore bundles. */
  timestamps?: Record<string, string>;
  /**
   * Certificates of certificate approvers by keyid (DER, leaf first), e.g. from their Sigstore bundles or the
   * ceremony's approvals: a signature by a key the policy does not list counts when its certificate checks out
   * (shared/policy/certificate-signer.ts) at its trusted time, else at `at`, else at `now`.
   */
  certificates?: Record<string, Uint8Array[]>;
  /** CRLs (DER or PEM) for certificate approvers: fetched from the policy's URLs, or files given for offline use. */
  crls?: Uint8Array[];
  /** What went wrong fetching the policy's CRLs, for the message when one is missing. */
  crlProblems?: string[];
  /** The current time: CRL freshness, and the signing time of a certificate approver's signature without trusted time (when `at` is not given). Default: the clock. */
  now?: Date;
  /**
   * For a policy ceremony (issue 10): its envelope carries signatures of two policies' people, so a key this policy
   * does not list is noted, not failed; and the statement names the policy it was approved under (the current one),
   * which is given here when checking against the proposed policy. Default: this policy's digest.
   */
  policyChange?: { approvedUnder: string };
}

export interface VerificationDependencies {
  signatureVerifier: SignatureVerifier;
  /** Needed when time stamps are given or the policy requires trusted time. */
  trustedTime?: TrustedTimeDependencies;
  /** Needed when certificates are given (the trustedTime dependencies serve when these are left out). */
  certificates?: CertificateSignerDependencies;
}

const certificateFailureCodes: Record<CertificateSignerFailureCode, VerificationFailureCode> = {
  'certificate-malformed': 'certificate-invalid',
  'certificate-unsupported': 'certificate-invalid',
  'certificate-usage': 'certificate-invalid',
  'certificate-missing': 'certificate-invalid',
  'certificate-key-mismatch': 'certificate-invalid',
  'certificate-key-unsupported': 'certificate-invalid',
  'certificate-untrusted': 'certificate-untrusted',
  'certificate-signature-invalid': 'certificate-untrusted',
  'certificate-expired': 'certificate-expired',
  'certificate-not-yet-valid': 'certificate-not-yet-valid',
  'certificate-revoked': 'certificate-revoked',
  'certificate-crl-invalid': 'certificate-revocation-unknown',
  'certificate-crl-stale': 'certificate-revocation-unknown',
  'certificate-crl-missing': 'certificate-revocation-unknown',
  'certificate-identity-mismatch': 'certificate-identity-mismatch',
  'certificate-ambiguous': 'certificate-identity-mismatch',
  'certificate-approvers-none': 'unknown-key',
};

/** More signatures than any ceremony produces means someone is trying to make the verifier work, not a release. */
export const maximumSignatures = 256;
/** The longest signature of any key a policy accepts (RSA 8192). */
const maximumSignatureBytes = 1024;
const envelopeLimits = { maxBytes: 16 * 1024 * 1024, maxDepth: 8 };

const envelopeCodes: Record<EnvelopeError['code'], VerificationFailureCode> = {
  'envelope-not-json': 'envelope-malformed',
  'envelope-malformed': 'envelope-malformed',
  'envelope-bad-base64': 'envelope-bad-base64',
  'envelope-no-signatures': 'envelope-no-signatures',
};

const statementCodes: Record<StatementError['code'], VerificationFailureCode> = {
  'statement-not-json': 'statement-malformed',
  'statement-malformed': 'statement-malformed',
  'statement-invalid-input': 'statement-malformed',
  'statement-wrong-type': 'wrong-statement-type',
  'statement-wrong-predicate-type': 'wrong-predicate-type',
};

const short = (keyId: string) => (keyId.length > 16 ? `${keyId.slice(0, 16)}…` : keyId || '(none)');

function readEnvelope(input: VerificationInput['envelope']): Envelope {
  let value: unknown = input;
  try {
    if (typeof input === 'string') value = parseJsonText(input, envelopeLimits);
    else if (input instanceof Uint8Array) value = parseJsonBytes(input, envelopeLimits);
  } catch (error) {
    if (error instanceof JsonError) throw new EnvelopeError('envelope-not-json', `The envelope cannot be read as JSON: ${error.message}`);
    throw error;
  }
  return parseEnvelope(value);
}

export async function verifyRelease(input: VerificationInput, { signatureVerifier, trustedTime, certificates: certificateDependencies }: VerificationDependencies): Promise<VerificationReport> {
  const { policy } = input;
  const report: VerificationReport = {
    ok: false,
    approvedBy: [],
    signatures: [],
    failures: [],
    notes: [],
    steps: [],
    policy: { digest: policy.digest, threshold: policy.threshold, people: policy.people.length, description: describePolicy(policy) },
    artifacts: [],
  };
  const fail = (failure: VerificationFailure) => report.failures.push(failure);
  const finishStep = (name: VerificationStep, failuresBefore: number) => report.steps.push({ name, result: report.failures.length > failuresBefore ? 'failed' : 'passed' });
  const stop = (after: VerificationStep) => {
    for (const name of verificationSteps.slice(verificationSteps.indexOf(after) + 1)) report.steps.push({ name, result: 'skipped' });
    return report;
  };

  // 1. envelope: well-formed DSSE, standard base64, at least one signature.
  let envelope: Envelope;
  try {
    envelope = readEnvelope(input.envelope);
    if (envelope.signatures.length > maximumSignatures) {
      throw new EnvelopeError('envelope-malformed', `The envelope carries ${envelope.signatures.length} signatures; Conclave reads at most ${maximumSignatures}.`);
    }
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error;
    fail({ code: envelopeCodes[error.code], step: 'envelope', message: error.message });
    report.steps.push({ name: 'envelope', result: 'failed' });
    return stop('envelope');
  }
  report.steps.push({ name: 'envelope', result: 'passed' });

  // 2. payload-type: signatures are over PAE(payloadType, payload), so a different type is a different signed message.
  if (envelope.payloadType !== inTotoPayloadType) {
    fail({ code: 'wrong-payload-type', step: 'payload-type', message: `The envelope's payloadType is "${envelope.payloadType}"; a release statement is "${inTotoPayloadType}".` });
    report.steps.push({ name: 'payload-type', result: 'failed' });
    return stop('payload-type');
  }
  report.steps.push({ name: 'payload-type', result: 'passed' });

  // 3. statement: an in-toto Statement v1; ours unless the caller accepts others.
  const payload = envelopePayload(envelope);
  try {
    const statement = parseInTotoStatement(payload);
    report.statement = statement;
    if (statement.predicateType === releaseApprovalPredicateType) report.release = releaseStatementFromInToto(statement);
    else if (!input.acceptForeignPredicate) releaseStatementFromInToto(statement); // throws the wrong-predicate-type error
  } catch (error) {
    if (!(error instanceof StatementError)) throw error;
    fail({ code: statementCodes[error.code], step: 'statement', message: error.message });
    report.steps.push({ name: 'statement', result: 'failed' });
    return stop('statement');
  }
  report.steps.push({ name: 'statement', result: 'passed' });

  // 4. signatures: each over PAE with the policy key its keyid names; with no or an unknown keyid, whichever policy key verifies it.
  let before = report.failures.length;
  const signed = pae(envelope.payloadType, payload);
  const keysById = new Map(policy.keys.map((key) => [key.keyId, key]));
  /** Per signature: its bytes, the key that verified it, and for a certificate approver's key the certificates it came with. */
  const checked: { signature: Uint8Array; key?: { keyId: string; approverId?: string }; certificates?: Uint8Array[] }[] = [];
  for (const [index, entry] of envelope.signatures.entries()) {
    const signature = fromBase64(entry.sig);
    const named = keysById.get(entry.keyid);
    const chain = named ? undefined : input.certificates?.[entry.keyid];
    if (chain && chain.length > 0) {
      // A key the policy does not list, with a certificate: the signature must verify with the certified key; whose key it is, the certificates step says.
      let certified: Uint8Array | undefined;
      let unreadable: string | undefined;
      try {
        certified = (await certificateChecks()).parseCertificate(chain[0]!).spki;
      } catch (error) {
        if (!(error instanceof X509Error)) throw error;
        unreadable = error.message;
      }
      const valid = certified !== undefined && signature.length <= maximumSignatureBytes && (await signatureVerifier.verify(certified, signed, signature));
      checked.push({ signature, ...(valid ? { key: { keyId: entry.keyid }, certificates: chain } : {}) });
      if (valid) {
        report.signatures.push({ index, keyId: entry.keyid, status: 'valid', counted: false });
        continue;
      }
      report.signatures.push({ index, keyId: entry.keyid, status: 'invalid', counted: false });
      fail({
        code: unreadable ? 'certificate-invalid' : 'signature-invalid',
        step: 'signatures',
        signatureIndex: index,
        keyId: entry.keyid,
        message: unreadable
          ? `The certificate given for signatures[${index}] (keyid ${short(entry.keyid)}) cannot be read: ${unreadable}`
          : `signatures[${index}] (keyid ${short(entry.keyid)}) does not verify with the key of the certificate given for it: the payload was changed after signing, or the certificate is another key's.`,
      });
      continue;
    }
    let key: (typeof policy.keys)[number] | undefined;
    if (signature.length <= maximumSignatureBytes) {
      if (named) key = (await signatureVerifier.verify(named.spki, signed, signature)) ? named : undefined;
      else {
        for (const candidate of policy.keys) {
          if (await signatureVerifier.verify(candidate.spki, signed, signature)) {
            key = candidate;
            break;
          }
        }
      }
    }
    checked.push({ signature, ...(key ? { key } : {}) });
    if (key) {
      report.signatures.push({ index, keyId: key.keyId, status: 'valid', approverId: key.approverId, counted: false });
    } else if (named) {
      report.signatures.push({ index, keyId: entry.keyid, status: 'invalid', approverId: named.approverId, counted: false });
      fail({
        code: 'signature-invalid',
        step: 'signatures',
        signatureIndex: index,
        keyId: entry.keyid,
        message: `signatures[${index}] names the key of ${named.approverId} (keyid ${short(entry.keyid)}) but does not verify with it over this payload: the payload was changed after signing, or the signature belongs to another statement.`,
      });
    } else if (input.policyChange) {
      report.signatures.push({ index, keyId: entry.keyid, status: 'unknown-key', counted: false });
      report.notes.push(`signatures[${index}] (keyid ${short(entry.keyid)}) is by a key of the other policy of this policy change; it does not count toward this one.`);
    } else {
      report.signatures.push({ index, keyId: entry.keyid, status: 'unknown-key', counted: false });
      fail({
        code: 'unknown-key',
        step: 'signatures',
        signatureIndex: index,
        keyId: entry.keyid,
        message: `signatures[${index}] (keyid ${short(entry.keyid)}) was not made by any key in the policy; it does not count.${policy.certificateApprovers.length > 0 ? " If it is a certificate approver's, give their Sigstore bundle (--bundle): it carries the certificate." : ''}`,
      });
    }
  }
  finishStep('signatures', before);

  // 5. duplicates: the same signature twice, or the same key twice, counts once and fails (nothing may be padded to reach a threshold).
  before = report.failures.length;
  const seenSignatures = new Map<string, number>();
  const seenKeys = new Map<string, number>();
  for (const [index, { signature, key }] of checked.entries()) {
    const entry = report.signatures[index]!;
    const encoded = toBase64(signature);
    const sameSignature = seenSignatures.get(encoded);
    if (sameSignature === undefined) seenSignatures.set(encoded, index);
    if (!key) continue;
    const sameKey = seenKeys.get(key.keyId);
    if (sameSignature !== undefined || sameKey !== undefined) {
      entry.status = 'duplicate';
      const earlier = sameSignature ?? sameKey!;
      fail({
        code: 'duplicate-signature',
        step: 'duplicates',
        signatureIndex: index,
        keyId: key.keyId,
        message:
          sameSignature !== undefined
            ? `signatures[${index}] is the same signature as signatures[${earlier}] (${key.approverId ?? 'a certificate approver'}, keyid ${short(key.keyId)}); it counts once.`
            : `signatures[${index}] is a second signature by the key of signatures[${earlier}] (${key.approverId ?? 'a certificate approver'}, keyid ${short(key.keyId)}); a key counts once.`,
      });
      continue;
    }
    seenKeys.set(key.keyId, index);
  }
  finishStep('duplicates', before);

  // 6. trusted-time: each time stamp over its own signature, from a TSA the policy trusts; required ones missing make the signature not count.
  before = report.failures.length;
  const required = policy.timestamping?.required ?? false;
  for (const [index, entry] of report.signatures.entries()) {
    if (entry.status !== 'valid') continue;
    const stamp = input.timestamps?.[entry.keyId];
    if (stamp !== undefined) {
      if (!trustedTime) throw new Error('verifyRelease needs trustedTime dependencies to check time stamps.');
      const verdict = await (await certificateChecks()).verifyApprovalTime(stamp, checked[index]!.signature, policy, trustedTime);
      if (verdict.ok) {
        entry.trustedTime = verdict.genTime.toISOString();
        continue;
      }
      fail({ code: 'timestamp-invalid', step: 'trusted-time', signatureIndex: index, keyId: entry.keyId, message: `The time stamp of signatures[${index}] (${entry.approverId ?? short(entry.keyId)}) does not count: ${verdict.reason}` });
    } else if (required) {
      fail({ code: 'trusted-time-missing', step: 'trusted-time', signatureIndex: index, keyId: entry.keyId, message: `signatures[${index}] (${entry.approverId ?? short(entry.keyId)}) has no RFC 3161 time stamp, and the policy counts only approvals with a trusted time. Give the approvers' Sigstore bundles (--bundle), which carry them.` });
    }
    if (required) entry.status = 'untimed';
  }
  finishStep('trusted-time', before);

  // 7. certificates: a certificate approver's key counts when its certificate chains to the approver's roots, names them,
  //    may sign, and was valid and not revoked at the signing time: the trusted time when there is one, else `at`, else now.
  before = report.failures.length;
  const now = input.now ?? new Date();
  const certificateSigners = new Map<string, string>();
  for (const [index, entry] of report.signatures.entries()) {
    const chain = checked[index]!.certificates;
    if (!chain || entry.status !== 'valid') continue;
    const dependencies = certificateDependencies ?? trustedTime;
    if (!dependencies) throw new Error('verifyRelease needs certificate dependencies to check certificates.');
    const timed = entry.trustedTime !== undefined;
    const at = timed ? new Date(entry.trustedTime!) : (input.at ?? now);
    const checks = await certificateChecks();
    const resolved = await checks.resolveCertificateSigner(
      policy,
      { keyId: entry.keyId, certificates: chain, at, atSource: timed ? 'trusted-time' : 'current-time', now, crls: input.crls ?? [], crlProblems: input.crlProblems ?? [] },
      dependencies,
    );
    if (resolved.ok) {
      entry.approverId = resolved.approverId;
      checked[index]!.key = { keyId: entry.keyId, approverId: resolved.approverId };
      entry.certificate = {
        subject: resolved.certificate.subject.rfc4514,
        issuer: resolved.certificate.issuer.rfc4514,
        serialNumber: resolved.certificate.serialNumber,
        checkedAt: at.toISOString(),
        timeSource: timed ? 'trusted-time' : 'current-time',
      };
      certificateSigners.set(entry.keyId, resolved.approverId);
      report.notes.push(`signatures[${index}] is by ${resolved.description}.`, ...resolved.notes.map((note) => `signatures[${index}]: ${note}`));
      continue;
    }
    entry.status = 'certificate-refused';
    if (resolved.approverId !== undefined) entry.approverId = resolved.approverId;
    const leaf = (() => {
      try {
        return checks.describeCertificate(checks.parseCertificate(chain[0]!));
      } catch {
        return 'its certificate';
      }
    })();
    fail({
      code: certificateFailureCodes[resolved.code],
      step: 'certificates',
      signatureIndex: index,
      keyId: entry.keyId,
      message: `signatures[${index}] (${resolved.approverId ?? `keyid ${short(entry.keyId)}`}, certificate ${leaf}) does not count: ${resolved.reason}`,
    });
  }
  finishStep('certificates', before);

  // 8. policy: distinct people, role minimums, and the opener rule when the statement names the opener.
  before = report.failures.length;
  const valid = report.signatures.filter((entry) => entry.status === 'valid');
  const openerId = report.release?.predicate.ceremony.openedBy;
  const evaluation = evaluatePolicy(policy, { approvals: valid.map((entry) => entry.keyId), rejections: [], certificateSigners, ...(openerId !== undefined ? { openerId } : {}) });
  for (const person of policy.people.filter((candidate) => evaluation.counted.includes(candidate.id))) {
    const first = valid.find((entry) => entry.approverId === person.id)!;
    first.counted = true;
    report.approvedBy.push({ id: person.id, ...(person.name !== undefined ? { name: person.name } : {}), ...(person.role !== undefined ? { role: person.role } : {}), keyId: first.keyId });
  }
  for (const skipped of evaluation.notCounted) {
    const entry = valid.find((candidate) => candidate.keyId === skipped.keyId && !candidate.counted);
    if (skipped.reason === 'opener') report.notes.push(`signatures[${entry?.index ?? '?'}] by ${skipped.approverId} is valid but does not count: ${skipped.approverId} opened the ceremony, and the policy does not let the opener approve.`);
    if (skipped.reason === 'same-person') report.notes.push(`signatures[${entry?.index ?? '?'}] is a second key of ${skipped.approverId}; one person counts once.`);
  }
  const counted = evaluation.counted;
  if (counted.length < policy.threshold) {
    fail({
      code: 'threshold-not-met',
      step: 'policy',
      message: `${policy.threshold} distinct approvers are needed (${report.policy.description}); ${counted.length === 0 ? 'none' : `only ${counted.join(', ')}`} signed validly${openerId !== undefined && evaluation.notCounted.some((entry) => entry.reason === 'opener') ? ` (${openerId} opened the ceremony and does not count)` : ''}.`,
    });
  }
  for (const [role, missing] of Object.entries(evaluation.missing.roles)) {
    const minimum = policy.roles[role] ?? 0;
    const holders = policy.people.filter((person) => person.role === role).map((person) => person.id);
    fail({
      code: 'role-minimum-not-met',
      step: 'policy',
      message: `At least ${minimum} "${role}" ${minimum === 1 ? 'approval is' : 'approvals are'} needed and ${missing} ${missing === 1 ? 'is' : 'are'} missing; ${holders.join(', ')} ${holders.length === 1 ? 'has' : 'have'} that role.`,
    });
  }
  if (report.release && report.release.predicate.policy.digest.sha256 !== (input.policyChange?.approvedUnder ?? policy.digest)) {
    // Keys that happen to be in both policies do not make one policy's approval the other's: whoever changed the policy could have swapped a key.
    fail({
      code: 'policy-mismatch',
      step: 'policy',
      message: `The statement was approved under policy sha256:${short(report.release.predicate.policy.digest.sha256)}, not the one given (sha256:${short(policy.digest)}). Verify with the policy your team trusts; if the policy was changed by a policy ceremony, give the chain (--policy-chain).`,
    });
  }
  finishStep('policy', before);

  // 9. artifacts: each given artifact's SHA-256 is a subject's.
  before = report.failures.length;
  const subjects = report.statement!.subject;
  for (const artifact of input.artifacts ?? []) {
    const digest = artifact.sha256.toLowerCase();
    const subject = subjects.find((candidate) => candidate.digest.sha256?.toLowerCase() === digest);
    if (subject) {
      report.artifacts.push({ name: artifact.name, sha256: digest, subject: subject.name ?? '' });
      continue;
    }
    const sameName = subjects.find((candidate) => candidate.name === artifact.name);
    if (sameName) {
      fail({
        code: 'artifact-mismatch',
        step: 'artifacts',
        digest,
        message: `${artifact.name} has sha256 ${digest}, but the statement's subject "${artifact.name}" has sha256 ${sameName.digest.sha256 ?? '(none)'}: this is not the artifact that was approved.`,
      });
    } else {
      fail({ code: 'artifact-not-in-statement', step: 'artifacts', digest, message: `${artifact.name} (sha256 ${digest}) is not a subject of the statement: no subject has that digest.` });
    }
  }
  finishStep('artifacts', before);

  // 10. expiry: only when the caller asks about a moment (the check before publishing).
  before = report.failures.length;
  if (input.at && report.release) {
    const expiresAt = report.release.predicate.ceremony.expiresAt;
    if (input.at.getTime() > Date.parse(expiresAt)) {
      fail({ code: 'expired', step: 'expiry', message: `The ceremony ${report.release.predicate.ceremony.id} expired at ${expiresAt}; its approvals cannot be published after that. Open a new ceremony.` });
    }
  }
  finishStep('expiry', before);

  report.ok = report.failures.length === 0;
  return report;
}
