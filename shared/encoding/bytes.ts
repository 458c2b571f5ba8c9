/** Whether two byte strings are the same, byte for byte (not constant-time: for public data such as digests, keys and statements). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
