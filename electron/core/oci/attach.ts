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
import { buildAttestationManifest, jsonBytes, referrerDescriptor } from '../../../shared/oci/manifests';
import { emptyBlob, limits, mediaTypes } from '../../../shared/oci/media-types';
import type { ImageReference } from '../../../shared/oci/reference';
import { addToCosignTag } from './cosign-tag';
import { digestOf } from './hash';
import { addToReferrersTag, envelopeReferrers, listReferrers, readReferrer, type ReferrersSource } from './referrers';
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

/** The referrer that already carries this envelope, if any. */
async function existingReferrer(client: RegistryClient, repository: string, subjectDigest: string, envelopeDigest: string) {
  const listing = await listReferrers(client, repository, subjectDigest);
  for (const descriptor of envelopeReferrers(listing.descriptors)) {
    const manifest = await readReferrer(client, repository, descriptor, subjectDigest);
    if (manifest?.layers.some((layer) => layer.digest === envelopeDigest && layer.mediaType === mediaTypes.dsseEnvelope)) return { source: listing.source, digest: descriptor.digest };
  }
  return { source: listing.source, digest: undefined };
}

export async function attachWith(client: RegistryClient, reference: ImageReference & { digest: string }, request: AttachRequest): Promise<AttachResult> {
  if (request.envelope.length > limits.layerBytes) throw new OciError('oci-too-large', `The envelope is ${request.envelope.length} bytes, more than the ${limits.layerBytes} bytes Conclave attaches (and reads back).`);
  checkEnvelopeToAttach(request.envelope, request.predicateType);
  const subject = await resolveReference(client, reference);
  const { repository } = reference;

  // 1. Blobs: invisible until a manifest names them.
  const envelope = await client.pushBlob(repository, request.envelope);

  // 2. The OCI 1.1 artifact, unless one already carries this envelope.
  const existing = await existingReferrer(client, repository, subject.digest, envelope.digest);
  let artifactDigest = existing.digest;
  let via = existing.source;
  let wroteReferrer = false;
  if (artifactDigest === undefined) {
    await client.pushBlob(repository, emptyBlob);
    const manifest = buildAttestationManifest({
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      envelope,
      predicateType: request.predicateType,
      created: (request.created ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(request.annotations ? { extraAnnotations: request.annotations } : {}),
    });
    const bytes = jsonBytes(manifest);
    const pushed = await client.putManifest(repository, digestOf(bytes), bytes, mediaTypes.ociManifest);
    artifactDigest = pushed.digest;
    wroteReferrer = true;
    // A registry that indexes referrers says so with OCI-Subject; without it, the tag schema is ours to keep.
    via = pushed.subject === subject.digest ? 'referrers-api' : 'referrers-tag';
    if (via === 'referrers-tag') await addToReferrersTag(client, repository, subject.digest, referrerDescriptor(manifest, pushed.digest, bytes.length));
  }

  // 3. cosign's layout, last.
  const cosign = await addToCosignTag(client, repository, subject.digest, envelope, request.predicateType);
  return { subject, artifactDigest, via, alreadyPresent: !wroteReferrer && !cosign.changed, cosignTag: cosign.tag, cosignManifestDigest: cosign.digest };
}
