/**
 * A minimal DER reader for what the ASN.1 library does not give us: the exact
 * bytes of a certificate's names and key (compared and hashed as they were
 * signed, never re-encoded), and a check that the input is one element with
 * nothing after it (the library ignores trailing bytes).
 */

export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

export class DerError extends Error {}

/** One element at `offset`: single-byte tags only (all X.509 uses), definite minimal lengths (DER). */
export function readTlv(bytes: Uint8Array, offset: number, limit = bytes.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated element');
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used in X.509');
  const first = bytes[offset + 1]!;
  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0) throw new DerError('indefinite length is not DER');
    if (count > 4) throw new DerError('element too long');
    if (contentStart + count > limit) throw new DerError('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[contentStart + i]!;
    // DER: the shortest form, so one encoding per value (and per signature).
    if (length < 0x80 || bytes[contentStart] === 0) throw new DerError('non-minimal length');
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError('truncated content');
  return { tag, start: offset, contentStart, end };
}

/** The input must be exactly one element: no trailing bytes. */
export function singleElement(bytes: Uint8Array): Tlv {
  const tlv = readTlv(bytes, 0);
  if (tlv.end !== bytes.length) throw new DerError('trailing bytes after the element');
  return tlv;
}

/** The elements inside a constructed element. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = readTlv(bytes, offset, parent.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

export const elementBytes = (bytes: Uint8Array, tlv: Tlv): Uint8Array => bytes.subarray(tlv.start, tlv.end);
export const contentBytes = (bytes: Uint8Array, tlv: Tlv): Uint8Array => bytes.subarray(tlv.contentStart, tlv.end);

/** OBJECT IDENTIFIER content → dotted form. */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) throw new DerError('empty object identifier');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i]!;
    if (value === 0 && byte === 0x80) throw new DerError('non-minimal object identifier');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('object identifier arc too large');
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    } else if (i === content.length - 1) {
      throw new DerError('truncated object identifier');
    }
  }
  const first = arcs.shift()!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

/** An INTEGER's content as lowercase hex without sign padding: how serial numbers are shown and compared. */
export function integerHex(content: Uint8Array): string {
  let start = 0;
  while (start < content.length - 1 && content[start] === 0) start++;
  let hex = '';
  for (const byte of content.subarray(start)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
