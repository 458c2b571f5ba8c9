/**
 * The SLSA Verification Summary Attestation (VSA v1) a publication writes
 * (issue 14, point 3): "Conclave's verifier checked this release's approvals
 * against this policy and they met it". It is what lets a cluster tell a
 * genuine k-of-n publication from approvals stitched together from ceremonies
 * that never formed a release: Kyverno verifies each attestor key on its own
 * against every attestation attached to an image (kyverno
 * pkg/engine/internal/imageverifier.go:258-318 at 111e07b), so single
 * approvals of two unpublished ceremonies on one digest meet `count: 2`; the
 * VSA is signed by the publisher only when Conclave's own verifier passed the
 * whole policy, and the documented policies require it (docs/verify.md).
 *
 * What binds it, and is checked by the documented conditions:
 * - `subject`: the release's artifacts, images by their manifest digest, so a
 *   VSA attached to another image does not pass cosign's subject check
 *   (cosign pkg/cosign/verifiers.go:59-97 at d6d86c2);
 * - `policy.digest.sha256`: the ceremony policy's digest, so a VSA of the same
 *   image under another policy fails a condition pinned to yours;
 * - `verificationResult`: always PASSED; Conclave writes no VSA for a failure.
 *
 * Spec: https://slsa.dev/spec/v1.0/verification_summary. Pure: bytes in, bytes out.
 */
import { canonicalJsonBytes } from '../json/canonical';
import { inTotoStatementType } from './statement';

export const verificationSummaryPredicateType = 'https://slsa.dev/verification_summary/v1';
/** verifier.id: Conclave's publish-time verifier (the one `conclave verify` runs). */
export const conclaveVerifierId = 'https://conclave.dev/verifier/publish/v1';
/**
 * verifiedLevels: VSA v1 allows custom values that do not start with `SLSA_`. Conclave checks approvals, not a
 * build track, so it claims no SLSA level; this names what it did verify: the ceremony policy was met.
 */
export const releaseApprovedLevel = 'CONCLAVE_RELEASE_POLICY_MET';

/** An in-toto ResourceDescriptor naming one input by its file name (a relative URI) and digest. */
export interface SummaryResource {
  uri: string;
  digest: { sha256: string };
  mediaType?: string;
}

export interface VerificationSummaryInput {
  /** The release statement's subjects, exactly as signed: images by repository and manifest digest. */
  subjects: readonly { name: string; digest: Record<string, string> }[];
  /** The release's purl. */
  resourceUri: string;
  /** The ceremony's policy: the published policy file's name and the policy digest the statement names. */
  policy: SummaryResource;
  /** The combined envelope and each approver's Sigstore bundle, as published and attached. */
  inputAttestations: readonly SummaryResource[];
  /** When the publish-time verification passed (RFC 3339). */
  timeVerified: string;
  /** The Conclave version, as VSA's verifier.version. */
  verifierVersion?: string;
}

export interface VerificationSummaryStatement {
  _type: typeof inTotoStatementType;
  subject: { name: string; digest: Record<string, string> }[];
  predicateType: typeof verificationSummaryPredicateType;
  predicate: {
    verifier: { id: string; version?: Record<string, string> };
    timeVerified: string;
    resourceUri: string;
    policy: SummaryResource;
    inputAttestations: SummaryResource[];
    verificationResult: 'PASSED';
    verifiedLevels: string[];
  };
}

const hex64 = /^[0-9a-f]{64}$/;

/** The VSA statement of a publication whose envelope verified under its policy. */
export function verificationSummaryStatement(input: VerificationSummaryInput): VerificationSummaryStatement {
  if (input.subjects.length === 0) throw new TypeError('A verification summary needs the release subjects it vouches for.');
  for (const resource of [input.policy, ...input.inputAttestations]) {
    if (!hex64.test(resource.digest.sha256)) throw new TypeError(`${resource.uri} is named by "${resource.digest.sha256}", not a lowercase hex SHA-256.`);
  }
  return {
    _type: inTotoStatementType,
    subject: input.subjects.map((subject) => ({ name: subject.name, digest: { ...subject.digest } })),
    predicateType: verificationSummaryPredicateType,
    predicate: {
      verifier: { id: conclaveVerifierId, ...(input.verifierVersion ? { version: { conclave: input.verifierVersion } } : {}) },
      timeVerified: input.timeVerified,
      resourceUri: input.resourceUri,
      policy: { ...input.policy },
      inputAttestations: input.inputAttestations.map((resource) => ({ ...resource })),
      verificationResult: 'PASSED',
      verifiedLevels: [releaseApprovedLevel],
    },
  };
}

/** The statement's bytes as signed (canonical JSON, so the same publication signs the same bytes). */
export function verificationSummaryPayload(input: VerificationSummaryInput): Uint8Array {
  return canonicalJsonBytes(verificationSummaryStatement(input));
}
