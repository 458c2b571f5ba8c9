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
 *
 * Besides the verdict, it reports what the other verifiers find attached
 * (issue 14): the publisher's Verification Summary (VSA), which the documented
 * Kyverno policies require, counts only when a release manager of the policy
 * signed it, it is PASSED under this very policy, and it names an envelope
 * attached here that verifies among its inputAttestations, so a VSA signed by an approver, or
 * one of another ceremony copied next to stitched approvals, is refused as
 * those policies refuse it; and each Notary Project signature is checked as
 * Conclave's judge checks one stored with an approval (shared/notary/check.ts),
 * against the envelope that verified.
 */
import { EnvelopeError, parseEnvelope } from '../../../shared/dsse/envelope';
import { fromBase64, toBase64 } from '../../../shared/encoding/base64';
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
import { inTotoPayloadType, pae } from '../../../shared/dsse/pae';
import { toHex } from '../../../shared/encoding/hex';
import { checkNotarySignatures, NotarySignatureError, readNotarySignature } from '../../../shared/notary/check';
import { notaryMediaTypes } from '../../../shared/notary/signature';
import { certificateChecks } from '../../../shared/verify/on-demand';
import { nodeDigester } from '../crypto/node-crypto';
import { summaryInputMediaTypes } from './verification-summary';
import { bytesEqual } from '../../../shared/encoding/bytes';

export const ociScheme = 'oci://';

export interface RegistryCandidate {
  /** sha256 of the envelope bytes as stored. */
  envelopeDigest: string;
  locations: EnvelopeLocation[];
  report: VerificationReport;
  /** The approvers' certificates the report was checked with, by keyid (DER, leaf first). */
  certificates: Record<string, Uint8Array[]>;
}

/** One Verification Summary attached to the image, as the documented Kyverno policies would count it. */
export interface SummaryCheck {
  /** sha256 of the VSA envelope as stored. */
  envelopeDigest: string;
  ok: boolean;
  /** The release manager whose key signed it. */
  signedBy?: string;
  /** Why it does not count, for people. */
  problem?: string;
}

/** One Notary Project signature attached to the image. */
export interface NotarySignatureCheck {
  /** The signature manifest's digest. */
  artifact: string;
  ok: boolean;
  /** The approver whose counted approval it goes with. */
  approverId?: string;
  problem?: string;
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
  /** Envelopes of other predicate types (other tools' attestations, the publisher's VSA): not checked as releases. */
  others: { envelopeDigest: string; predicateType: string | undefined }[];
  /** Every Verification Summary attached (also listed in `others`), checked against the envelope that verified. */
  summaries: SummaryCheck[];
  /** Every Notary Project signature attached, checked against the envelope that verified. */
  notarySignatures: NotarySignatureCheck[];
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
  const result: RegistryVerification = { ok: false, image, subjectName, digest: reference.digest, candidates: [], bundleArtifacts: [], others: [], summaries: [], notarySignatures: [] };
  const summaryEnvelopes: { digest: string; envelope: Uint8Array }[] = [];
  const bundles = found.some((entry) => entry.predicateType === releaseApprovalPredicateType) ? await attachedBundles(client, image) : { read: [], unreadable: [] };
  result.bundleArtifacts = [...new Set([...bundles.read.map((bundle) => bundle.artifact), ...bundles.unreadable.map((entry) => entry.artifact)])];
  for (const entry of found) {
    if (entry.predicateType !== releaseApprovalPredicateType) {
      result.others.push({ envelopeDigest: entry.digest, predicateType: entry.predicateType });
      if (entry.predicateType === verificationSummaryPredicateType) summaryEnvelopes.push({ digest: entry.digest, envelope: entry.envelope });
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
    const candidate = { envelopeDigest: entry.digest, locations: entry.locations, report, certificates: material.certificates ?? {} };
    result.candidates.push(candidate);
    if (report.ok && !result.verified) result.verified = candidate;
  }
  result.ok = result.verified !== undefined;
  const verifiedBytes = result.verified && found.find((entry) => entry.digest === result.verified!.envelopeDigest)?.envelope;
  const verified = result.verified && verifiedBytes ? { candidate: result.verified, envelope: verifiedBytes } : undefined;
  const passing = result.candidates.filter((candidate) => candidate.report.ok);
  for (const summary of summaryEnvelopes) result.summaries.push(await checkSummary(summary, policy, hex, passing));
  // Notary signatures go with a Conclave release; an image without one is reported as such, with no more requests.
  if (result.candidates.length > 0) result.notarySignatures = await checkAttachedNotarySignatures(client, image, reference.digest, policy, verified);
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
    const same = signed !== undefined && payload !== undefined && bundle.payloadType === signed.payloadType && bytesEqual(payload, signed.payload);
    if (!same) notes.push(`The Sigstore bundle ${bundle.artifact} attached to this image signs another payload than this envelope's; it is ignored.`);
    return same;
  });
  if (matching.length === 0) return { material: given ?? {}, notes };
  const fromRegistry = bundleMaterial(matching.map((bundle) => bundle.material));
  const merged = bundleMaterial([], { timestamps: { ...fromRegistry.timestamps, ...given?.timestamps }, certificates: { ...fromRegistry.certificates, ...given?.certificates } });
  const material: Material = { ...given, ...merged };
  return { material: given?.crls === undefined ? await withRevocation(policy, material, []) : material, notes };
}

