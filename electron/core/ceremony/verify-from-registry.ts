/**
 * `conclave verify … oci://REGISTRY/REPOSITORY@sha256:…` (issue 6, "For
 * consumers"): the Conclave envelopes attached to an image, each checked by
 * the release verifier against the consumer's policy with the image's
 * manifest digest as the artifact. One that verifies is enough.
 *
 * The image must be named by digest: what is deployed is a manifest, and a
 * tag can point somewhere else between this check and the pull.
 */
import type { ImageReference } from '../../../shared/oci/reference';
import { parseImageReference } from '../../../shared/oci/reference';
import type { Policy } from '../../../shared/policy/policy';
import { releaseApprovalPredicateType } from '../../../shared/statement/statement';
import { verifyRelease, type VerificationDependencies, type VerificationInput, type VerificationReport } from '../../../shared/verify/verify';
import { nodeSignatureVerifier } from '../crypto/node-crypto';
import { OciClient, type EnvelopeLocation, type OciOptions } from '../oci';
import { imageSubjectName } from './publish-to-registry';

export const ociScheme = 'oci://';

export interface RegistryCandidate {
  /** sha256 of the envelope bytes as stored. */
  envelopeDigest: string;
  locations: EnvelopeLocation[];
  report: VerificationReport;
}

export interface RegistryVerification {
  ok: boolean;
  /** registry/repository@sha256:…. */
  image: string;
  /** The name a statement gives this image: registry/repository. */
  subjectName: string;
  digest: string;
  /** Every Conclave envelope attached, with its report, in the order found. */
  candidates: RegistryCandidate[];
  /** The first candidate that verified. */
  verified?: RegistryCandidate;
  /** Why nothing verified when there was nothing to check. */
  problem?: string;
  /** Envelopes of other predicate types (other tools' attestations): not checked. */
  others: { envelopeDigest: string; predicateType: string | undefined }[];
}

/** Reads `oci://REF` (or a bare REF); the caller decides what to do with a tag. */
export function parseOciTarget(text: string): ImageReference {
  return parseImageReference(text.startsWith(ociScheme) ? text.slice(ociScheme.length) : text);
}

/**
 * Finds and verifies. The statement's subject for this repository must carry
 * the image's digest: a subject with that digest under another name (the
 * image approved as another repository) does not count.
 */
export async function verifyFromRegistry(
  reference: ImageReference & { digest: string },
  policy: Policy,
  options: OciOptions = {},
  extra: {
    /** What the approvers' bundles add (time stamps, certificates, CRLs), as `conclave verify --bundle` reads them. */
    material?: Pick<VerificationInput, 'timestamps' | 'certificates' | 'crls' | 'crlProblems'>;
    dependencies?: VerificationDependencies;
  } = {},
): Promise<RegistryVerification> {
  const subjectName = imageSubjectName(reference);
  const image = `${subjectName}@${reference.digest}`;
  const hex = reference.digest.slice('sha256:'.length);
  const found = await new OciClient(options).findEnvelopes(image);
  const result: RegistryVerification = { ok: false, image, subjectName, digest: reference.digest, candidates: [], others: [] };
  for (const entry of found) {
    if (entry.predicateType !== releaseApprovalPredicateType) {
      result.others.push({ envelopeDigest: entry.digest, predicateType: entry.predicateType });
      continue;
    }
    const report = await verifyRelease({ envelope: entry.envelope, policy, artifacts: [{ name: subjectName, sha256: hex }], ...extra.material }, extra.dependencies ?? { signatureVerifier: nodeSignatureVerifier });
    const matched = report.artifacts.find((artifact) => artifact.sha256 === hex);
    const named = report.statement?.subject.some((subject) => subject.name === subjectName && subject.digest.sha256?.toLowerCase() === hex);
    if (matched && named) matched.subject = subjectName;
    if (matched && !named) {
      report.failures.push({
        code: 'artifact-not-in-statement',
        step: 'artifacts',
        digest: hex,
        message: `The statement approves sha256 ${hex} as "${matched.subject}", not as ${subjectName}: it was approved under another repository name.`,
      });
      report.artifacts = report.artifacts.filter((artifact) => artifact !== matched);
      report.steps = report.steps.map((step) => (step.name === 'artifacts' ? { ...step, result: 'failed' } : step));
      report.ok = false;
    }
    const candidate = { envelopeDigest: entry.digest, locations: entry.locations, report };
    result.candidates.push(candidate);
    if (report.ok && !result.verified) result.verified = candidate;
  }
  result.ok = result.verified !== undefined;
  if (result.candidates.length === 0) {
    const others = result.others.length > 0 ? ` (it carries ${result.others.length} other attestation${result.others.length === 1 ? '' : 's'}: ${[...new Set(result.others.map((other) => other.predicateType ?? 'unreadable'))].join(', ')})` : '';
    result.problem = `no Conclave envelope is attached to ${image}${others}. Publish the ceremony that approved it with this image (conclave ceremony open --image), or check that this is the digest you meant to deploy.`;
  }
  return result;
}

/** Where an envelope was found, for people: "referrers tag sha256-…, cosign tag sha256-….att". */
export function describeLocations(locations: readonly EnvelopeLocation[]): string {
  return locations
    .map((location) => {
      if (location.via === 'cosign-tag') return `cosign tag ${location.tag}`;
      return `${location.via === 'referrers-api' ? 'referrers API' : 'referrers tag'}, artifact ${location.manifestDigest}`;
    })
    .join('; ');
}
