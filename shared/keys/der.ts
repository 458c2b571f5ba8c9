/** Small DER helpers for what the ASN.1 library leaves to the caller: INTEGER sign bytes. */

/** A non-negative big-endian integer as DER INTEGER content: minimal, with a 0x00 when the top bit is set. */
export function unsignedIntegerContent(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  if ((trimmed[0] ?? 0) & 0x80) {
    const out = new Uint8Array(trimmed.length + 1);
    out.set(trimmed, 1);
    return out;
  }
  return Uint8Array.from(trimmed);
}

/** DER INTEGER content back to a fixed-width big-endian unsigned integer. */
export function fixedWidthUnsigned(content: Uint8Array, width: number): Uint8Array {
  let start = 0;
  while (start < content.length && content[start] === 0) start++;
  const significant = content.subarray(start);
  if (significant.length > width) throw new RangeError('integer wider than expected');
  const out = new Uint8Array(width);
  out.set(significant, width - significant.length);
  return out;
}

export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** If `bytes` is exactly one DER OCTET STRING, its content; otherwise undefined. */
export function unwrapOctetString(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length < 2 || bytes[0] !== 0x04) return undefined;
  let length = bytes[1]!;
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 3 || bytes.length < 2 + count) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = (length << 8) | bytes[2 + i]!;
    header = 2 + count;
  }
  return header + length === bytes.length ? bytes.subarray(header) : undefined;
}
