/** Talking to OCI registries: resolve images, attach and find DSSE envelopes and other artifacts (docs/oci.md). */
export { OciClient, attachEnvelope, findEnvelopes, resolveImage } from './client';
export type { ArtifactRequest, ArtifactResult, FoundArtifact } from './artifact';
export type { AttachRequest, AttachResult } from './attach';
export type { EnvelopeLocation, FoundEnvelope } from './find';
export type { OciOptions } from './options';
export type { ResolvedImage } from './resolve';
export { OciError, ociErrorCodes, type OciErrorCode } from '../../../shared/oci/errors';
