import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
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
    for (const bad of ['YWJj-_==', 'YWI', 'YW=j', 'YW Jj']) expect(() => fromBase64(bad)).toThrow(TypeError);
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
