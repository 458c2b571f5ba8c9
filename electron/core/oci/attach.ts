/**
 * Publishing a DSSE envelope next to an image, in the two places consumers
 * look: as an OCI 1.1 referrer (artifactType application/vnd.in-toto+json)
 * and in cosign's `sha256-<hex>.att` manifest.
 *
 * Order, so a failure never leaves a broken attachment in view: blobs first
 * (content-addressed, invisible), the artifact manifest next (by digest;
 * visible only on registries with the referrers API, where it is complete),
 * the tags last. Publishing again finds what is there by the envelope's
 * digest, adds nothing twice and completes what an interrupted run left.
 */
import { OciError } from '../../../shared/oci/errors';
import { checkEnvelopeToAttach } from '../../../shared/oci/envelope-info';
import { annotations, attestationArtifactType, envelopeArtifactTypes, limits, mediaTypes } from '../../../shared/oci/media-types';
import type { ImageReference } from '../../../shared/oci/reference';
import { pushArtifact } from './artifact';
import { addToCosignTag } from './cosign-tag';
import { digestOf } from './hash';
import type { ReferrersSource } from './referrers';
import type { RegistryClient } from './registry-client';
import { resolveReference, type ResolvedImage } from './resolve';

export interface AttachRequest {
  /** The image, pinned by digest: `registry/repository@sha256:…`. */
  image: string;
  /** The DSSE envelope JSON, exactly as published. */
  envelope: Uint8Array;
  /** The statement's predicateType; must match the envelope's. */
  predicateType: string;
  /** Extra annotations on the artifact manifest. */
  annotations?: Record<string, string>;
  /**
   * org.opencontainers.image.created. Pass a fixed time (e.g. when the
   * ceremony was published) so that a retry pushes the very same manifest;
   * default now.
   */
  created?: Date;
}

export interface AttachResult {
  subject: ResolvedImage;
  /** The digest of the OCI 1.1 artifact manifest (ours, or the one already there). */
  artifactDigest: string;
  /** Where the artifact is listed: the registry's referrers API, or the referrers tag `sha256-<hex>`. */
  via: ReferrersSource;
  /** True when the envelope was already attached in both places and nothing was written. */
  alreadyPresent: boolean;
  /** cosign's attestation tag, `sha256-<hex>.att`. */
  cosignTag: string;
  cosignManifestDigest: string;
}

export async function attachWith(client: RegistryClient, reference: ImageReference & { digest: string }, request: AttachRequest): Promise<AttachResult> {
  if (request.envelope.length > limits.layerBytes) throw new OciError('oci-too-large', `The envelope is ${request.envelope.length} bytes, more than the ${limits.layerBytes} bytes Conclave attaches (and reads back).`);
  checkEnvelopeToAttach(request.envelope, request.predicateType);
  const subject = await resolveReference(client, reference);
  const { repository } = reference;

  // 1. The OCI 1.1 artifact (blobs first, then the manifest, then the referrers tag), unless one already carries this envelope.
  const referrer = await pushArtifact(client, repository, subject, {
    artifactType: attestationArtifactType,
    recognise: envelopeArtifactTypes,
    layer: { mediaType: mediaTypes.dsseEnvelope, bytes: request.envelope, annotations: { [annotations.predicateType]: request.predicateType } },
    annotations: { ...request.annotations, [annotations.predicateType]: request.predicateType },
    ...(request.created ? { created: request.created } : {}),
  });
  const { artifactDigest, via } = referrer;
  const wroteReferrer = referrer.wrote;
  const envelope = { digest: digestOf(request.envelope), size: request.envelope.length };

  // 2. cosign's layout, last.
  const cosign = await addToCosignTag(client, repository, subject.digest, envelope, request.predicateType);
  return { subject, artifactDigest, via, alreadyPresent: !wroteReferrer && !cosign.changed, cosignTag: cosign.tag, cosignManifestDigest: cosign.digest };
}
