/**
 * Container images as ceremony artifacts (issue 6): resolving an image once,
 * at opening, to the manifest digest the ceremony signs, and attaching the
 * published envelope to each image in its registry (docs/oci.md).
 *
 * An image artifact is named as in-toto and cosign name an image subject: the
 * repository without tag or digest (`ghcr.io/acme/app`), with the manifest's
 * sha256 as its digest. The `reference` of the artifact record
 * (`registry/repository@sha256:…`) marks it as an image.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ArtifactRecord } from '../../../shared/ceremony/events';
import { ConclaveError } from '../../../shared/errors';
import { OciError } from '../../../shared/oci/errors';
import { parseImageReference, parsePinnedReference } from '../../../shared/oci/reference';
import { sigstoreBundleV03MediaType } from '../../../shared/sigstore/bundle';
import { releaseApprovalPredicateType } from '../../../shared/statement/statement';
import { verificationSummaryPredicateType } from '../../../shared/statement/verification-summary';
import type { OciClient, OciOptions } from '../oci';
import { attachNotarySignature } from './notary-signatures';

export interface ResolvedImageArtifact {
  artifact: ArtifactRecord & { reference: string };
  /** A finding for the record: which tag resolved to which digest, once, when the ceremony opened. */
  finding: { id: string; status: 'pass'; message: string };
}

export interface RegistryPublication {
  /** The image, pinned: registry/repository@sha256:…. */
  image: string;
  /** The OCI 1.1 artifact manifest that carries the envelope. */
  artifactDigest: string;
  via: 'referrers-api' | 'referrers-tag';
  /** True when an earlier publish had attached this envelope in both places and nothing was written. */
  alreadyPresent: boolean;
  /** cosign's attestation tag, `sha256-<hex>.att`. */
  cosignTag: string;
  /** The OCI 1.1 artifacts carrying the approvers' Sigstore bundles, in the order given. */
  bundleArtifacts: string[];
  /** The publisher's Verification Summary Attestation (issue 14): its in-toto artifact (also a layer of the cosign tag) and its Sigstore bundle. */
  verificationSummary?: { artifactDigest: string; bundleArtifact: string };
  /** The certificate approvers' Notary Project signatures attached to this image (issue 14), by artifact manifest digest. */
  notaryArtifacts?: string[];
}

/** The artifactType (and layer media type) of an approver's Sigstore bundle attached to an image, as cosign's bundle format names it. */
export const bundleArtifactType = sigstoreBundleV03MediaType;
/** Annotations of a bundle artifact: the statement's predicate type (cosign's key) and the ceremony. */
export const bundleAnnotations = { predicateType: 'dev.sigstore.bundle.predicateType', ceremonyId: 'dev.conclave.ceremony.id', title: 'org.opencontainers.image.title' } as const;

/** The repository an image artifact is named by: `registry/repository`. */
export function imageSubjectName(reference: { registry: string; repository: string }): string {
  return `${reference.registry}/${reference.repository}`;
}

/**
 * Resolves each image (a tag to the digest of the manifest it names now, a
 * digest checked to exist) with one client. Two images of one repository are
 * refused: the statement names an image by its repository.
 */
