/** The smaller pieces of the time-stamp module, each against an independent reference (node:crypto, OpenSSL). */
import { constants, createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeDigester, nodeSignatureVerifier } from '../../electron/core/crypto/node-crypto';
import { checkTsaUrl, requestTimestamp } from '../../electron/core/timestamp';
import { grantedResponseOf, readTimestampResponse, TimestampError, verifyTimestampToken } from '../../shared/timestamp';
import { parseGenTime } from '../../shared/timestamp/gen-time';
import { sha1 } from '../../shared/timestamp/sha1';
import { tokenParts } from '../../shared/timestamp/token';
import { createTsaLab, withTsa, type TsaLab } from '../support/tsa';

let lab: TsaLab;
beforeAll(async () => {
  lab = await createTsaLab();
});
afterAll(async () => {
  await lab?.remove();
});

describe('sha1 (for ESSCertID only)', () => {
  it('matches node:crypto on every length around the block boundaries', () => {
    for (let length = 0; length < 200; length++) {
      const data = randomBytes(length);
      expect(Buffer.from(sha1(data)).toString('hex')).toBe(createHash('sha1').update(data).digest('hex'));
    }
  });
});

describe('parseGenTime', () => {
  it('reads UTC GeneralizedTime with and without fractions', () => {
    expect(parseGenTime('20261122130818Z')?.toISOString()).toBe('2026-11-22T13:08:18.000Z');
    expect(parseGenTime('20261122130818.1Z')?.toISOString()).toBe('2026-11-22T13:08:18.100Z');
    expect(parseGenTime('20261122130818.116789Z')?.toISOString()).toBe('2026-11-22T13:08:18.116Z');
  });

  it('refuses local times, offsets and impossible dates', () => {
    for (const text of ['20261122130818', '20261122130818+0100', '20260231120000Z', '2026112213Z', '20261122130818.Z']) {
      expect(parseGenTime(text)).toBeUndefined();
    }
  });
});

describe('checkTsaUrl', () => {
  it('allows https anywhere, http on loopback, and http elsewhere only when told to', () => {
    expect(checkTsaUrl('https://tsa.example.org/tsr').href).toBe('https://tsa.example.org/tsr');
    for (const url of ['http://127.0.0.1:8080/', 'http://localhost/tsr', 'http://[::1]:3161/']) expect(checkTsaUrl(url).protocol).toBe('http:');
    expect(() => checkTsaUrl('http://tsa.example.org/')).toThrow(TimestampError);
    expect(() => checkTsaUrl('http://127.0.0.1.example.org/')).toThrow(TimestampError);
    expect(checkTsaUrl('http://tsa.example.org/', true).hostname).toBe('tsa.example.org');
  });
});

describe('readTimestampResponse', () => {
  it('returns the token of a granted response, byte for byte', async () => {
    const signature = randomBytes(72);
    const stamp = await withTsa({ signer: lab.ecdsaTsa }, (tsa) => requestTimestamp(tsa.url, signature, { trust: lab.trust }));
    expect(Buffer.from(readTimestampResponse(stamp.response)).equals(Buffer.from(stamp.token))).toBe(true);
    expect(Buffer.from(readTimestampResponse(grantedResponseOf(stamp.token))).equals(Buffer.from(stamp.token))).toBe(true);
  });

  it('refuses what is not a TimeStampResp as malformed', () => {
    for (const der of [new Uint8Array(0), Uint8Array.of(0x30, 0x00), Uint8Array.of(0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00), Uint8Array.of(0x04, 0x01, 0x00)]) {
      expect(() => readTimestampResponse(der)).toThrow(expect.objectContaining({ code: 'timestamp-malformed' }));
    }
  });
});

describe('nodeSignatureVerifier with a named hash (CMS) and without (DSSE, unchanged)', () => {
  const data = new TextEncoder().encode('signed attributes');
  const spkiOf = (key: ReturnType<typeof generateKeyPairSync>['publicKey']) => new Uint8Array(key.export({ format: 'der', type: 'spki' }));

  it.each(['SHA-384', 'SHA-512'] as const)('RSA PKCS#1 v1.5 with %s: accepted when named, refused otherwise', async (hash) => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signature = new Uint8Array(sign(hash.replace('-', '').toLowerCase(), data, { key: pair.privateKey, padding: constants.RSA_PKCS1_PADDING }));
    expect(await nodeSignatureVerifier.verify(spkiOf(pair.publicKey), data, signature, hash)).toBe(true);
    expect(await nodeSignatureVerifier.verify(spkiOf(pair.publicKey), data, signature)).toBe(false);
    expect(await nodeSignatureVerifier.verify(spkiOf(pair.publicKey), data, signature, 'SHA-256')).toBe(false);
  });

  it('ECDSA P-256 with SHA-384: accepted when named, refused by the curve rule', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signature = new Uint8Array(sign('sha384', data, pair.privateKey));
    expect(await nodeSignatureVerifier.verify(spkiOf(pair.publicKey), data, signature, 'SHA-384')).toBe(true);
    expect(await nodeSignatureVerifier.verify(spkiOf(pair.publicKey), data, signature)).toBe(false);
  });
});

describe('the signingCertificate attribute', () => {
  // An RSA TSA signs deterministically and at a fixed length, so the signature can be replaced in place after the
  // attribute is changed: a token, correctly signed by the TSA's key, that names another certificate.
  it.each(['sha1', 'sha256'] as const)('naming another certificate than the signer (ESSCertID with %s) is refused', async (essCertIdAlg) => {
    const signature = randomBytes(64);
    const stamp = await withTsa({ signer: lab.rsaTsa, essCertIdAlg }, (tsa) => requestTimestamp(tsa.url, signature, { trust: lab.trust }));
    const certificateHash = createHash(essCertIdAlg).update(lab.rsaTsa.der).digest();
    const token = Buffer.from(stamp.token);
    const at = token.indexOf(certificateHash);
    expect(at).toBeGreaterThan(0);
    token[at]! ^= 0x01;
    const changedAttributes = tokenParts(token).signedAttributesDer!;
    const key = createPrivateKey(await readFile(lab.rsaTsa.keyPath));
    const resigned = sign('sha256', changedAttributes, { key, padding: constants.RSA_PKCS1_PADDING });
    expect(resigned.length).toBe(256);
    resigned.copy(token, token.length - 256);
    const options = { signature, digester: nodeDigester, signatureVerifier: nodeSignatureVerifier, trust: lab.trust };
    await expect(verifyTimestampToken(token, options)).rejects.toMatchObject({ code: 'timestamp-certificate-missing' });
    // Put back, the same steps give a token that verifies: the refusal above is the attribute, not the surgery.
    token[at]! ^= 0x01;
    sign('sha256', tokenParts(token).signedAttributesDer!, { key, padding: constants.RSA_PKCS1_PADDING }).copy(token, token.length - 256);
    await expect(verifyTimestampToken(token, options)).resolves.toMatchObject({ hash: 'SHA-256' });
  });
});
