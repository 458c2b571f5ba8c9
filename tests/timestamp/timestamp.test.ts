import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeDigester, nodeSignatureVerifier } from '../../electron/core/crypto/node-crypto';
import { requestTimestamp, type RequestedTimestamp } from '../../electron/core/timestamp';
import { inTotoPayloadType, pae } from '../../shared/dsse/pae';
import { readTimestampResponse, TimestampError, verifyTimestampToken, type TimestampErrorCode, type TimestampTrust } from '../../shared/timestamp';
import { tokenParts } from '../../shared/timestamp/token';
import { createTsaLab, signedByTestCa, withTsa, type TsaLab, type TsaServerOptions } from '../support/tsa';

/** A real approval signature: ECDSA P-256 over DSSE PAE bytes, as a token returns it once converted to DER. */
function approvalSignature(text = 'statement'): Uint8Array {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return new Uint8Array(sign('sha256', pae(inTotoPayloadType, new TextEncoder().encode(text)), privateKey));
}

async function codeOf(promise: Promise<unknown>): Promise<TimestampErrorCode> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof TimestampError)) throw new Error(`expected a TimestampError, got ${String(error)}`);
  expect(error.message.length).toBeGreaterThan(40);
  return error.code;
}

let lab: TsaLab;
beforeAll(async () => {
  lab = await createTsaLab();
});
afterAll(async () => {
  await lab?.remove();
});

const verifyOptions = (signature: Uint8Array, trust: TimestampTrust, nonce?: Uint8Array) => ({
  signature,
  ...(nonce ? { nonce } : {}),
  digester: nodeDigester,
  signatureVerifier: nodeSignatureVerifier,
  trust,
});

async function stampAt(options: TsaServerOptions, signature: Uint8Array, trust?: TimestampTrust): Promise<RequestedTimestamp> {
  return withTsa(options, (tsa) => requestTimestamp(tsa.url, signature, { trust: trust ?? lab.trust }));
}

