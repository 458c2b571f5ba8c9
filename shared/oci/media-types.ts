/**
 * Media types, artifact types and annotation keys Conclave reads and writes.
 * The choices are explained in docs/oci.md.
 */

export const mediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociImageConfig: 'application/vnd.oci.image.config.v1+json',
  /** The OCI 1.1 empty descriptor's type: the config of an artifact that has none. */
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  /** A DSSE envelope (JSON), as cosign names its attestation layers. */
  dsseEnvelope: 'application/vnd.dsse.envelope.v1+json',
  /** The DSSE payloadType of an in-toto statement; also the artifactType cosign gives attestation referrers. */
  inToto: 'application/vnd.in-toto+json',
} as const;

/** The manifest types an image (the subject of an attachment) may have. */
export const imageManifestMediaTypes: readonly string[] = [mediaTypes.ociManifest, mediaTypes.ociIndex, mediaTypes.dockerManifest, mediaTypes.dockerManifestList];

/** What we send as Accept when reading a manifest: every type an image may have. */
export const manifestAccept = imageManifestMediaTypes.join(', ');

/**
 * artifactType of the referrer Conclave pushes. It names what the artifact is
 * (an in-toto attestation) rather than its wrapper, as cosign's OCI 1.1 mode
 * does, so `cosign tree`, `oras discover --artifact-type` and policy engines
 * that look for attestations find it; the layer's mediaType says it is DSSE.
 */
export const attestationArtifactType = mediaTypes.inToto;

/** Referrer artifact types whose layers may hold DSSE envelopes: ours, and the wrapper type some tools use. */
export const envelopeArtifactTypes: readonly string[] = [mediaTypes.inToto, mediaTypes.dsseEnvelope];

export const annotations = {
  /** in-toto's (and BuildKit's) predicate type annotation. */
  predicateType: 'in-toto.io/predicate-type',
  created: 'org.opencontainers.image.created',
  /** cosign's layer annotations in a `.att` manifest. */
  cosignPredicateType: 'predicateType',
  cosignSignature: 'dev.cosignproject.cosign/signature',
} as const;

/** The OCI empty blob `{}` and its descriptor (image-spec 1.1, "Guidance for an Empty Descriptor"). */
export const emptyBlob = Uint8Array.of(0x7b, 0x7d);
export const emptyDescriptor = {
  mediaType: mediaTypes.ociEmpty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
} as const;

/** Registries are untrusted: the most Conclave reads of one manifest, and of one layer. */
export const limits = {
  manifestBytes: 4 * 1024 * 1024,
  layerBytes: 16 * 1024 * 1024,
  /** Referrers looked at per image; more is a registry filling our screen. */
  referrers: 256,
} as const;
