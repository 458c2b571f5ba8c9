/**
 * Where a registry lists the manifests that refer to an image: its referrers
 * API when it has one, else the referrers tag schema (`sha256-<hex>` holding
 * an OCI index), both from distribution-spec 1.1.
 */
import { OciError } from '../../../shared/oci/errors';
import { referrersTag } from '../../../shared/oci/digest';
import { withReferrer, jsonBytes } from '../../../shared/oci/manifests';
import { envelopeArtifactTypes, limits, mediaTypes } from '../../../shared/oci/media-types';
import { imageIndexSchema, imageManifestSchema, type Descriptor, type ImageIndex, type ImageManifest } from '../../../shared/oci/schemas';
import { parseJsonDocument, type RegistryClient } from './registry-client';
import { updateTag } from './tag-update';

export type ReferrersSource = 'referrers-api' | 'referrers-tag';

export interface ReferrersListing {
  source: ReferrersSource;
  descriptors: Descriptor[];
}

export function parseIndex(bytes: Uint8Array, what: string): ImageIndex {
  const index = imageIndexSchema.safeParse(parseJsonDocument(bytes, what));
  if (!index.success) throw new OciError('oci-registry-error', `${what} is not an OCI image index; Conclave leaves it alone. Remove or retag it if it is not yours.`);
  return index.data;
}

/** The referrers of an image, from the API when the registry answers it, else from the tag schema. */
export async function listReferrers(client: RegistryClient, repository: string, subjectDigest: string): Promise<ReferrersListing> {
  const fromApi = await client.getReferrers(repository, subjectDigest);
  if (fromApi) return { source: 'referrers-api', descriptors: fromApi.manifests };
  const tag = referrersTag(subjectDigest);
  const fromTag = await client.getManifest(repository, tag, mediaTypes.ociIndex);
  return { source: 'referrers-tag', descriptors: fromTag ? parseIndex(fromTag.bytes, `The referrers index ${repository}:${tag}`).manifests : [] };
}

/** Referrers that may carry DSSE envelopes (by artifactType), at most limits.referrers of them. */
export function envelopeReferrers(descriptors: readonly Descriptor[]): Descriptor[] {
  return descriptors.filter((descriptor) => descriptor.artifactType !== undefined && envelopeArtifactTypes.includes(descriptor.artifactType)).slice(0, limits.referrers);
}

/**
 * A referrer's manifest, read by digest (so hashed and checked), or
 * undefined when it is gone or does not really refer to this subject: the
 * tag schema can be written by anyone who may push, so a listing is a hint.
 */
export async function readReferrer(client: RegistryClient, repository: string, descriptor: Descriptor, subjectDigest: string): Promise<ImageManifest | undefined> {
  if (!descriptor.digest.startsWith('sha256:')) return undefined;
  const fetched = await client.getManifest(repository, descriptor.digest, `${mediaTypes.ociManifest}, ${mediaTypes.dockerManifest}`);
  if (!fetched) return undefined;
  const manifest = imageManifestSchema.safeParse(parseJsonDocument(fetched.bytes, `The referrer ${descriptor.digest}`));
  if (!manifest.success || manifest.data.subject?.digest !== subjectDigest) return undefined;
  return manifest.data;
}

/** Adds a referrer to the tag-schema index (read-modify-write; the registry has no referrers API). */
export async function addToReferrersTag(client: RegistryClient, repository: string, subjectDigest: string, referrer: Descriptor): Promise<boolean> {
  const tag = referrersTag(subjectDigest);
  const what = `The referrers index ${repository}:${tag}`;
  const result = await updateTag(client, repository, tag, {
    accept: mediaTypes.ociIndex,
    what: `the referrers index ${repository}:${tag}`,
    parse: (bytes) => parseIndex(bytes, what),
    has: (index) => index.manifests.some((entry) => entry.digest === referrer.digest),
    build: async (index) => ({ bytes: jsonBytes(withReferrer(index, referrer)), mediaType: mediaTypes.ociIndex }),
  });
  return result.changed;
}