describe('requestTimestamp against an OpenSSL TSA', () => {
  it('returns a verified ECDSA P-256 time stamp made between the moments before and after asking', async () => {
    const signature = approvalSignature();
    const before = Date.now();
    const stamp = await stampAt({ signer: lab.ecdsaTsa }, signature);
    const after = Date.now();
    // OpenSSL writes milliseconds (clock_precision_digits = 3); compare from the second the request started in.
    expect(stamp.genTime.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(stamp.genTime.getTime()).toBeLessThanOrEqual(after);
    expect(stamp.policy).toBe('1.3.6.1.4.1.99999.3161.1');
    expect(stamp.serialNumber).toMatch(/^[0-9a-f]+$/);
    expect(stamp.accuracy).toEqual({ seconds: 1, millis: 500, micros: 100 });
    expect(stamp.hash).toBe('SHA-256');
    expect(Buffer.from(stamp.tsaCertificate).equals(Buffer.from(lab.ecdsaTsa.der))).toBe(true);
    // The token is the response's second element, byte for byte, and verifies again on its own.
    expect(Buffer.from(stamp.response).includes(Buffer.from(stamp.token))).toBe(true);
    const again = await verifyTimestampToken(stamp.token, verifyOptions(signature, lab.trust));
    expect(again.genTime).toEqual(stamp.genTime);
  });

  it('verifies an RSA TSA (PKCS#1 v1.5 with SHA-512, SHA-1 signingCertificate as OpenSSL writes by default)', async () => {
    const signature = approvalSignature();
    const stamp = await stampAt({ signer: lab.rsaTsa, signerDigest: 'sha512', essCertIdAlg: 'sha1' }, signature);
    expect(Buffer.from(stamp.tsaCertificate).equals(Buffer.from(lab.rsaTsa.der))).toBe(true);
    const signerInfo = tokenParts(stamp.token).signerInfos[0]!;
    expect(signerInfo.signatureAlgorithm.algorithm).toBe('1.2.840.113549.1.1.1');
    expect(signerInfo.digestAlgorithm.algorithm).toBe('2.16.840.1.101.3.4.2.3');
  });

  it('verifies an RSA TSA with SHA-256 and a P-384 TSA with SHA-384', async () => {
    await expect(stampAt({ signer: lab.rsaTsa }, approvalSignature())).resolves.toBeDefined();
    const p384 = await stampAt({ signer: lab.p384Tsa, signerDigest: 'sha384', essCertIdAlg: 'sha384' }, approvalSignature());
    expect(tokenParts(p384.token).signerInfos[0]!.signatureAlgorithm.algorithm).toBe('1.2.840.10045.4.3.3');
  });

  it('verifies a token whose signer is named by subject key identifier, with no signingCertificate attribute', async () => {
    const stamp = await stampAt({ signer: lab.ecdsaTsa, resign: { signer: lab.ecdsaTsa, keyid: true } }, approvalSignature());
    expect(tokenParts(stamp.token).signerInfos[0]!.sid.subjectKeyIdentifier).toBeDefined();
  });

  it('hands the other certificates of the token to the trust callback', async () => {
    const seen: number[] = [];
    const trust: TimestampTrust = {
      validateSigner: (certificate, others, at) => {
        seen.push(others.length);
        return lab.trust.validateSigner(certificate, others, at);
      },
    };
    await stampAt({ signer: lab.ecdsaTsa, extraCertsPath: lab.ca.certPath }, approvalSignature(), trust);
    expect(seen).toEqual([1]);
  });
});

describe('time stamps that must be refused', () => {
  let signature: Uint8Array;
  let stamp: RequestedTimestamp;
  beforeAll(async () => {
    signature = approvalSignature();
    stamp = await stampAt({ signer: lab.ecdsaTsa }, signature);
  });

  it('over a different signature: imprint mismatch', async () => {
    expect(await codeOf(verifyTimestampToken(stamp.token, verifyOptions(approvalSignature('other'), lab.trust)))).toBe('timestamp-imprint-mismatch');
  });

  it('with a byte of the TSTInfo changed: signature invalid', async () => {
    const { tstInfoDer } = tokenParts(stamp.token);
    const at = Buffer.from(stamp.token).indexOf(Buffer.from(tstInfoDer));
    const tampered = Uint8Array.from(stamp.token);
    // The last byte of TSTInfo is inside the TSA's name: the token still parses, only its content changed.
    tampered[at + tstInfoDer.length - 1]! ^= 0x01;
    expect(await codeOf(verifyTimestampToken(tampered, verifyOptions(signature, lab.trust)))).toBe('timestamp-signature-invalid');
  });

  it('with a byte of the TSA signature changed: signature invalid', async () => {
    const tampered = Uint8Array.from(stamp.token);
    // The signature value is the token's last field (no unsigned attributes).
    tampered[tampered.length - 1]! ^= 0x01;
    expect(await codeOf(verifyTimestampToken(tampered, verifyOptions(signature, lab.trust)))).toBe('timestamp-signature-invalid');
  });

  it('with a byte of the signed attributes changed: signature invalid', async () => {
    const { signedAttributesDer } = tokenParts(stamp.token);
    const inner = Buffer.from(signedAttributesDer!.subarray(2));
    const at = Buffer.from(stamp.token).indexOf(inner);
    const tampered = Uint8Array.from(stamp.token);
    // Inside the signingTime UTCTime digits: '0'..'8' stays a digit.
    const signingTime = Buffer.from(tampered).indexOf(Buffer.from('170d', 'hex'), at);
    tampered[signingTime + 2 + 11]! ^= 0x01;
    expect(await codeOf(verifyTimestampToken(tampered, verifyOptions(signature, lab.trust)))).toBe('timestamp-signature-invalid');
  });

  it('answering another nonce than the one sent: nonce mismatch', async () => {
    expect(await codeOf(verifyTimestampToken(stamp.token, verifyOptions(signature, lab.trust, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))))).toBe(
      'timestamp-nonce-mismatch',
    );
  });

  it('from a TSA replaying an earlier reply: nonce mismatch', async () => {
    await withTsa({ signer: lab.ecdsaTsa, replay: true }, async (tsa) => {
      await requestTimestamp(tsa.url, signature, { trust: lab.trust });
      expect(await codeOf(requestTimestamp(tsa.url, signature, { trust: lab.trust }))).toBe('timestamp-nonce-mismatch');
      expect(tsa.answered).toBe(2);
    });
  });

  it('signed by a certificate without the timeStamping extended key usage: usage', async () => {
    expect(await codeOf(stampAt({ signer: lab.ecdsaTsa, resign: { signer: lab.noUsageTsa } }, approvalSignature()))).toBe('timestamp-certificate-usage');
  });

  it('signed by a certificate whose timeStamping usage is not critical: usage', async () => {
    expect(await codeOf(stampAt({ signer: lab.ecdsaTsa, resign: { signer: lab.nonCriticalTsa } }, approvalSignature()))).toBe('timestamp-certificate-usage');
  });

  it('signed by a certificate that had expired: time outside validity', async () => {
    expect(await codeOf(stampAt({ signer: lab.expiredTsa }, approvalSignature()))).toBe('timestamp-time-outside-validity');
  });

  it('from a TSA of another CA: untrusted, through the trust callback', async () => {
    expect(await codeOf(stampAt({ signer: lab.otherCaTsa }, approvalSignature()))).toBe('timestamp-certificate-untrusted');
    // Same issuer name as the trusted root, another key: only the signature check catches it.
    expect(await codeOf(stampAt({ signer: lab.impostorTsa }, approvalSignature()))).toBe('timestamp-certificate-untrusted');
    // And the other CA's own TSA is fine for whoever trusts that CA.
    await expect(stampAt({ signer: lab.otherCaTsa }, approvalSignature(), signedByTestCa(lab.otherCa))).resolves.toBeDefined();
  });

  it('without the signer certificate: certificate missing', async () => {
    expect(await codeOf(stampAt({ signer: lab.ecdsaTsa, resign: { signer: lab.ecdsaTsa, nocerts: true } }, approvalSignature()))).toBe(
      'timestamp-certificate-missing',
    );
  });

  it('without signed attributes: malformed', async () => {
    expect(await codeOf(stampAt({ signer: lab.ecdsaTsa, resign: { signer: lab.ecdsaTsa, noattr: true } }, approvalSignature()))).toBe('timestamp-malformed');
  });

  it('that is not a token at all: malformed', async () => {
    expect(await codeOf(verifyTimestampToken(stamp.response, verifyOptions(signature, lab.trust)))).toBe('timestamp-malformed');
    expect(await codeOf(verifyTimestampToken(stamp.token.subarray(0, 100), verifyOptions(signature, lab.trust)))).toBe('timestamp-malformed');
  });
});

