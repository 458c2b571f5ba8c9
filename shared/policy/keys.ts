/**
 * Reading an approver's PEM public key strictly. Two spellings of one key
 * (BER instead of DER, a compressed EC point) would get two keyids and could
 * be listed as two people; only the canonical DER encoding is accepted, so
 * one key has exactly one keyid.
 */
import { curves, oids, describeKeyType, type KeyType } from '../keys/algorithms';
import { keyTypeOfPublicKeyInfo, UnsupportedKeyError } from '../keys/public-key-info';
import { readSubjectPublicKeyInfo, type DerPublicKeyInfo } from '../keys/spki-der';
import { fromBase64 } from '../encoding/base64';

export const minimumRsaBits = 2048;
// Beyond this, verifying costs more than any token produces keys for; refusing it bounds the work per signature.
export const maximumRsaBits = 8192;

export type KeyReading = { ok: true; spki: Uint8Array; type: KeyType } | { ok: false; problem: 'malformed' | 'unsupported'; reason: string };

const pemBlock = /^\s*-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n\t ]+)-----END PUBLIC KEY-----\s*$/;

/**
 * Readings of the last few hundred PEM texts: the same policy is loaded more
 * than once by one command (the trusted copy, the file named on the command
 * line, the copy in the opening), and reading a key (two DER parses and an
 * encoding) is most of loading a policy (issue 11). A reading depends on the
 * text alone; callers get a copy of the key's bytes.
 */
const readings = new Map<string, KeyReading>();
const readingsKept = 256;

export function readPublicKeyPem(pem: string): KeyReading {
  let reading = readings.get(pem);
  if (!reading) {
    reading = readPublicKeyPemOnce(pem);
    if (readings.size >= readingsKept) readings.delete(readings.keys().next().value!);
    readings.set(pem, reading);
  }
  return reading.ok ? { ...reading, spki: reading.spki.slice() } : reading;
}

function readPublicKeyPemOnce(pem: string): KeyReading {
  const block = pemBlock.exec(pem);
  if (!block) {
    if (pem.includes('-----BEGIN CERTIFICATE-----')) return { ok: false, problem: 'unsupported', reason: 'it is a certificate; give the public key instead (openssl x509 -pubkey -noout -in cert.pem)' };
    if (pem.includes('-----BEGIN RSA PUBLIC KEY-----')) return { ok: false, problem: 'malformed', reason: 'it is a PKCS#1 RSA key; convert it to SubjectPublicKeyInfo (openssl rsa -RSAPublicKey_in -pubout -in key.pem)' };
    return { ok: false, problem: 'malformed', reason: 'it is not exactly one PEM "PUBLIC KEY" block' };
  }
  let der: Uint8Array;
  try {
    der = fromBase64(block[1]!.replace(/\s+/g, ''));
  } catch {
    return { ok: false, problem: 'malformed', reason: 'its PEM body is not valid base64' };
  }
  let info: DerPublicKeyInfo;
  try {
    // Strict DER (spki-der.ts): BER, a long-form length that could be shorter, trailing bytes are all refused here.
    info = readSubjectPublicKeyInfo(der);
  } catch {
    return { ok: false, problem: 'malformed', reason: 'its PEM body is not a DER SubjectPublicKeyInfo in canonical DER (re-export it with openssl pkey -pubin -in key.pem)' };
  }
  let type: KeyType;
  try {
    type = keyTypeOfPublicKeyInfo(der);
  } catch (error) {
    if (error instanceof UnsupportedKeyError) return { ok: false, problem: 'unsupported', reason: `its type is not one Conclave accepts (${error.message}); use ECDSA P-256, P-384 or P-521, RSA of ${minimumRsaBits} bits or more, or Ed25519` };
    return { ok: false, problem: 'malformed', reason: 'its key material cannot be read' };
  }
  const point = info.subjectPublicKey;
  switch (type.kind) {
    case 'ecdsa': {
      const expected = 1 + 2 * curves[type.curve].bytes;
      if (point.length !== expected || point[0] !== 0x04) return { ok: false, problem: 'malformed', reason: `its ${type.curve} point is not an uncompressed point (re-export it with openssl pkey -pubin -in key.pem)` };
      break;
    }
    case 'ed25519':
      if (point.length !== 32 || info.parameters) return { ok: false, problem: 'malformed', reason: 'its Ed25519 key is not 32 bytes without parameters (RFC 8410 §3)' };
      break;
    case 'rsa':
      if (info.algorithm !== oids.rsaEncryption) return { ok: false, problem: 'unsupported', reason: 'it is not an rsaEncryption key' };
      if (type.bits < minimumRsaBits) return { ok: false, problem: 'unsupported', reason: `it is ${describeKeyType(type)}, shorter than the ${minimumRsaBits} bits Conclave accepts` };
      if (type.bits > maximumRsaBits) return { ok: false, problem: 'unsupported', reason: `it is ${describeKeyType(type)}, longer than the ${maximumRsaBits} bits Conclave accepts` };
      break;
  }
  return { ok: true, spki: der, type };
}
