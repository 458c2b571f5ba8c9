/** A tag or digest → the one manifest it names, checked to exist (and, when read, to hash to its digest). */
import { OciError } from '../../../shared/oci/errors';
import { imageManifestMediaTypes } from '../../../shared/oci/media-types';
import { formatImageReference, pinnedReference, type ImageReference } from '../../../shared/oci/reference';
import type { RegistryClient } from './registry-client';

export interface ResolvedImage {
  registry: string;
  repository: string;
  /** sha256 of the manifest bytes. */
  digest: string;
  mediaType: string;
  size: number;
  /** `registry/repository@digest`: what attaching and finding take. */
  pinned: string;
}

function unsupported(reference: ImageReference, mediaType: string): OciError {
  return new OciError(
    'oci-registry-error',
    `${formatImageReference(reference)} is a ${mediaType}, not an image manifest or index Conclave can attach to (OCI, or Docker schema 2). Push the image again with a current Docker, buildx or crane.`,
  );
}

function notFound(reference: ImageReference): OciError {
  return new OciError(
    'oci-not-found',
    reference.digest !== undefined
      ? `${reference.registry} has no manifest ${reference.digest} in ${reference.repository}. Check the digest and the repository, or push the image first.`
      : `${reference.registry} has no image ${reference.repository}:${reference.tag ?? 'latest'}. Check the name and tag, or push the image first.`,
  );
}

export async function resolveReference(client: RegistryClient, reference: ImageReference): Promise<ResolvedImage> {
  const done = (digest: string, mediaType: string, size: number): ResolvedImage => {
    if (!imageManifestMediaTypes.includes(mediaType)) throw unsupported(reference, mediaType);
    return { registry: reference.registry, repository: reference.repository, digest, mediaType, size, pinned: pinnedReference(reference, digest) };
  };
  if (reference.digest !== undefined) {
    // Pinned: a HEAD says it exists without counting as a pull; GET only when the HEAD leaves out the type or size.
    const head = await client.headManifest(reference.repository, reference.digest);
    if (!head) throw notFound(reference);
    if (head.digest !== undefined && head.digest !== reference.digest) {
      throw new OciError('oci-digest-mismatch', `${reference.registry} answered for ${reference.digest} with the manifest ${head.digest}; nothing from it was used.`);
    }
    if (head.mediaType !== undefined && head.size !== undefined && imageManifestMediaTypes.includes(head.mediaType)) return done(reference.digest, head.mediaType, head.size);
  }
  // A tag is read whole, so its digest is computed here rather than taken from the registry's word.
  const manifest = await client.getManifest(reference.repository, reference.digest ?? reference.tag ?? 'latest');
  if (!manifest) throw notFound(reference);
  return done(manifest.digest, manifest.mediaType, manifest.size);
}
