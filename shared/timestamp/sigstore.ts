/**
 * Sigstore bundles (v0.3) carry a time stamp as
 * verificationMaterial.timestampVerificationData.rfc3161Timestamps[].signedTimestamp:
 * base64 of a DER TimeStampResp (protobuf-specs RFC3161SignedTimestamp), not of
 * the bare token; sigstore-js reads the token as the response's second field.
 * Conclave keeps the token; this wraps it in a granted response. The status is
 * outside what the TSA signs, so the wrapping changes nothing that is verified.
 */
import { toBase64 } from '../encoding/base64';

function derLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

// PKIStatusInfo ::= SEQUENCE { status PKIStatus } with status granted (0).
const grantedStatus = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00);

/** DER TimeStampResp { status granted, timeStampToken } around a DER TimeStampToken. */
export function grantedResponseOf(token: Uint8Array): Uint8Array {
  const contentLength = grantedStatus.length + token.length;
  const header = Uint8Array.of(0x30, ...derLength(contentLength));
  const out = new Uint8Array(header.length + contentLength);
  out.set(header, 0);
  out.set(grantedStatus, header.length);
  out.set(token, header.length + grantedStatus.length);
  return out;
}

/** What approvalBundle's rfc3161Timestamps takes for one token: base64 of the granted TimeStampResp. */
export function sigstoreSignedTimestamp(token: Uint8Array): string {
  return toBase64(grantedResponseOf(token));
}
