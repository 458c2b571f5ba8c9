/**
 * `conclave verify … oci://REGISTRY/REPOSITORY@sha256:…` (issue 6, "For
 * consumers"): the Conclave envelopes attached to an image, each checked by
 * the release verifier against the consumer's policy with the image's
 * manifest digest as the artifact. One that verifies is enough.
 *
 * The approvers' Sigstore bundles attached next to the envelope (artifactType
 * application/vnd.dev.sigstore.bundle.v0.3+json) give their time stamps and
 * certificates, as `--bundle` files do; those add to them.
 *
 * The image must be named by digest: what is deployed is a manifest, and a
 * tag can point somewhere else between this check and the pull.
 */
import { EnvelopeError, parseEnvelope } from '../../../shared/dsse/envelope';
import { fromBase64 } from '../../../shared/encoding/base64';
import { ConclaveError } from '../../../shared/errors';
import { JsonError, parseJsonBytes } from '../../../shared/json/parse';
import type { ImageReference } from '../../../shared/oci/reference';
import { parseImageReference } from '../../../shared/oci/reference';
import { limits } from '../../../shared/oci/media-types';
import { sigstoreBundleV03MediaType } from '../../../shared/sigstore/bundle';
import type { Policy } from '../../../shared/policy/policy';
import { releaseApprovalPredicateType } from '../../../shared/statement/statement';
import { verifyRelease, type VerificationDependencies, type VerificationInput, type VerificationReport } from '../../../shared/verify/verify';
import { nodeSignatureVerifier } from '../crypto/node-crypto';
import type { EnvelopeLocation, OciClient, OciOptions } from '../oci';
import { bundleMaterial, readBundleText, withRevocation, type ReadBundle, type VerificationMaterial as Material } from './verification-material';
import { bundleAnnotations, bundleArtifactType, imageSubjectName, ociClient } from './publish-to-registry';
import { verificationSummaryPredicateType } from '../../../shared/statement/verification-summary';

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
  /** Sigstore bundle artifacts found attached to the image (manifest digests). */
  bundleArtifacts: string[];
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
  const client = await ociClient(options);
  const found = await client.findEnvelopes(image);
  const result: RegistryVerification = { ok: false, image, subjectName, digest: reference.digest, candidates: [], bundleArtifacts: [], others: [] };
  const bundles = found.some((entry) => entry.predicateType === releaseApprovalPredicateType) ? await attachedBundles(client, image) : { read: [], unreadable: [] };
  result.bundleArtifacts = [...new Set([...bundles.read.map((bundle) => bundle.artifact), ...bundles.unreadable.map((entry) => entry.artifact)])];
  for (const entry of found) {
    if (entry.predicateType !== releaseApprovalPredicateType) {
      result.others.push({ envelopeDigest: entry.digest, predicateType: entry.predicateType });
      continue;
    }
    const { material, notes } = await materialFor(entry.envelope, bundles, policy, extra.material);
    const report = await verifyRelease({ envelope: entry.envelope, policy, artifacts: [{ name: subjectName, sha256: hex }], ...material }, extra.dependencies ?? { signatureVerifier: nodeSignatureVerifier });
    report.notes.push(...notes);
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

interface AttachedBundles {
  read: (ReadBundle & { artifact: string })[];
  unreadable: { artifact: string; problem: string }[];
}

/** The approvers' bundles attached to the image, each read as `conclave verify --bundle` reads a file. */
async function attachedBundles(client: OciClient, image: string): Promise<AttachedBundles> {
  const attached: AttachedBundles = { read: [], unreadable: [] };
  for (const artifact of await client.findArtifacts(image, { artifactTypes: [bundleArtifactType], layerMediaType: sigstoreBundleV03MediaType })) {
    // The publisher's Verification Summary (issue 14) is for cosign and Kyverno, not an approval: not read as one.
    if (artifact.annotations[bundleAnnotations.predicateType] === verificationSummaryPredicateType) continue;
    for (const layer of artifact.layers) {
      try {
        attached.read.push({ ...readBundleText(new TextDecoder().decode(layer.bytes), `The Sigstore bundle ${artifact.manifestDigest}`), artifact: artifact.manifestDigest });
      } catch (error) {
        if (!(error instanceof ConclaveError)) throw error;
        attached.unreadable.push({ artifact: artifact.manifestDigest, problem: error.message });
      }
    }
  }
  return attached;
}

/** The payload an envelope signs, or undefined when it is not DSSE (the verifier says why). */
function payloadOf(envelope: Uint8Array): { payloadType: string; payload: Uint8Array } | undefined {
  try {
    const parsed = parseEnvelope(parseJsonBytes(envelope, { maxBytes: limits.layerBytes }), { requireSignatures: false });
    return { payloadType: parsed.payloadType, payload: fromBase64(parsed.payload) };
  } catch (error) {
    if (error instanceof EnvelopeError || error instanceof JsonError) return undefined;
    throw error;
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, index) => byte === b[index]);

/**
 * The time stamps and certificates for one envelope: its attached bundles (those over the very payload it
 * signs; others are noted and ignored), then the --bundle files, which win for the same approver. CRLs are
 * fetched from the policy's URLs when the registry's bundles bring the first certificates (--crl files, or
 * the CRLs fetched for --bundle certificates, are used as given).
 */
async function materialFor(envelope: Uint8Array, bundles: AttachedBundles, policy: Policy, given: Material | undefined): Promise<{ material: Material; notes: string[] }> {
  const notes = bundles.unreadable.map((entry) => `${entry.problem} It is ignored.`);
  const signed = payloadOf(envelope);
  const matching = bundles.read.filter((bundle) => {
    let payload: Uint8Array | undefined;
    try {
      payload = bundle.payload === undefined ? undefined : fromBase64(bundle.payload);
    } catch {
      payload = undefined;
    }
    const same = signed !== undefined && payload !== undefined && bundle.payloadType === signed.payloadType && sameBytes(payload, signed.payload);
    if (!same) notes.push(`The Sigstore bundle ${bundle.artifact} attached to this image signs another payload than this envelope's; it is ignored.`);
    return same;
  });
  if (matching.length === 0) return { material: given ?? {}, notes };
  const fromRegistry = bundleMaterial(matching.map((bundle) => bundle.material));
  const merged = bundleMaterial([], { timestamps: { ...fromRegistry.timestamps, ...given?.timestamps }, certificates: { ...fromRegistry.certificates, ...given?.certificates } });
  const material: Material = { ...given, ...merged };
  return { material: given?.crls === undefined ? await withRevocation(policy, material, []) : material, notes };
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
