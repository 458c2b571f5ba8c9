import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeAlgorithmSignatureVerifier } from '../../electron/core/crypto/node-crypto';
import { CrlLoadError, loadCrl, type CrlSource, type LoadCrlOptions } from '../../electron/core/x509/load-crl';
import { validateCertificateChain } from '../../shared/x509';
import { makeTestCa, type TestCa } from '../support/test-ca';

let ca: TestCa;
let server: Server;
let base: string;

beforeAll(async () => {
  ca = makeTestCa();
  const der = ca.crls.intermediate;
  const pem = readFileSync(ca.crlPaths.intermediate);
  server = createServer((request, response) => {
    switch (request.url) {
      case '/issuing.crl':
        return response.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(der);
      case '/issuing.pem':
        return response.writeHead(200).end(pem);
      case '/streamed': {
        // No content-length: the cap must hold while reading.
        response.writeHead(200);
        for (let i = 0; i < 64; i++) response.write(new Uint8Array(1024));
        return response.end();
      }
      case '/moved':
        return response.writeHead(302, { location: '/issuing.crl' }).end();
      case '/hang':
        return; // never answers
      case '/text':
        return response.writeHead(200).end('<html>not a CRL</html>');
      default:
        return response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  ca?.cleanup();
});

async function refusal(source: CrlSource, options?: LoadCrlOptions): Promise<CrlLoadError> {
  try {
    await loadCrl(source, options);
  } catch (error) {
    if (error instanceof CrlLoadError) return error;
    throw error;
  }
  throw new Error('expected loadCrl to fail');
}

describe('loading CRLs', () => {
  it('loads a CRL over http from loopback, DER or PEM, and it revokes what it lists', async () => {
    const loaded = await loadCrl({ url: `${base}/issuing.crl` });
    expect(Buffer.from(loaded.der)).toEqual(Buffer.from(ca.crls.intermediate));
    expect(loaded.crl.entries.map((entry) => entry.reason)).toEqual(['superseded', 'keyCompromise']);
    expect(Buffer.from((await loadCrl({ url: `${base}/issuing.pem` })).der)).toEqual(Buffer.from(ca.crls.intermediate));
    const result = await validateCertificateChain(
      { leaf: ca.leaves.revoked.der, intermediates: [ca.intermediate.der], roots: [ca.root.der], at: new Date(), crls: [loaded.crl] },
      { signatureVerifier: nodeAlgorithmSignatureVerifier },
    );
    expect(!result.ok && result.code).toBe('certificate-revoked');
  });

  it('loads a CRL file in PEM or DER', async () => {
    const derPath = join(ca.dir, 'issuing.crl.der');
    writeFileSync(derPath, ca.crls.intermediate);
    for (const file of [ca.crlPaths.intermediate, derPath]) expect(Buffer.from((await loadCrl({ file })).der)).toEqual(Buffer.from(ca.crls.intermediate));
  });

  it('refuses plain http to other hosts, other schemes and non-URLs without connecting', async () => {
    for (const url of ['http://crl.example.com/ca.crl', 'http://10.0.0.1/ca.crl', 'ftp://127.0.0.1/ca.crl', 'file:///etc/hostname', 'not a url']) {
      const error = await refusal({ url });
      expect(error.code, url).toBe('crl-source-refused');
    }
    expect((await refusal({ url: 'http://crl.example.com/ca.crl' })).message).toContain('plain http is used only to this machine');
  });

  it('caps the size of a file and of a download, with or without content-length', async () => {
    expect((await refusal({ file: ca.crlPaths.intermediate }, { maxBytes: 100 })).code).toBe('crl-too-large');
    expect((await refusal({ url: `${base}/issuing.crl` }, { maxBytes: 100 })).code).toBe('crl-too-large');
    expect((await refusal({ url: `${base}/streamed` }, { maxBytes: 10_000 })).code).toBe('crl-too-large');
  });

  it('says what went wrong: missing file, error status, redirect, timeout, not a CRL', async () => {
    const missing = await refusal({ file: join(ca.dir, 'nope.crl') });
    expect(missing.code).toBe('crl-unreadable');
    expect(missing.message).toContain('there is no such file');
    const notFound = await refusal({ url: `${base}/nope.crl` });
    expect(notFound.code).toBe('crl-fetch-failed');
    expect(notFound.message).toContain('answered HTTP 404');
    const moved = await refusal({ url: `${base}/moved` });
    expect(moved.code).toBe('crl-fetch-failed');
    expect(moved.message).toContain('does not follow redirects');
    expect((await refusal({ url: `${base}/hang` }, { timeoutMs: 200 })).code).toBe('crl-timeout');
    const text = await refusal({ url: `${base}/text` });
    expect(text.code).toBe('crl-malformed');
    expect((await refusal({ file: ca.leaves.alice.certPath })).code).toBe('crl-malformed');
  });
});
