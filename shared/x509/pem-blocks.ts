import { fromBase64 } from '../encoding/base64';

/**
 * Every base64 block with this label, in order (a chain file, a CA bundle, a
 * PEM CRL). shared/encoding/pem.ts reads one block of the labels keys use;
 * X.509 needs several blocks and the "X509 CRL" label. Throws TypeError for a
 * block that is not base64.
 */
export function pemBlocks(text: string, label: 'CERTIFICATE' | 'X509 CRL'): Uint8Array[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  return [...text.matchAll(pattern)].map((match) => fromBase64(match[1]!.replace(/\s+/g, '')));
}
