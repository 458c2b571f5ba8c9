/**
 * The DSSE envelopes attached to an image: OCI 1.1 referrers (API or tag
 * schema) and cosign's `.att` manifest. Every layer is read by digest with a
 * size cap and hashed; one that does not match is refused, never returned.
 */
import { readEnvelopeInfo } from '../../../shared/oci/envelope-info';
import { OciError } from '../../../shared/oci/errors';
import { cosignAttestationTag } from '../../../shared/oci/digest';
import { limits, mediaTypes } from '../../../shared/oci/media-types';
import type { ImageReference } from '../../../shared/oci/reference';
import type { Descriptor } from '../../../shared/oci/schemas';
import { readCosignAttestations } from './cosign-tag';
import { envelopeReferrers, listReferrers, readReferrer, type ReferrersSource } from './referrers';
import type { RegistryClient } from './registry-client';
import { resolveReference } from './resolve';

export type EnvelopeLocation = { via: ReferrersSource; manifestDigest: string } | { via: 'cosign-tag'; tag: string; manifestDigest: string };

export interface FoundEnvelope {
  /** The envelope JSON exactly as stored (its sha256 is `digest`). */
  envelope: Uint8Array;
  digest: string;
  /** The envelope's payloadType, when it parses as DSSE. */
  payloadType: string | undefined;
  /** The signed statement's predicateType (read from the payload, not from annotations). */
  predicateType: string | undefined;
  /** Every place it was found. */
  locations: EnvelopeLocation[];
}

export async function findWith(client: RegistryClient, reference: ImageReference & { digest: string }, filter: { predicateType?: string } = {}): Promise<FoundEnvelope[]> {
  const subject = await resolveReference(client, reference);
  const { repository } = reference;
  const layers = new Map<string, { descriptor: Descriptor; locations: EnvelopeLocation[] }>();
  const note = (layer: Descriptor, location: EnvelopeLocation) => {
    if (layer.mediaType !== mediaTypes.dsseEnvelope || !layer.digest.startsWith('sha256:')) return;
    const entry = layers.get(layer.digest) ?? { descriptor: layer, locations: [] };
    entry.locations.push(location);
    layers.set(layer.digest, entry);
  };

  const listing = await listReferrers(client, repository, subject.digest);
  for (const descriptor of envelopeReferrers(listing.descriptors)) {
    const manifest = await readReferrer(client, repository, descriptor, subject.digest);
    for (const layer of manifest?.layers ?? []) note(layer, { via: listing.source, manifestDigest: descriptor.digest });
  }
  const cosign = await readCosignAttestations(client, repository, subject.digest);
  for (const layer of cosign?.manifest.layers.slice(0, limits.referrers) ?? []) note(layer, { via: 'cosign-tag', tag: cosignAttestationTag(subject.digest), manifestDigest: cosign!.digest });

  const envelopes: FoundEnvelope[] = [];
  for (const [digest, { descriptor, locations }] of layers) {
    if (descriptor.size > limits.layerBytes) throw new OciError('oci-too-large', `An envelope attached to ${subject.pinned} (${digest}) is ${descriptor.size} bytes, more than the ${limits.layerBytes} Conclave reads.`);
    const envelope = await client.getBlob(repository, digest, limits.layerBytes, `The envelope attached to ${subject.pinned}`);
    let info: { payloadType: string | undefined; predicateType: string | undefined };
    try {
      info = readEnvelopeInfo(envelope);
    } catch (error) {
      // Returned anyway: the verifier says precisely what is wrong with it.
      if (!(error instanceof OciError)) throw error;
      info = { payloadType: undefined, predicateType: undefined };
    }
    if (filter.predicateType !== undefined && info.predicateType !== filter.predicateType) continue;
    envelopes.push({ envelope, digest, payloadType: info.payloadType, predicateType: info.predicateType, locations });
  }
  return envelopes;
}