const digestHex = (digest: string) => digest.replace(/^sha256:/, '');
const sha256Hex = async (bytes: Uint8Array) => toHex(await nodeDigester.digest('SHA-256', bytes));
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A Verification Summary counts as the documented Kyverno policies count it (docs/verify.md), and more
 * strictly: signed by a release manager of the policy (the publisher; an approver's key vouches for one
 * approval, not for the whole policy), PASSED, about this image, under this policy, and naming an envelope
 * that verified here among its inputAttestations (a VSA of another ceremony names another envelope).
 */
async function checkSummary(summary: { digest: string; envelope: Uint8Array }, policy: Policy, imageHex: string, verified: readonly RegistryCandidate[]): Promise<SummaryCheck> {
  const refused = (problem: string): SummaryCheck => ({ envelopeDigest: summary.digest, ok: false, problem });
  let envelope;
  try {
    envelope = parseEnvelope(parseJsonBytes(summary.envelope, { maxBytes: limits.layerBytes }));
  } catch (error) {
    if (error instanceof EnvelopeError || error instanceof JsonError) return refused(`it is not a DSSE envelope (${error.message})`);
    throw error;
  }
  if (envelope.payloadType !== inTotoPayloadType) return refused(`its payload type is ${envelope.payloadType}, not in-toto`);
  const payload = fromBase64(envelope.payload);
  const message = pae(envelope.payloadType, payload);
  const signer = async (keys: Policy['keys']) => {
    for (const signature of envelope.signatures) {
      for (const key of keys) if (await nodeSignatureVerifier.verify(key.spki, message, fromBase64(signature.sig))) return key.approverId;
    }
    return undefined;
  };
  const publisher = await signer(policy.releaseManagerKeys);
  if (publisher === undefined) {
    const approver = await signer(policy.keys);
    if (approver !== undefined) return refused(`it is signed by ${approver}, an approver, not by a release manager of the policy: an approver's key vouches for an approval, not for the whole policy`);
    return refused(policy.releaseManagerKeys.length === 0 ? 'the policy lists no release managers, whose key alone can sign a Verification Summary' : 'it is signed by no release manager of the policy');
  }
  let statement: unknown;
  try {
    statement = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return refused('its statement is not JSON');
  }
  const predicate = isRecord(statement) && isRecord(statement.predicate) ? statement.predicate : undefined;
  const subjects = isRecord(statement) && Array.isArray(statement.subject) ? statement.subject : [];
  if (!isRecord(statement) || statement.predicateType !== verificationSummaryPredicateType || predicate === undefined) return refused(`its statement is not a ${verificationSummaryPredicateType} statement`);
  if (!subjects.some((subject) => isRecord(subject) && isRecord(subject.digest) && subject.digest.sha256 === imageHex)) return refused('it is about another image: no subject carries this digest');
  if (predicate.verificationResult !== 'PASSED') return refused(`its verificationResult is ${JSON.stringify(predicate.verificationResult)}, not PASSED`);
  const policyDigest = isRecord(predicate.policy) && isRecord(predicate.policy.digest) ? predicate.policy.digest.sha256 : undefined;
  if (policyDigest !== policy.digest) return refused(`it was verified under another policy (sha256:${String(policyDigest)}), not yours (sha256:${policy.digest})`);
  if (verified.length === 0) return refused('no Conclave envelope attached to this image verifies, so there is no release here for it to vouch for');
  const inputs = Array.isArray(predicate.inputAttestations) ? predicate.inputAttestations : [];
  const named = new Set(inputs.flatMap((input) => (isRecord(input) && isRecord(input.digest) && input.mediaType === summaryInputMediaTypes.envelope && typeof input.digest.sha256 === 'string' ? [input.digest.sha256] : [])));
  if (!verified.some((candidate) => named.has(digestHex(candidate.envelopeDigest)))) return refused("its inputAttestations name no envelope attached here that verifies: it vouches for another ceremony's approvals");
  return { envelopeDigest: summary.digest, ok: true, signedBy: publisher };
}

