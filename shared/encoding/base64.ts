// Standard alphabet with padding (RFC 4648 §4), as DSSE and PEM use.
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Character code → 6-bit value, 255 for characters outside the alphabet (a table: this runs for every stored signature). */
const lookup = new Uint8Array(256).fill(255);
for (let i = 0; i < alphabet.length; i++) lookup[alphabet.charCodeAt(i)] = i;
const padCode = '='.charCodeAt(0);

/**
 * Node's own codec, where there is one (the core, the CLI): native code, which
 * a command that reads a few events runs long before a loop of its own would
 * be compiled (issue 11). In a browser, the loops below. The answer is the
 * same byte for byte: the text is checked first, and Node decodes valid
 * padded base64 exactly as the loop does.
 */
const nodeBuffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;
interface NodeBuffer {
  from(text: string, encoding: 'base64'): Uint8Array & { toString(encoding: 'base64'): string };
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: 'base64'): string };
}
/** The alphabet, then padding only at the very end, at most two (the length, a multiple of 4, is checked apart). */
const base64Text = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Text Node's codec gives back unchanged is standard padded base64: its
 * encoder writes nothing else. Checked natively, that is several times
 * faster than the expression over a kilobyte of event payload (every stored
 * event has one); text it changes (stray bits in the last character, or
 * not base64 at all) is then judged by the expression, as before.
 */
function survivesNodeCodec(text: string): boolean {
  return nodeBuffer !== undefined && nodeBuffer.from(text, 'base64').toString('base64') === text;
}

/** Is this standard padded base64 (RFC 4648 §4)? */
export function isBase64(text: string): boolean {
  return text.length % 4 === 0 && (survivesNodeCodec(text) || base64Text.test(text));
}

export function toBase64(bytes: Uint8Array): string {
  if (nodeBuffer) return nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
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
  if (nodeBuffer && text.length % 4 === 0) {
    // Decoded once, and checked by encoding it back (survivesNodeCodec), the expression only for what that changes.
    const decoded = nodeBuffer.from(text, 'base64');
    if (decoded.toString('base64') !== text && !base64Text.test(text)) throw new TypeError('not standard padded base64');
    // A copy of its own, not a view of Node's shared pool.
    return new Uint8Array(decoded);
  }
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