describe('TSA replies that are not time stamps', () => {
  it('a rejection status is refused with what the TSA said', async () => {
    const error = await stampAt({ signer: lab.ecdsaTsa, digests: 'sha512' }, approvalSignature()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimestampError);
    expect((error as TimestampError).code).toBe('timestamp-refused');
    expect((error as TimestampError).message).toContain('Message digest algorithm is not supported');
    expect((error as TimestampError).message).toContain('does not support the hash algorithm');
  });

  it('a garbage query gets OpenSSL\'s rejection, read as refused', async () => {
    await withTsa({ signer: lab.ecdsaTsa }, async (tsa) => {
      const reply = await fetch(tsa.url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x07]) });
      const body = new Uint8Array(await reply.arrayBuffer());
      let caught: unknown;
      try {
        readTimestampResponse(body);
      } catch (error) {
        caught = error;
      }
      expect((caught as TimestampError).code).toBe('timestamp-refused');
      expect((caught as TimestampError).message).toContain('not in a format it reads');
    });
  });

  it('another content type, or a reply too large, is malformed', async () => {
    await withTsa({ signer: lab.ecdsaTsa, contentType: 'text/html' }, async (tsa) => {
      expect(await codeOf(requestTimestamp(tsa.url, approvalSignature(), { trust: lab.trust }))).toBe('timestamp-malformed');
    });
    await withTsa({ signer: lab.ecdsaTsa }, async (tsa) => {
      expect(await codeOf(requestTimestamp(tsa.url, approvalSignature(), { trust: lab.trust, maxReplyBytes: 100 }))).toBe('timestamp-malformed');
    });
  });
});

describe('reaching the TSA', () => {
  it('a port nobody listens on is unreachable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await requestTimestamp(`http://127.0.0.1:${port}/tsr`, approvalSignature(), { trust: lab.trust }).catch((caught: unknown) => caught);
    expect((error as TimestampError).code).toBe('timestamp-unreachable');
    expect((error as TimestampError).message).toContain(`127.0.0.1:${port}`);
    expect((error as TimestampError).message).toContain('Check the URL in the policy');
  });

  it('a TSA that never answers is unreachable after the timeout, and cancelling is cancelled', async () => {
    let onRequest: (() => void) | undefined;
    // Holds every request open: only the client's deadline or abort ends it.
    const server = createServer(() => onRequest?.());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsr`;
    try {
      expect(await codeOf(requestTimestamp(url, approvalSignature(), { trust: lab.trust, timeoutMs: 50 }))).toBe('timestamp-unreachable');
      const controller = new AbortController();
      onRequest = () => controller.abort();
      expect(await codeOf(requestTimestamp(url, approvalSignature(), { trust: lab.trust, signal: controller.signal }))).toBe('timestamp-cancelled');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('plain http to another machine is refused before anything is sent; https and loopback http are not', async () => {
    expect(await codeOf(requestTimestamp('http://tsa.example.org/tsr', approvalSignature(), { trust: lab.trust }))).toBe('timestamp-url-invalid');
    expect(await codeOf(requestTimestamp('ftp://tsa.example.org/tsr', approvalSignature(), { trust: lab.trust }))).toBe('timestamp-url-invalid');
    expect(await codeOf(requestTimestamp('not a url', approvalSignature(), { trust: lab.trust }))).toBe('timestamp-url-invalid');
    expect(await codeOf(requestTimestamp('https://user:secret@tsa.example.org/', approvalSignature(), { trust: lab.trust }))).toBe('timestamp-url-invalid');
  });
});