/**
 * Each Notary Project signature attached to the image, held to what approving makes (shared/notary/check.ts):
 * over this manifest's descriptor as the registry serves it (notation compares media type, digest and size),
 * this ceremony, statement and policy, by the key of a certificate approver whose approval counted in the
 * envelope that verified, with the certificate that approval was checked with.
 */
async function checkAttachedNotarySignatures(client: OciClient, image: string, digest: string, policy: Policy, verified: { candidate: RegistryCandidate; envelope: Uint8Array } | undefined): Promise<NotarySignatureCheck[]> {
  const artifacts = await client.findArtifacts(image, { artifactTypes: [notaryMediaTypes.signature], layerMediaType: notaryMediaTypes.jwsEnvelope });
  if (artifacts.length === 0) return [];
  const resolved = await client.resolveImage(image);
  const payload = verified ? payloadOf(verified.envelope) : undefined;
  const statementDigest = payload ? await sha256Hex(payload.payload) : undefined;
  const ceremonyId = verified?.candidate.report.release?.predicate.ceremony.id;
  const checks: NotarySignatureCheck[] = [];
  for (const artifact of artifacts) {
    const refused = (problem: string, approverId?: string): NotarySignatureCheck => ({ artifact: artifact.manifestDigest, ok: false, ...(approverId ? { approverId } : {}), problem });
    const layer = artifact.layers[0];
    if (layer === undefined) {
      checks.push(refused('its manifest has no JWS envelope layer'));
      continue;
    }
    let read;
    try {
      read = readNotarySignature(layer.bytes);
    } catch (error) {
      if (!(error instanceof NotarySignatureError || error instanceof TypeError)) throw error;
      checks.push(refused(`it cannot be read: ${error.message}`));
      continue;
    }
    if (read.target.digest !== digest || read.target.mediaType !== resolved.mediaType || read.target.size !== resolved.size) {
      checks.push(refused(`it signs ${read.target.digest} (${read.target.mediaType}, ${read.target.size} bytes), not this manifest as the registry serves it`));
      continue;
    }
    const certificates = await certificateChecks();
    let spki: Uint8Array;
    let chainProblem: string | undefined;
    try {
      const chain = read.chain.map((der) => certificates.parseCertificate(der));
      spki = chain[0]!.spki;
      chainProblem = certificates.notaryChainProblem(chain);
    } catch (error) {
      checks.push(refused(`its certificate chain cannot be read (${error instanceof Error ? error.message : String(error)})`));
      continue;
    }
    if (!verified || statementDigest === undefined || ceremonyId === undefined) {
      checks.push(refused('no Conclave envelope attached to this image verifies, so it goes with no release'));
      continue;
    }
    const keyId = await sha256Hex(spki);
    const counted = verified.candidate.report.signatures.find((signature) => signature.keyId === keyId && signature.status === 'valid' && signature.counted);
    const certificate = verified.candidate.certificates[keyId]?.[0];
    if (!counted || certificate === undefined) {
      checks.push(refused(`its certificate's key made no counted approval, by certificate, in the envelope that verified`));
      continue;
    }
    const check = await checkNotarySignatures([toBase64(layer.bytes)], { ceremonyId, statementDigest, policyDigest: policy.digest, imageDigests: [digest], spki, certificate }, nodeSignatureVerifier);
    if (!check.ok) checks.push(refused(check.reason, counted.approverId));
    else if (chainProblem) checks.push(refused(`notation refuses its certificate chain: ${chainProblem}`, counted.approverId));
    else checks.push({ artifact: artifact.manifestDigest, ok: true, ...(counted.approverId ? { approverId: counted.approverId } : {}) });
  }
  return checks;
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
