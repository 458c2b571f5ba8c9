import { CodedError } from '../errors';

export const timestampErrorCodes = [
  /** No reply from the TSA: network failure, timeout, HTTP error status. */
  'timestamp-unreachable',
  /** The caller aborted the request. */
  'timestamp-cancelled',
  /** The TSA URL is not one Conclave sends to: not http(s), or plain http to another machine. */
  'timestamp-url-invalid',
  /** The TSA answered with a status other than granted. */
  'timestamp-refused',
  /** The reply or token is not a well-formed RFC 3161 time stamp (or not a time-stamp reply at all: content type, size). */
  'timestamp-malformed',
  /** A hash or signature algorithm Conclave does not accept in a time stamp. */
  'timestamp-algorithm-unsupported',
  /** The time stamp is over other data than the signature it is attached to. */
  'timestamp-imprint-mismatch',
  'timestamp-nonce-mismatch',
  /** The TSA's signature, or the digest it signs, does not check out: the token was changed after signing. */
  'timestamp-signature-invalid',
  /** No certificate in the token matches the signer, or the signing-certificate attribute names another one. */
  'timestamp-certificate-missing',
  'timestamp-certificate-untrusted',
  'timestamp-certificate-usage',
  'timestamp-time-outside-validity',
] as const;
export type TimestampErrorCode = (typeof timestampErrorCodes)[number];

export class TimestampError extends CodedError<TimestampErrorCode> {
  override readonly name = 'TimestampError';
}

/** How messages name the TSA: "the time-stamping authority" by default, or with its URL. */
export interface AuthorityLabel {
  tsa?: string;
}

export function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
