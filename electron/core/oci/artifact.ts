/**
 * OCI 1.1 artifacts that refer to an image: an empty config, one layer, the
 * image as `subject`, listed by the referrers API or the referrers tag
 * schema. The DSSE envelope (attach.ts) and the approvers' Sigstore bundles
 * are both published this way; finding reads them back by artifactType.
 */
import { OciError } from '../../../shared/oci/errors';
import { jsonBytes, referrerDescriptor } from '../../../shared/oci/manifests';
import { annotations as annotationKeys, emptyBlob, emptyDescriptor, limits, mediaTypes } from '../../../shared/oci/media-types';
import type { ImageReference } from '../../../shared/oci/reference';
import type { ImageManifest } from '../../../shared/oci/schemas';
import { digestOf } from './hash';
import { addToReferrersTag, listReferrers, readReferrer, type ReferrersSource } from './referrers';
import type { RegistryClient } from './registry-client';
import { resolveReference, type ResolvedImage } from './resolve';

export interface ArtifactRequest {
  /** The image, pinned by digest: `registry/repository@sha256:…`. */
  image: string;
  artifactType: string;
  /** The one layer: its media type, bytes and annotations. */
  layer: { mediaType: string; bytes: Uint8Array; annotations?: Record<string, string> };
  /** Annotations on the artifact manifest (copied to the referrers listing); ours (`created`) win on a clash. */
  annotations?: Record<string, string>;
  /** org.opencontainers.image.created: a fixed time makes a retry push the very same manifest; default now. */
  created?: Date;
}

export interface ArtifactResult {
  subject: ResolvedImage;
  /** The artifact manifest's digest (ours, or the one already there). */
  artifactDigest: string;
  via: ReferrersSource;
  /** True when an artifact of this type with this layer was already listed and nothing was written. */
  alreadyPresent: boolean;
}

/** An artifact listed for an image, its layers read by digest and hashed. */
export interface FoundArtifact {
  artifactType: string;
  manifestDigest: string;
  via: ReferrersSource;
  /** The manifest's annotations (unsigned: hints only). */
  annotations: Record<string, string>;
  layers: { mediaType: string; digest: string; bytes: Uint8Array }[];
}

const rfc3339 = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The referrer of one of these types that already carries a layer with this digest, if any. */
async function existingArtifact(client: RegistryClient, repository: string, subjectDigest: string, artifactTypes: readonly string[], layer: { mediaType: string; digest: string }) {
  const listing = await listReferrers(client, repository, subjectDigest);
  const candidates = listing.descriptors.filter((descriptor) => descriptor.artifactType !== undefined && artifactTypes.includes(descriptor.artifactType)).slice(0, limits.referrers);
  for (const descriptor of candidates) {
    const manifest = await readReferrer(client, repository, descriptor, subjectDigest);
    if (manifest?.layers.some((entry) => entry.digest === layer.digest && entry.mediaType === layer.mediaType)) return { source: listing.source, digest: descriptor.digest };
  }
  return { source: listing.source, digest: undefined };
}

/**
 * Pushes a one-layer artifact referring to `subject` unless one of
 * `recognise` (default: its own artifactType) already carries the layer.
 * Blobs first, the manifest by digest next, the referrers tag last.
 */
export async function pushArtifact(
  client: RegistryClient,
  repository: string,
  subject: ResolvedImage,
  request: Omit<ArtifactRequest, 'image'> & { recognise?: readonly string[] },
): Promise<{ artifactDigest: string; via: ReferrersSource; wrote: boolean }> {
  if (request.layer.bytes.length > limits.layerBytes) throw new OciError('oci-too-large', `The ${request.artifactType} artifact's layer is ${request.layer.bytes.length} bytes, more than the ${limits.layerBytes} bytes Conclave attaches (and reads back).`);
  const layer = await client.pushBlob(repository, request.layer.bytes);
  const existing = await existingArtifact(client, repository, subject.digest, request.recognise ?? [request.artifactType], { mediaType: request.layer.mediaType, digest: layer.digest });
  if (existing.digest !== undefined) return { artifactDigest: existing.digest, via: existing.source, wrote: false };
  await client.pushBlob(repository, emptyBlob);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: mediaTypes.ociManifest,
    artifactType: request.artifactType,
    config: { ...emptyDescriptor },
    layers: [{ mediaType: request.layer.mediaType, digest: layer.digest, size: layer.size, ...(request.layer.annotations ? { annotations: { ...request.layer.annotations } } : {}) }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: { ...request.annotations, [annotationKeys.created]: rfc3339(request.created ?? new Date()) },
  };
  const bytes = jsonBytes(manifest);
  const pushed = await client.putManifest(repository, digestOf(bytes), bytes, mediaTypes.ociManifest);
  // A registry that indexes referrers says so with OCI-Subject; without it, the tag schema is ours to keep.
  const via: ReferrersSource = pushed.subject === subject.digest ? 'referrers-api' : 'referrers-tag';
  if (via === 'referrers-tag') await addToReferrersTag(client, repository, subject.digest, referrerDescriptor(manifest, pushed.digest, bytes.length));
  return { artifactDigest: pushed.digest, via, wrote: true };
}

export async function attachArtifactWith(client: RegistryClient, reference: ImageReference & { digest: string }, request: ArtifactRequest): Promise<ArtifactResult> {
  const subject = await resolveReference(client, reference);
  const pushed = await pushArtifact(client, reference.repository, subject, request);
  return { subject, artifactDigest: pushed.artifactDigest, via: pushed.via, alreadyPresent: !pushed.wrote };
}

/**
 * The artifacts of these types listed for an image whose manifest, read by
 * digest, really has it as subject; of each, the layers of `layerMediaType`,
 * read by digest with the layer cap and hashed.
 */
export async function findArtifactsWith(client: RegistryClient, reference: ImageReference & { digest: string }, filter: { artifactTypes: readonly string[]; layerMediaType: string }): Promise<FoundArtifact[]> {
  const subject = await resolveReference(client, reference);
  const { repository } = reference;
  const listing = await listReferrers(client, repository, subject.digest);
  const found: FoundArtifact[] = [];
  const candidates = listing.descriptors.filter((descriptor) => descriptor.artifactType !== undefined && filter.artifactTypes.includes(descriptor.artifactType)).slice(0, limits.referrers);
  for (const descriptor of candidates) {
    const manifest = await readReferrer(client, repository, descriptor, subject.digest);
    if (!manifest) continue;
    const layers: FoundArtifact['layers'] = [];
    for (const layer of manifest.layers) {
      if (layer.mediaType !== filter.layerMediaType || !layer.digest.startsWith('sha256:')) continue;
      if (layer.size > limits.layerBytes) throw new OciError('oci-too-large', `A layer attached to ${subject.pinned} (${layer.digest}) is ${layer.size} bytes, more than the ${limits.layerBytes} Conclave reads.`);
      layers.push({ mediaType: layer.mediaType, digest: layer.digest, bytes: await client.getBlob(repository, layer.digest, limits.layerBytes, `The ${descriptor.artifactType} artifact attached to ${subject.pinned}`) });
    }
    found.push({ artifactType: manifest.artifactType ?? descriptor.artifactType!, manifestDigest: descriptor.digest, via: listing.source, annotations: { ...manifest.annotations }, layers });
  }
  return found;
}
