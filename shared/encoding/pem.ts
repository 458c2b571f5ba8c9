import { fromBase64, toBase64 } from './base64';

export type PemLabel = 'PUBLIC KEY' | 'CERTIFICATE';

export function toPem(label: PemLabel, der: Uint8Array): string {
  const lines = toBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The DER inside the first PEM block with this label. */
export function fromPem(label: PemLabel, pem: string): Uint8Array {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
  if (!match) throw new TypeError(`no ${label} block in PEM text`);
  return fromBase64(match[1]!.replace(/\s+/g, ''));
}
