/**
 * cosign's attestation layout: the tag `sha256-<hex>.att` holds one image
 * manifest whose layers are the DSSE envelopes attached to that image. This
 * is what `cosign verify-attestation` and Kyverno's verifyImages read.
 */
import { OciError } from '../../../shared/oci/errors';
import { cosignAttestationTag } from '../../../shared/oci/digest';
import { buildCosignManifest, cosignAttestationLayer, cosignConfig, jsonBytes } from '../../../shared/oci/manifests';
import { mediaTypes } from '../../../shared/oci/media-types';
import { imageManifestSchema, type ImageManifest } from '../../../shared/oci/schemas';
import { parseJsonDocument, type RegistryClient } from './registry-client';
import { updateTag } from './tag-update';

const accept = `${mediaTypes.ociManifest}, ${mediaTypes.dockerManifest}`;

function parseAttestations(bytes: Uint8Array, what: string): ImageManifest {
  const manifest = imageManifestSchema.safeParse(parseJsonDocument(bytes, what));
  if (!manifest.success) throw new OciError('oci-registry-error', `${what} is not an image manifest, so it is not cosign's attestation layout; Conclave leaves it alone.`);
  return manifest.data;
}

/** The `.att` manifest of an image, or undefined when it has none. */
export async function readCosignAttestations(client: RegistryClient, repository: string, subjectDigest: string): Promise<{ manifest: ImageManifest; digest: string } | undefined> {
  const tag = cosignAttestationTag(subjectDigest);
  const fetched = await client.getManifest(repository, tag, accept);
  return fetched ? { manifest: parseAttestations(fetched.bytes, `${repository}:${tag}`), digest: fetched.digest } : undefined;
}

/** Appends our envelope layer to the `.att` manifest (never twice); the envelope blob must already be pushed. */
export async function addToCosignTag(
  client: RegistryClient,
  repository: string,
  subjectDigest: string,
  envelope: { digest: string; size: number },
  predicateType: string,
): Promise<{ tag: string; digest: string; changed: boolean }> {
  const tag = cosignAttestationTag(subjectDigest);
  const layer = cosignAttestationLayer(envelope, predicateType);
  const result = await updateTag(client, repository, tag, {
    accept,
    what: `the cosign attestations ${repository}:${tag}`,
    parse: (bytes) => parseAttestations(bytes, `${repository}:${tag}`),
    has: (manifest) => manifest.layers.some((entry) => entry.digest === envelope.digest),
    build: async (existing) => {
      const layers = [...(existing?.layers ?? []), layer];
      const config = await client.pushBlob(repository, jsonBytes(cosignConfig(layers)));
      const manifest = buildCosignManifest(existing, layers, config);
      return { bytes: jsonBytes(manifest), mediaType: manifest.mediaType ?? mediaTypes.ociManifest };
    },
  });
  return { tag, ...result };
}