export async function resolveImageArtifacts(references: readonly string[], options: OciOptions = {}): Promise<ResolvedImageArtifact[]> {
  if (references.length === 0) return [];
  const client = await ociClient(options);
  const resolved: ResolvedImageArtifact[] = [];
  const byName = new Map<string, string>();
  for (const given of references) {
    const parsed = parseImageReference(given);
    const name = imageSubjectName(parsed);
    const earlier = byName.get(name);
    if (earlier !== undefined) {
      throw new ConclaveError(
        'invalid-input',
        `${earlier} and ${given} are both in the repository ${name}. The release statement names an image by its repository, so a release carries one image per repository; for several platforms give the tag of the multi-platform index.`,
      );
    }
    byName.set(name, given);
    let image;
    try {
      image = await client.resolveImage(given);
    } catch (error) {
      // Cancelled (the window's Cancel) and unreachable keep their meaning: nothing is wrong with the image.
      if (error instanceof OciError) throw new ConclaveError(error.code === 'oci-cancelled' ? 'cancelled' : error.code === 'oci-unreachable' ? 'unavailable' : 'invalid-input', `Conclave could not resolve the image ${given}: ${error.message}`, { cause: error.code });
      throw error;
    }
    const hex = image.digest.slice('sha256:'.length);
    const asGiven = given.trim();
    const message =
      parsed.digest === undefined
        ? `The image ${asGiven} resolved to ${image.digest} (${image.mediaType}, ${image.size} bytes) when the ceremony opened. The ceremony signs that digest, not the tag: moving the tag later changes nothing that is approved.`
        : `The image ${asGiven} is in the registry (${image.mediaType}, ${image.size} bytes). The ceremony signs this digest.`;
    const findingId = `image-resolved:${name}`;
    resolved.push({
      artifact: { name, digest: { sha256: hex }, reference: image.pinned },
      finding: { id: findingId.length <= 200 ? findingId : `image-resolved:${resolved.length + 1}`, status: 'pass', message },
    });
  }
  return resolved;
}

/** The image artifacts of a ceremony, each pinned to exactly the name and digest the statement signs. */
export function imagesOf(artifacts: readonly ArtifactRecord[]): string[] {
  const images: string[] = [];
  for (const artifact of artifacts) {
    if (artifact.reference === undefined) continue;
    let pinned;
    try {
      pinned = parsePinnedReference(artifact.reference);
    } catch {
      throw new ConclaveError('internal', `The opening records the image ${artifact.name} as "${artifact.reference}", which is not a pinned image reference.`);
    }
    const image = `${artifact.name}@sha256:${artifact.digest.sha256}`;
    if (imageSubjectName(pinned) !== artifact.name || pinned.digest !== `sha256:${artifact.digest.sha256}`) {
      throw new ConclaveError('internal', `The opening records the image ${artifact.name} as ${artifact.reference}, which is not ${image}, the image the statement names.`);
    }
    images.push(image);
  }
  return images;
}

export interface AttachToImagesInput {
  ceremonyId: string;
  images: readonly string[];
  /** The combined envelope, exactly the bytes written to the envelope file. */
  envelope: Uint8Array;
  /** A time fixed for the ceremony (when the statement was frozen), so a retry pushes identical bytes. */
  created: Date;
  annotations?: Record<string, string>;
  /** The approvers' Sigstore bundle files as publishing wrote them; each is attached as its own artifact. */
  bundlePaths?: readonly string[];
  /**
   * The publisher's Verification Summary Attestation (issue 14), attached last: it vouches for everything before it.
   * Its envelope goes where the approvals' envelope goes (referrer and cosign's `.att` layer, which Kyverno's
   * ClusterPolicy reads), its Sigstore bundle where the approvers' bundles go (which cosign 3 and Kyverno's
   * ImageValidatingPolicy read once an image has bundles: kyverno pkg/image/verifiers/ivpol/cosign/verifier.go:32-47 at 111e07b).
   */
  summary?: { envelope: Uint8Array; bundle: Uint8Array; title: string; bundleTitle: string };
  /** The counted approvals' Notary Project signatures (issue 14), each attached to the image it names (notary-signatures.ts). */
  notarySignatures?: readonly { image: string; envelope: Uint8Array }[];
  /** Where the release files were written, for the message when a registry fails. */
  outDir: string;
  options?: OciOptions;
}

/**
 * Attaches the envelope, then each approver's Sigstore bundle, to every image, in order. Attaching is idempotent, so
 * when one registry fails the caller records nothing, and publishing again
 * attaches what is missing and adds nothing twice.
 */
