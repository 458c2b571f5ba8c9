/**
 * Buffers for a PIN's bytes (issue 12). Always outside the JavaScript heap:
 * V8 keeps a small typed array (up to 64 bytes, as a PIN is) inside the
 * heap, and the first use of its `.buffer` (sending it, wrapping it in a
 * Buffer) copies the bytes out and leaves the first copy behind as garbage,
 * where no fill(0) reaches it. Memory allocated as an ArrayBuffer stays
 * where it is, and a fill(0) overwrites the only copy.
 */
export function pinBuffer(length: number): Buffer {
  return Buffer.from(new ArrayBuffer(length));
}

/** A copy of the PIN's bytes, or its UTF-8 encoding, written straight into such a buffer (no pooled or intermediate copy). */
export function pinBytesOf(pin: Uint8Array | string): Buffer {
  if (typeof pin === 'string') {
    const bytes = pinBuffer(Buffer.byteLength(pin, 'utf8'));
    bytes.write(pin, 'utf8');
    return bytes;
  }
  const bytes = pinBuffer(pin.byteLength);
  bytes.set(pin);
  return bytes;
}
