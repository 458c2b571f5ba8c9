/**
 * The envelope a published ceremony stands for, rebuilt from its approvals
 * exactly as CeremonyService.publish wrote it, so its SHA-256 can be compared
 * with the digest the published event recorded. Shared by the audit and (once
 * moved there) the 'ceremonies.verify' handler.
 */
import { createHash } from 'node:crypto';
import { publishedEnvelopeText } from '../../../shared/ceremony/published-envelope';
import { makeEnvelope, type Envelope } from '../../../shared/dsse/envelope';
import { fromBase64 } from '../../../shared/encoding/base64';
import { verifyRelease, type VerificationReport } from '../../../shared/verify/verify';
import { verifyPolicyChange } from '../../../shared/verify/policy-chain';
import { nodeAlgorithmSignatureVerifier, nodeDigester, nodeSignatureVerifier, nodeTrustedTimeDependencies } from '../crypto/node-crypto';
import type { LoadedCeremony } from '../ceremony/ceremony-service';

export interface PublishedEnvelopeCheck {
  envelope: Envelope;
  /** SHA-256 of the envelope's text as publish writes it. */
  digest: string;
  /** Whether it is the envelope the published event recorded. */
  sameAsPublished: boolean;
  report: VerificationReport;
}

/** The envelope text exactly as publish writes it (two-space JSON and a newline). */
export const envelopeText = publishedEnvelopeText;

/** Rebuilds the envelope from the approvals that count and verifies it with the release verifier; undefined before the statement is frozen. */
export async function checkPublishedEnvelope(ceremony: LoadedCeremony, at?: Date): Promise<PublishedEnvelopeCheck | undefined> {
  const { view, policy, opened, statement } = ceremony;
  if (!statement || !view.frozen) return undefined;
  // A published ceremony's envelope carries the approvals its publication names (the judge checked which); until then, every approval that counts.
  const approvals = view.published ? view.published.signedBy.flatMap((keyId) => view.approvals.filter((approval) => approval.keyId === keyId)) : view.approvals;
  const envelope = makeEnvelope(
    view.frozen.payloadType,
    statement,
    approvals.map((approval) => ({ keyid: approval.keyId, signature: fromBase64(approval.signature) })),
  );
  const digest = createHash('sha256').update(envelopeText(envelope)).digest('hex');
  const timestamps = Object.fromEntries(approvals.flatMap((approval) => (approval.timestamp ? [[approval.keyId, approval.timestamp]] : [])));
  // Certificate approvers' certificates (issue 6), checked again with the CRLs the ceremony was loaded with, at each approval's trusted time (else `at`, else now).
  const certificates = Object.fromEntries(
    approvals.flatMap((approval) => (approval.certificates && ceremony.certificateSigners.has(approval.keyId) ? [[approval.keyId, approval.certificates.map((certificate) => fromBase64(certificate))]] : [])),
  );
  const dependencies = { signatureVerifier: nodeSignatureVerifier, trustedTime: nodeTrustedTimeDependencies, certificates: { digester: nodeDigester, algorithmVerifier: nodeAlgorithmSignatureVerifier } };
  // A policy ceremony's envelope must meet the current policy and the one it proposes (issue 10).
  if (ceremony.proposedPolicy) {
    const report = await verifyPolicyChange({ envelope, current: policy, proposed: ceremony.proposedPolicy, ...(at ? { at } : {}), timestamps }, dependencies);
    return { envelope, digest, sameAsPublished: view.published?.envelopeDigest === digest, report };
  }
  const report = await verifyRelease(
    {
      envelope,
      policy,
      artifacts: opened.artifacts.map((artifact) => ({ name: artifact.name, sha256: artifact.digest.sha256 })),
      // `at` is also the signing time of an approval without trusted time; CRLs, fetched now, are judged by the clock.
      ...(at ? { at } : {}),
      timestamps,
      certificates,
      ...(ceremony.revocation ? { crls: ceremony.revocation.crls, crlProblems: ceremony.revocation.problems } : {}),
    },
    dependencies,
  );
  return { envelope, digest, sameAsPublished: view.published?.envelopeDigest === digest, report };
}
