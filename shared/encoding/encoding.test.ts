import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { fromBase64, toBase64 } from './base64';
import { fromHex, toHex } from './hex';
import { fromPem, toPem } from './pem';

describe('encodings', () => {
  it('writes standard padded base64 exactly as Node does, for every length mod 3', () => {
    for (let length = 0; length < 40; length++) {
      const bytes = randomBytes(length);
      expect(toBase64(bytes)).toBe(bytes.toString('base64'));
      expect(Buffer.from(fromBase64(bytes.toString('base64')))).toEqual(bytes);
    }
  });

  it('refuses URL-safe, unpadded or stray-character base64', () => {
    for (const bad of ['YWJj-_==', 'YWI', 'YW=j', 'YW Jj', 'Y===', '====', 'YWJj\n', 'YW\u00e9j']) expect(() => fromBase64(bad)).toThrow(TypeError);
  });

  it('gives the same answers without Node\'s Buffer (as in the window), copies of their own with Node\'s', async () => {
    const withNode = { fromBase64, toBase64 };
    vi.stubGlobal('Buffer', undefined);
    vi.resetModules();
    try {
      const browser = await import('./base64');
      for (let length = 0; length < 40; length++) {
        const bytes = new Uint8Array(randomBytes(length));
        const text = withNode.toBase64(bytes);
        expect(browser.toBase64(bytes)).toBe(text);
        expect(browser.fromBase64(text)).toEqual(withNode.fromBase64(text));
      }
      for (const bad of ['YWJj-_==', 'YWI', 'YW=j', 'Y===']) expect(() => browser.fromBase64(bad)).toThrow(TypeError);
    } finally {
      vi.unstubAllGlobals();
    }
    const decoded = withNode.fromBase64('AAEC');
    expect(decoded.constructor).toBe(Uint8Array);
    expect(decoded.buffer.byteLength).toBe(3);
  });

  it('round-trips hex and refuses odd or non-hex text', () => {
    expect(toHex(Uint8Array.of(0, 15, 255))).toBe('000fff');
    expect([...fromHex('000fFF')]).toEqual([0, 15, 255]);
    expect(() => fromHex('abc')).toThrow();
    expect(() => fromHex('zz')).toThrow();
  });

  it('wraps PEM at 64 columns and finds the block by its label', () => {
    const der = randomBytes(100);
    const pem = toPem('PUBLIC KEY', der);
    expect(pem.split('\n').every((line) => line.length <= 64)).toBe(true);
    expect(Buffer.from(fromPem('PUBLIC KEY', `junk\n${pem}`))).toEqual(der);
    expect(() => fromPem('CERTIFICATE', pem)).toThrow(/CERTIFICATE/);
  });
});
