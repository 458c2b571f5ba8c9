/** RFC 3161 trusted time for approval signatures: request, response, token verification, Sigstore form. */
export { timestampRequest, type TimestampRequest } from './request';
export { readTimestampResponse } from './response';
export {
  verifyTimestampToken,
  type SignerValidation,
  type TimestampAccuracy,
  type TimestampTrust,
  type VerifiedTimestamp,
  type VerifyTimestampOptions,
} from './verify';
export type { TimestampSignatureVerifier } from './signer-signature';
export type { TimestampHash } from './algorithms';
export { TimestampError, timestampErrorCodes, type AuthorityLabel, type TimestampErrorCode } from './errors';
export { grantedResponseOf, sigstoreSignedTimestamp } from './sigstore';
