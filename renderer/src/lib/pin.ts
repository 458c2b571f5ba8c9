/**
 * A PIN on its way to the API (issue 12). The core takes a PIN as its UTF-8
 * bytes, never as text, so that it can overwrite the only copy it keeps once
 * the token has it (shared/api/contract.ts, Pin). The form holds what was
 * typed (a password field's value is a string, which nothing can overwrite;
 * the form empties it once the token answers); the bytes are made for one
 * call, just before it, and overwritten as soon as it has answered.
 */

/** The typed PIN's bytes for one call; null stays null (a PIN pad, or a token that needs none). */
export function pinBytes(typed: string | null): Uint8Array<ArrayBuffer> | null {
  return typed === null ? null : new TextEncoder().encode(typed);
}

/** Runs `call` with the typed PIN's bytes, and overwrites them once it has answered (or failed). */
export async function withPinBytes<T>(typed: string | null, call: (pin: Uint8Array<ArrayBuffer> | null) => Promise<T>): Promise<T> {
  const pin = pinBytes(typed);
  try {
    return await call(pin);
  } finally {
    pin?.fill(0);
  }
}
