/**
 * Building the JSON documents Conclave pushes: the OCI 1.1 attestation
 * artifact, the referrers-tag index and cosign's `.att` manifest. Pure: the
 * caller hashes and pushes the bytes.
 */
import { annotations, attestationArtifactType, emptyDescriptor, mediaTypes } from './media-types';
import type { Descriptor, ImageIndex, ImageManifest } from './schemas';

const encoder = new TextEncoder();

/** The bytes pushed for a document. The digest is over exactly these bytes, so they are made once and reused. */
export function jsonBytes(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export interface AttestationManifestInput {
  /** The image the envelope is about (its manifest descriptor). */
  subject: Descriptor;
  /** The envelope blob's descriptor. */
  envelope: { digest: string; size: number };
  predicateType: string;
  /** RFC 3339 time of publishing. */
  created: string;
  /** Extra manifest annotations from the caller; ours win on a clash. */
  extraAnnotations?: Record<string, string>;
}

/** The OCI 1.1 artifact: empty config, one DSSE layer, the image as subject. */
export function buildAttestationManifest(input: AttestationManifestInput): ImageManifest {
  return {
    schemaVersion: 2,
    mediaType: mediaTypes.ociManifest,
    artifactType: attestationArtifactType,
    config: { ...emptyDescriptor },
    layers: [
      {
        mediaType: mediaTypes.dsseEnvelope,
        digest: input.envelope.digest,
        size: input.envelope.size,
        annotations: { [annotations.predicateType]: input.predicateType },
      },
    ],
    subject: { mediaType: input.subject.mediaType, digest: input.subject.digest, size: input.subject.size },
    annotations: { ...input.extraAnnotations, [annotations.predicateType]: input.predicateType, [annotations.created]: input.created },
  };
}

/** The descriptor of a referrer as the referrers API and tag schema list it: artifactType and annotations copied up. */
export function referrerDescriptor(manifest: ImageManifest, digest: string, size: number): Descriptor {
  const artifactType = manifest.artifactType ?? manifest.config.mediaType;
  return {
    mediaType: manifest.mediaType ?? mediaTypes.ociManifest,
    digest,
    size,
    artifactType,
    ...(manifest.annotations ? { annotations: { ...manifest.annotations } } : {}),
  };
}

/** The referrers-tag index with this referrer added (unchanged entries kept as they were). */
export function withReferrer(index: ImageIndex | undefined, referrer: Descriptor): ImageIndex {
  const manifests = index?.manifests ?? [];
  if (manifests.some((entry) => entry.digest === referrer.digest)) return index ?? emptyIndex();
  return { ...(index ?? emptyIndex()), manifests: [...manifests, referrer] };
}

function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests: [] };
}

/** Our layer as cosign lists attestations in a `.att` manifest. */
export function cosignAttestationLayer(envelope: { digest: string; size: number }, predicateType: string): Descriptor {
  return {
    mediaType: mediaTypes.dsseEnvelope,
    digest: envelope.digest,
    size: envelope.size,
    annotations: { [annotations.cosignSignature]: '', [annotations.cosignPredicateType]: predicateType },
  };
}

/**
 * cosign's `.att` manifests carry an image config whose diff_ids are the
 * layers (its layers are stored uncompressed); tools built on
 * go-containerregistry expect the two to agree.
 */
export function cosignConfig(layers: readonly Descriptor[]): unknown {
  return { architecture: '', os: '', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) } };
}

/** The `.att` manifest with these layers, keeping an existing manifest's type and other fields. */
export function buildCosignManifest(existing: ImageManifest | undefined, layers: Descriptor[], config: { digest: string; size: number }): ImageManifest {
  const configMediaType = existing?.config.mediaType === 'application/vnd.docker.container.image.v1+json' ? existing.config.mediaType : mediaTypes.ociImageConfig;
  return {
    ...existing,
    schemaVersion: 2,
    mediaType: existing?.mediaType ?? mediaTypes.ociManifest,
    config: { mediaType: configMediaType, digest: config.digest, size: config.size },
    layers,
  };
}
