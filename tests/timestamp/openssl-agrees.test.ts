/** OpenSSL, an independent RFC 3161 verifier, checks the tokens Conclave obtains and accepts. */
import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestTimestamp } from '../../electron/core/timestamp';
import { grantedResponseOf } from '../../shared/timestamp';
import { timestampRequest } from '../../shared/timestamp/request';
import { nodeDigester } from '../../electron/core/crypto/node-crypto';
import { createTsaLab, openssl, withTsa, type TestCertificate, type TsaLab } from '../support/tsa';

let lab: TsaLab;
beforeAll(async () => {
  lab = await createTsaLab();
});
afterAll(async () => {
  await lab?.remove();
});

function signatureBytes(): Uint8Array {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return new Uint8Array(sign('sha256', new TextEncoder().encode('DSSEv1 28 application/vnd.in-toto+json 2 {}'), privateKey));
}

/** `openssl ts -verify` exit status, as true (Verification: OK) or false. */
async function opensslVerifies(args: string[]): Promise<boolean> {
  return openssl(['ts', '-verify', ...args]).then(
    (out) => out.includes('Verification: OK'),
    () => false,
  );
}

describe.each([
  ['ECDSA P-256', (l: TsaLab) => l.ecdsaTsa, {}],
  ['RSA, SHA-512, SHA-1 ESSCertID', (l: TsaLab) => l.rsaTsa, { signerDigest: 'sha512', essCertIdAlg: 'sha1' }],
] as const)('openssl ts -verify on a token from the %s TSA', (name, signerOf, config) => {
  it('agrees with Conclave, and refuses it for another signature', async () => {
    const signer: TestCertificate = signerOf(lab);
    const signature = signatureBytes();
    const stamp = await withTsa({ signer, ...config }, (tsa) => requestTimestamp(tsa.url, signature, { trust: lab.trust }));
    const slug = name.replace(/\W+/g, '-');
    const files = {
      signature: join(lab.dir, `${slug}.sig`),
      other: join(lab.dir, `${slug}.other.sig`),
      token: join(lab.dir, `${slug}.token.der`),
      reply: join(lab.dir, `${slug}.tsr`),
      wrapped: join(lab.dir, `${slug}.wrapped.tsr`),
    };
    await writeFile(files.signature, signature);
    await writeFile(files.other, signatureBytes());
    await writeFile(files.token, stamp.token);
    await writeFile(files.reply, stamp.response);
    await writeFile(files.wrapped, grantedResponseOf(stamp.token));

    // The token carries its TSA certificate: the CA alone is enough for OpenSSL.
    expect(await opensslVerifies(['-data', files.signature, '-in', files.token, '-token_in', '-CAfile', lab.ca.certPath])).toBe(true);
    expect(await opensslVerifies(['-data', files.signature, '-in', files.reply, '-CAfile', lab.ca.certPath])).toBe(true);
    // What goes into a Sigstore bundle (the token wrapped in a granted response) verifies too.
    expect(await opensslVerifies(['-data', files.signature, '-in', files.wrapped, '-CAfile', lab.ca.certPath])).toBe(true);

    expect(await opensslVerifies(['-data', files.other, '-in', files.token, '-token_in', '-CAfile', lab.ca.certPath])).toBe(false);
    expect(await opensslVerifies(['-data', files.signature, '-in', files.token, '-token_in', '-CAfile', lab.otherCa.certPath])).toBe(false);
  });
});

describe('the request Conclave sends', () => {
  it('is read by openssl as SHA-256 of the signature bytes, with the nonce and a certificate request', async () => {
    const signature = signatureBytes();
    const nonce = Uint8Array.of(0xff, 1, 2, 3, 4, 5, 6, 7);
    const request = await timestampRequest(signature, nodeDigester, { nonce });
    const path = join(lab.dir, 'request.tsq');
    await writeFile(path, request.der);
    const text = await openssl(['ts', '-query', '-in', path, '-text']);
    expect(text).toContain('Hash Algorithm: sha256');
    const imprint = Buffer.from(await nodeDigester.digest('SHA-256', signature)).toString('hex');
    const printed = [...text.matchAll(/^\s+[0-9a-f]{4} - ([0-9a-f -]+?)\s{2,}/gm)].map((m) => m[1]!.replace(/[ -]/g, '')).join('');
    expect(printed).toBe(imprint);
    expect(text).toContain('Nonce: 0xFF01020304050607');
    expect(text).toContain('Certificate required: yes');
  });
});
