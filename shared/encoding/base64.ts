// Standard alphabet with padding (RFC 4648 §4), as DSSE and PEM use.
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Character code → 6-bit value, 255 for characters outside the alphabet (a table: this runs for every stored signature). */
const lookup = new Uint8Array(256).fill(255);
for (let i = 0; i < alphabet.length; i++) lookup[alphabet.charCodeAt(i)] = i;
const padCode = '='.charCodeAt(0);

/** Is this standard padded base64 (RFC 4648 §4)? Checked without decoding. */
export function isBase64(text: string): boolean {
  if (text.length % 4 !== 0) return false;
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === padCode) {
      padding++;
      continue;
    }
    // Padding only at the very end, at most two.
    if (padding > 0 || code > 255 || lookup[code] === 255) return false;
  }
  return padding <= 2;
}

export function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0;
    const b = bytes[i + 1] ?? 0;
    const c = bytes[i + 2] ?? 0;
    const n = (a << 16) | (b << 8) | c;
    out += alphabet[(n >> 18) & 63]! + alphabet[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? alphabet[(n >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? alphabet[n & 63]! : '=';
  }
  return out;
}

export function fromBase64(text: string): Uint8Array {
  if (!isBase64(text)) throw new TypeError('not standard padded base64');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const c = text.charCodeAt(i + 2);
    const d = text.charCodeAt(i + 3);
    const n = (lookup[text.charCodeAt(i)]! << 18) | (lookup[text.charCodeAt(i + 1)]! << 12) | ((c === padCode ? 0 : lookup[c]!) << 6) | (d === padCode ? 0 : lookup[d]!);
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
