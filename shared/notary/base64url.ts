/**
 * Base64url without padding (RFC 4648 §5, RFC 7515 §2 "Base64url Encoding"),
 * as JWS encodes its protected header, payload and signature.
 */
import { fromBase64, toBase64 } from '../encoding/base64';

export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Throws TypeError for text that is not unpadded base64url. */
export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new TypeError('not unpadded base64url');
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  return fromBase64(standard + '='.repeat((4 - (standard.length % 4)) % 4));
}
