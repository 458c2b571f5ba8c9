/**
 * The OCI registry capability as the rest of Conclave uses it. One OciClient
 * keeps a connection choice and tokens per registry for its lifetime; the
 * plain functions make a fresh one per call.
 */
import { OciError } from '../../../shared/oci/errors';
import { parseImageReference, parsePinnedReference } from '../../../shared/oci/reference';
import { attachArtifactWith, findArtifactsWith, type ArtifactRequest, type ArtifactResult, type FoundArtifact } from './artifact';
import { attachWith, type AttachRequest, type AttachResult } from './attach';
import { findWith, type FoundEnvelope } from './find';
import type { OciOptions } from './options';
import { RegistryClient } from './registry-client';
import { resolveReference, type ResolvedImage } from './resolve';

export class OciClient {
  private readonly registries = new Map<string, RegistryClient>();

  constructor(private readonly options: OciOptions = {}) {}

  private registry(name: string): RegistryClient {
    let client = this.registries.get(name);
    if (!client) {
      client = new RegistryClient(name, this.options);
      this.registries.set(name, client);
    }
    return client;
  }

  /** A tag → the digest of the manifest it names (computed over the bytes received); a digest → checked to exist. */
  async resolveImage(reference: string): Promise<ResolvedImage> {
    const parsed = parseImageReference(reference);
    return resolveReference(this.registry(parsed.registry), parsed);
  }

  /** Attaches a DSSE envelope to an image pinned by digest, as an OCI 1.1 referrer and in cosign's `.att` tag. */
  async attachEnvelope(request: AttachRequest): Promise<AttachResult> {
    const parsed = parsePinnedReference(request.image);
    return attachWith(this.registry(parsed.registry), parsed, request);
  }

  /** The envelopes attached to an image pinned by digest; [] when there are none. */
  async findEnvelopes(image: string, filter: { predicateType?: string } = {}): Promise<FoundEnvelope[]> {
    const parsed = parsePinnedReference(image);
    return findWith(this.registry(parsed.registry), parsed, filter);
  }

  /**
   * Attaches a one-layer OCI 1.1 artifact (empty config, the image as subject) to an image pinned by digest;
   * nothing is written when an artifact of this type with the same layer is already listed.
   */
  async attachArtifact(request: ArtifactRequest): Promise<ArtifactResult> {
    const parsed = parsePinnedReference(request.image);
    return attachArtifactWith(this.registry(parsed.registry), parsed, request);
  }

  /** The artifacts of these types attached to an image pinned by digest, with their layers of `layerMediaType`; [] when there are none. */
  async findArtifacts(image: string, filter: { artifactTypes: readonly string[]; layerMediaType: string }): Promise<FoundArtifact[]> {
    const parsed = parsePinnedReference(image);
    return findArtifactsWith(this.registry(parsed.registry), parsed, filter);
  }

  /** Uploads a blob to a repository (`registry/repository`); for building images and tests. */
  async uploadBlob(repository: string, bytes: Uint8Array): Promise<{ digest: string; size: number }> {
    const parsed = parseImageReference(repository);
    return this.registry(parsed.registry).pushBlob(parsed.repository, bytes);
  }

  /** Uploads a manifest under a tag or by its digest (`registry/repository:tag`, `…@sha256:…`); its blobs must be uploaded first. */
  async uploadManifest(reference: string, bytes: Uint8Array, mediaType: string): Promise<{ digest: string }> {
    const parsed = parseImageReference(reference);
    const client = this.registry(parsed.registry);
    if (parsed.digest !== undefined) {
      const pushed = await client.putManifest(parsed.repository, parsed.digest, bytes, mediaType);
      if (pushed.digest !== parsed.digest) throw new OciError('oci-digest-mismatch', `The manifest hashes to ${pushed.digest}, not to the ${parsed.digest} it was to be stored as.`);
      return { digest: pushed.digest };
    }
    const { digest } = await client.putManifest(parsed.repository, parsed.tag ?? 'latest', bytes, mediaType);
    return { digest };
  }
}

export const resolveImage = (reference: string, options: OciOptions = {}): Promise<ResolvedImage> => new OciClient(options).resolveImage(reference);
export const attachEnvelope = (request: AttachRequest, options: OciOptions = {}): Promise<AttachResult> => new OciClient(options).attachEnvelope(request);
export const findEnvelopes = (image: string, filter: { predicateType?: string } = {}, options: OciOptions = {}): Promise<FoundEnvelope[]> => new OciClient(options).findEnvelopes(image, filter);

