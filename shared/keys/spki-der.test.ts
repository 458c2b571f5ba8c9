import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readPublicKeyPem } from '../policy/keys';
import { toPem } from '../encoding/pem';
import { keyTypeOfPublicKeyInfo } from './public-key-info';
import { DerError, derOid, namedCurveOf, readRsaPublicKey, readSubjectPublicKeyInfo, writeSubjectPublicKeyInfo } from './spki-der';

function spkiOf(pair: { publicKey: { export(options: { type: 'spki'; format: 'der' }): Buffer } }): Uint8Array {
  return new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' }));
}

const p256 = spkiOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }));
const rsa = spkiOf(generateKeyPairSync('rsa', { modulusLength: 2048 }));

/** Two spellings of the same key: an insider listing one key twice under two keyids must be refused. */
function longFormOuterLength(der: Uint8Array): Uint8Array {
  // 0x30 0x59 … → 0x30 0x81 0x59 …: BER allows it, DER does not.
  return Uint8Array.from([0x30, 0x81, der[1]!, ...der.subarray(2)]);
}

describe('SubjectPublicKeyInfo as strict DER', () => {
  it('reads what OpenSSL writes, for every key type Conclave signs with', () => {
    const cases = [
      [generateKeyPairSync('ec', { namedCurve: 'P-256' }), { kind: 'ecdsa', curve: 'P-256', bits: 256 }],
      [generateKeyPairSync('ec', { namedCurve: 'P-384' }), { kind: 'ecdsa', curve: 'P-384', bits: 384 }],
      [generateKeyPairSync('ec', { namedCurve: 'P-521' }), { kind: 'ecdsa', curve: 'P-521', bits: 521 }],
      [generateKeyPairSync('rsa', { modulusLength: 3072 }), { kind: 'rsa', bits: 3072 }],
      [generateKeyPairSync('ed25519'), { kind: 'ed25519', bits: 256 }],
    ] as const;
    for (const [pair, type] of cases) expect(keyTypeOfPublicKeyInfo(spkiOf(pair))).toEqual(type);
  });

  it('writes back exactly the bytes it read', () => {
    for (const der of [p256, rsa, spkiOf(generateKeyPairSync('ed25519'))]) {
      const info = readSubjectPublicKeyInfo(der);
      expect(writeSubjectPublicKeyInfo(info.algorithm, info.parameters, info.subjectPublicKey)).toEqual(der);
    }
  });

  it('decodes object identifiers with large arcs, as OpenSSL encodes them', () => {
    expect(namedCurveOf(derOid('1.2.840.10045.3.1.7'))).toBe('1.2.840.10045.3.1.7');
    expect(namedCurveOf(derOid('2.999.1234567'))).toBe('2.999.1234567');
    expect(namedCurveOf(Uint8Array.of(0x06, 0x02, 0x2a, 0x80))).toBeUndefined();
  });

  it('refuses every other spelling of a key, so that one key has one keyid', () => {
    expect([p256[23], p256[24], p256[25]]).toEqual([0x03, 0x42, 0x00]);
    const spellings: [string, Uint8Array][] = [
      ['a long-form length that fits the short form', longFormOuterLength(p256)],
      ['an indefinite length', Uint8Array.from([0x30, 0x80, ...p256.subarray(2), 0x00, 0x00])],
      ['a byte after the end', Uint8Array.from([...p256, 0x00])],
      ['a truncated key', p256.subarray(0, p256.length - 1)],
      // A P-256 SPKI is 30 59 | 30 13 (OID, OID) | 03 42 00 04 …: byte 25 counts the BIT STRING's unused bits.
      ['a BIT STRING with unused bits', (() => { const copy = p256.slice(); copy[25] = 0x01; return copy; })()],
      ['an OID arc with a leading 0x80 byte', Uint8Array.from([0x30, 0x0a, 0x30, 0x05, 0x06, 0x03, 0x80, 0x2a, 0x03, 0x03, 0x01, 0x00, 0x00])],
    ];
    for (const [what, der] of spellings) {
      expect(() => readSubjectPublicKeyInfo(der), what).toThrow(DerError);
      const reading = readPublicKeyPem(toPem('PUBLIC KEY', der));
      expect(reading.ok, what).toBe(false);
    }
  });

  it('refuses an RSA modulus with a needless leading zero or a negative sign', () => {
    const info = readSubjectPublicKeyInfo(rsa);
    const { modulus, publicExponent } = readRsaPublicKey(info.subjectPublicKey);
    const integer = (content: Uint8Array) => Uint8Array.from([0x02, 0x82, content.length >> 8, content.length & 0xff, ...content]);
    const sequence = (...parts: Uint8Array[]) => {
      const body = Uint8Array.from(parts.flatMap((part) => [...part]));
      return Uint8Array.from([0x30, 0x82, body.length >> 8, body.length & 0xff, ...body]);
    };
    const exponent = Uint8Array.from([0x02, publicExponent.length, ...publicExponent]);
    expect(() => readRsaPublicKey(sequence(integer(Uint8Array.from([0x00, ...modulus])), exponent))).toThrow(/not minimal/);
    expect(() => readRsaPublicKey(sequence(integer(modulus.subarray(1)), exponent))).toThrow(/negative/);
    expect(readRsaPublicKey(sequence(integer(modulus), exponent)).modulus).toEqual(modulus);
  });
});
