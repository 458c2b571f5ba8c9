/**
 * Standard padded base64 (RFC 4648 §4), as DSSE signatures and payloads carry
 * it: the core checks it with Node's codec first (survivesNodeCodec), the
 * window with its own loop. Both must accept and refuse the same texts and
 * decode them to the same bytes, or an envelope would verify in one and not
 * the other.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';

type Codec = typeof import('../../shared/encoding/base64');

async function withNode(): Promise<Codec> {
  vi.resetModules();
  return import('../../shared/encoding/base64');
}

/** The module as the window loads it: no Buffer in globalThis. */
async function withoutNode(): Promise<Codec> {
  vi.resetModules();
  vi.stubGlobal('Buffer', undefined);
  try {
    return await import('../../shared/encoding/base64');
  } finally {
    vi.unstubAllGlobals();
  }
}

afterEach(() => vi.unstubAllGlobals());

const valid = ['', 'QQ==', 'QUI=', 'QUJD', 'AAAA', '+/+/', 'QR==', 'QUJ=', randomBytes(1500).toString('base64'), randomBytes(1501).toString('base64'), randomBytes(1502).toString('base64')];
const invalid = [
  'QQ', // not padded
  'QQ=', // length not a multiple of 4
  'Q===', // three pads
  'QQ==QQ==', // padding inside
  'QU J', // a space
  'QUJD\n', // a line break
  'a-b_', // base64url's alphabet
  '-_-_',
  'QUJ\u00e9',
  '====',
];

describe.each([
  ['the core (Node)', withNode],
  ['the window (no Buffer)', withoutNode],
])('base64 in %s', (_where, load) => {
  it('accepts standard padded base64, stray bits in the last character included, and decodes it byte for byte', async () => {
    const codec = await load();
    for (const text of valid) {
      expect(codec.isBase64(text), text.slice(0, 16)).toBe(true);
      expect(Buffer.from(codec.fromBase64(text)).equals(Buffer.from(text, 'base64')), text.slice(0, 16)).toBe(true);
    }
    // "QR==" has bits set past the byte it carries: the same byte as "QQ==", as every standard decoder reads it.
    expect([...codec.fromBase64('QR==')]).toEqual([0x41]);
  });

  it('refuses what is not standard padded base64, where Node alone would decode it', async () => {
    const codec = await load();
    for (const text of invalid) {
      expect(codec.isBase64(text), JSON.stringify(text)).toBe(false);
      expect(() => codec.fromBase64(text), JSON.stringify(text)).toThrow(/not standard padded base64/);
    }
  });

  it('round-trips bytes of every length', async () => {
    const codec = await load();
    for (let length = 0; length < 40; length++) {
      const bytes = new Uint8Array(randomBytes(length));
      const text = codec.toBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(codec.fromBase64(text)).toEqual(bytes);
    }
  });

  it('gives a copy of its own, not a view of a shared pool', async () => {
    const codec = await load();
    const bytes = codec.fromBase64('QUJD');
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(3);
  });
});
