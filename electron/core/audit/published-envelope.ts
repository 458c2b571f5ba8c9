/**
 * The envelope a published ceremony stands for, rebuilt from its approvals
 * exactly as CeremonyService.publish wrote it, so its SHA-256 can be compared
 * with the digest the published event recorded. Shared by the audit and (once
 * moved there) the 'ceremonies.verify' handler.
 */
import { createHash } from 'node:crypto';
import { makeEnvelope, type Envelope } from '../../../shared/dsse/envelope';
import { fromBase64 } from '../../../shared/encoding/base64';
import { verifyRelease, type VerificationReport } from '../../../shared/verify/verify';
import { nodeSignatureVerifier } from '../crypto/node-crypto';
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
export function envelopeText(envelope: Envelope): string {
  return `${JSON.stringify(envelope, null, 2)}\n`;
}

/** Rebuilds the envelope from the approvals that count and verifies it with the release verifier; undefined before the statement is frozen. */
export async function checkPublishedEnvelope(ceremony: LoadedCeremony, at?: Date): Promise<PublishedEnvelopeCheck | undefined> {
  const { view, policy, opened, statement } = ceremony;
  if (!statement || !view.frozen) return undefined;
  const envelope = makeEnvelope(
    view.frozen.payloadType,
    statement,
    view.approvals.map((approval) => ({ keyid: approval.keyId, signature: fromBase64(approval.signature) })),
  );
  const digest = createHash('sha256').update(envelopeText(envelope)).digest('hex');
  const report = await verifyRelease(
    { envelope, policy, artifacts: opened.artifacts.map((artifact) => ({ name: artifact.name, sha256: artifact.digest.sha256 })), ...(at ? { at } : {}) },
    { signatureVerifier: nodeSignatureVerifier },
  );
  return { envelope, digest, sameAsPublished: view.published?.envelopeDigest === digest, report };
}
