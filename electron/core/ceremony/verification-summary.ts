/**
 * The publisher's Verification Summary Attestation (issue 14, point 3;
 * shared/statement/verification-summary.ts says what it binds and why):
 * its payload, built once the combined envelope verified under the ceremony's
 * policy, signed by the publisher in the same token session as the published
 * event, written beside the other published files and attached to each image
 * after everything it names.
 *
 * Publishing again (a registry failed half-way) must add nothing twice: the
 * VSA written by the earlier attempt is kept when it is the publisher's
 * signature over the same summary (all but its timeVerified), and attaching
 * its very bytes again is idempotent.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { makeEnvelope, parseEnvelope, type Envelope } from '../../../shared/dsse/envelope';
import { inTotoPayloadType, pae } from '../../../shared/dsse/pae';
import { fromBase64 } from '../../../shared/encoding/base64';
import { approvalBundle, sigstoreBundleV03MediaType, type SigstoreBundle } from '../../../shared/sigstore/bundle';
import { verificationSummaryPayload, type VerificationSummaryInput } from '../../../shared/statement/verification-summary';
import { nodeSignatureVerifier } from '../crypto/node-crypto';
import { conclaveVersion } from '../version';

/** The media types the VSA's inputs are named with. */
export const summaryInputMediaTypes = { envelope: 'application/vnd.dsse.envelope.v1+json', bundle: sigstoreBundleV03MediaType } as const;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const encoder = new TextEncoder();

export interface SummaryFiles {
  /** The combined envelope, as written. */
  envelope: { uri: string; text: string };
  /** Each approver's Sigstore bundle, as written. */
  bundles: readonly { uri: string; text: string }[];
  /** The published policy file's name, and the policy digest the statement names. */
  policy: { uri: string; sha256: string };
}

/** What the publisher signs: the VSA over the release's subjects, naming the policy and every published approval by digest. */
export function summaryInput(subjects: VerificationSummaryInput['subjects'], purl: string, files: SummaryFiles, timeVerified: Date): VerificationSummaryInput {
  return {
    subjects,
    resourceUri: purl,
    policy: { uri: files.policy.uri, digest: { sha256: files.policy.sha256 } },
    inputAttestations: [
      { uri: files.envelope.uri, digest: { sha256: sha256(encoder.encode(files.envelope.text)) }, mediaType: summaryInputMediaTypes.envelope },
      ...files.bundles.map((bundle) => ({ uri: bundle.uri, digest: { sha256: sha256(encoder.encode(bundle.text)) }, mediaType: summaryInputMediaTypes.bundle })),
    ],
    timeVerified: timeVerified.toISOString(),
    verifierVersion: conclaveVersion,
  };
}

/** The bytes the publisher's token signs: PAE over the VSA statement. */
export function summaryMessage(payload: Uint8Array): Uint8Array {
  return pae(inTotoPayloadType, payload);
}

/** The signed VSA as the file and the `.att` layer carry it (the keyid is the publisher's, as in every Conclave envelope). */
export function summaryEnvelopeText(payload: Uint8Array, keyid: string, signature: Uint8Array): string {
  return `${JSON.stringify(makeEnvelope(inTotoPayloadType, payload, [{ keyid, signature }]), null, 2)}\n`;
}

/** The VSA as a Sigstore bundle, for verifiers that read bundles (cosign 3, Kyverno's ImageValidatingPolicy): empty DSSE keyid, the key named by the hint. */
export function summaryBundle(envelope: Envelope): SigstoreBundle {
  return approvalBundle(envelope, envelope.signatures[0]!);
}

/**
 * The VSA an earlier attempt to publish wrote at `path`, when it is the publisher's signature over this
 * summary apart from its timeVerified: publishing again keeps it, so the registry gets the same bytes.
 */
export async function earlierSummary(path: string, input: VerificationSummaryInput, publisherSpki: Uint8Array): Promise<{ text: string; envelope: Envelope } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const envelope = parseEnvelope(JSON.parse(text));
    if (envelope.payloadType !== inTotoPayloadType || envelope.signatures.length !== 1) return undefined;
    const payload = fromBase64(envelope.payload);
    const earlier = JSON.parse(new TextDecoder().decode(payload)) as { predicate?: { timeVerified?: unknown } };
    const timeVerified = earlier.predicate?.timeVerified;
    if (typeof timeVerified !== 'string') return undefined;
    const expected = verificationSummaryPayload({ ...input, timeVerified });
    if (expected.length !== payload.length || !expected.every((byte, index) => byte === payload[index])) return undefined;
    if (!(await nodeSignatureVerifier.verify(publisherSpki, summaryMessage(payload), fromBase64(envelope.signatures[0]!.sig)))) return undefined;
    return { text, envelope };
  } catch {
    return undefined;
  }
}
