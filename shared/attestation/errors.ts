/**
 * Why a key's attestation does not prove what a policy asks (issue 13).
 * Callers and tests branch on the code; the message names whose key it is
 * and says what to do.
 */
import { CodedError } from '../errors';

export const attestationErrorCodes = [
  /** No attestation came with the key, where the policy asks for one. */
  'attestation-missing',
  /** A certificate of the attestation cannot be read, or does not carry the facts a YubiKey attestation states. */
  'attestation-malformed',
  /** The attestation does not chain to a trusted attestation root (a forged chain, another CA, a certificate altered). */
  'attestation-untrusted',
  /** The attestation is for another key than the one that signed. */
  'attestation-key-mismatch',
  /** The key was made on the device, with a PIN or touch policy weaker than the policy asks. */
  'attestation-policy-unmet',
] as const;
export type AttestationErrorCode = (typeof attestationErrorCodes)[number];

export class AttestationError extends CodedError<AttestationErrorCode> {
  override readonly name = 'AttestationError';
}