export async function attachToImages(input: AttachToImagesInput): Promise<RegistryPublication[]> {
  const client = await ociClient(input.options ?? {});
  const bundles = await Promise.all((input.bundlePaths ?? []).map(async (path) => ({ title: basename(path), bytes: new Uint8Array(await readFile(path)) })));
  const done: RegistryPublication[] = [];
  for (const image of input.images) {
    try {
      const result = await client.attachEnvelope({
        image,
        envelope: input.envelope,
        predicateType: releaseApprovalPredicateType,
        created: input.created,
        ...(input.annotations ? { annotations: input.annotations } : {}),
      });
      // Each approver's time stamp and certificate, for policies that need them: one artifact per bundle, after the envelope.
      const bundleResults = [];
      for (const bundle of bundles) {
        bundleResults.push(
          await client.attachArtifact({
            image,
            artifactType: bundleArtifactType,
            layer: { mediaType: sigstoreBundleV03MediaType, bytes: bundle.bytes },
            annotations: { [bundleAnnotations.title]: bundle.title, [bundleAnnotations.ceremonyId]: input.ceremonyId, [bundleAnnotations.predicateType]: releaseApprovalPredicateType },
            created: input.created,
          }),
        );
      }
      const notary = [];
      for (const signature of (input.notarySignatures ?? []).filter((entry) => entry.image === image)) notary.push(await attachNotarySignature(client, signature, input.ceremonyId, input.created));
      const summary = input.summary ? await attachSummary(client, image, input.summary, input.ceremonyId, input.created) : undefined;
      done.push({
        image,
        artifactDigest: result.artifactDigest,
        via: result.via,
        alreadyPresent: result.alreadyPresent && bundleResults.every((entry) => entry.alreadyPresent) && notary.every((entry) => entry.alreadyPresent) && (summary?.alreadyPresent ?? true),
        cosignTag: result.cosignTag,
        bundleArtifacts: bundleResults.map((entry) => entry.artifactDigest),
        ...(summary ? { verificationSummary: { artifactDigest: summary.artifactDigest, bundleArtifact: summary.bundleArtifact } } : {}),
        ...(notary.length > 0 ? { notaryArtifacts: notary.map((entry) => entry.artifactDigest) } : {}),
      });
    } catch (error) {
      if (!(error instanceof OciError)) throw error;
      const attached = done.length > 0 ? ` It is attached to ${done.map((entry) => entry.image).join(', ')} already.` : '';
      throw new ConclaveError(
        'invalid-input',
        `Ceremony ${input.ceremonyId} is not published: attaching its envelope to the image ${image} failed. ${error.message}${attached} The release files are written and verified in ${input.outDir}, and the ceremony stays approved. Once the registry is reachable and lets you push (docker login, DOCKER_CONFIG, --insecure-registry for a plain-HTTP registry), publish again: it attaches what is missing and adds nothing twice.`,
        { cause: error.code },
      );
    }
  }
  return done;
}

/** The VSA, as an in-toto envelope (referrer and `.att` layer) and as a Sigstore bundle artifact. */
async function attachSummary(client: OciClient, image: string, summary: NonNullable<AttachToImagesInput['summary']>, ceremonyId: string, created: Date): Promise<{ artifactDigest: string; bundleArtifact: string; alreadyPresent: boolean }> {
  const envelope = await client.attachEnvelope({
    image,
    envelope: summary.envelope,
    predicateType: verificationSummaryPredicateType,
    created,
    annotations: { [bundleAnnotations.title]: summary.title, [bundleAnnotations.ceremonyId]: ceremonyId },
  });
  const bundle = await client.attachArtifact({
    image,
    artifactType: bundleArtifactType,
    layer: { mediaType: sigstoreBundleV03MediaType, bytes: summary.bundle },
    annotations: { [bundleAnnotations.title]: summary.bundleTitle, [bundleAnnotations.ceremonyId]: ceremonyId, [bundleAnnotations.predicateType]: verificationSummaryPredicateType },
    created,
  });
  return { artifactDigest: envelope.artifactDigest, bundleArtifact: bundle.artifactDigest, alreadyPresent: envelope.alreadyPresent && bundle.alreadyPresent };
}

/** The registry client, loaded when a release has images (issue 11: a command about files never loads it). */
export async function ociClient(options: OciOptions): Promise<OciClient> {
  const { OciClient } = await import('../oci/client');
  return new OciClient(options);
}
