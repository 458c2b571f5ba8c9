/**
 * Errors of talking to OCI registries. Callers and tests branch on the code;
 * the message is for the person at the screen and says what to do next. No
 * message ever carries a credential.
 */
import { CodedError } from '../errors';

export const ociErrorCodes = [
  /** The image reference is not one Docker, cosign or crane would accept, or it is not pinned where it must be. */
  'oci-reference-invalid',
  /** The registry has no such manifest or blob. */
  'oci-not-found',
  /** The registry wants credentials and we have none, or it refused the ones we sent. */
  'oci-unauthorized',
  /** Credentials were accepted but do not allow this (e.g. pull-only). */
  'oci-denied',
  /** Plain HTTP to a registry that is neither loopback nor listed as insecure. */
  'oci-insecure-refused',
  /** What the registry sent does not hash to the digest it was asked for (or claims). */
  'oci-digest-mismatch',
  /** A manifest or layer is larger than Conclave reads. */
  'oci-too-large',
  /** The registry could not be reached (DNS, connection, TLS), or stopped answering. */
  'oci-unreachable',
  /** The person (the window's Cancel) or a command's overall deadline stopped the exchange. */
  'oci-cancelled',
  /** The registry answered something we cannot use: an unexpected status, malformed JSON, an unknown manifest type. */
  'oci-registry-error',
  /** Other writers kept changing the referrers index while we updated it. */
  'oci-conflict',
  /** The envelope to attach is not a DSSE envelope of an in-toto statement of the stated predicate type. */
  'oci-envelope-invalid',
  /** The Docker config file or a credential helper is broken. */
  'oci-credentials-invalid',
] as const;
export type OciErrorCode = (typeof ociErrorCodes)[number];

export class OciError extends CodedError<OciErrorCode> {
  override readonly name = 'OciError';
}
