/**
 * The identity lab (issue 6): a test PKI made with openssl (tests/support/test-ca.ts),
 * one SoftHSM2 token per person with a key made on the token and the CA's
 * certificate for that key stored next to it (same CKA_ID, with pkcs11-tool, as
 * an administrator would), a real `openssl ts` TSA, and the CAs' CRLs served
 * on loopback http as a CA's distribution point would serve them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { CeremonySigner } from '../../electron/core/ceremony/ceremony-service';
import { forkHostLauncher } from '../../electron/core/tokens/host-process';
import { TokenService } from '../../electron/core/tokens/token-service';
import type { TokenKey } from '../../shared/api/contract';
import { makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';
import { makeTestCa, type TestCa, type TestCertificate } from '../support/test-ca';
import { createTestCa, issueTsaCertificate, makeLabFolder, startTsaServer, type RunningTsa } from '../support/tsa';

export const people = ['alice', 'bob', 'carol', 'dave', 'frank', 'grace', 'rex', 'mallory', 'rita'] as const;
export type Person = (typeof people)[number];
export const pin = '1234';

export interface IdentityLab {
  ca: TestCa;
  folder: TokenFolder;
  tokens: TokenService;
  keys: Record<Person, TokenKey>;
  /** The certificate on each person's token (none for rita, a release manager with a listed key). */
  certificates: Partial<Record<Person, TestCertificate>>;
  tsa: RunningTsa;
  tsaRootPem: string;
  /** The TSA's certificate and its root, DER: what a Sigstore verifier is given as its timestamp authority. */
  tsaChain: Uint8Array[];
  crlServer: { url(name: 'root' | 'issuing'): string; close(): Promise<void> };
  keyUri(who: Person): string;
  /** What the CLI and the window do: sign with the token, read the certificate next to the key. */
  signer: CeremonySigner;
  policy(extra?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

const day = 24 * 60 * 60 * 1000;

function leafExtensions(email: string): string {
  return [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = codeSigning',
    `subjectAltName = email:${email}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid:always',
  ].join('\n');
}

async function serveCrls(ca: TestCa): Promise<IdentityLab['crlServer']> {
  const files = { '/root.crl': () => ca.crlPaths.root, '/issuing.crl': () => ca.crlPaths.intermediate } as Record<string, () => string>;
  const server: Server = createServer((request, response) => {
    const path = files[request.url ?? ''];
    if (!path) {
      response.writeHead(404).end();
      return;
    }
    // Read on every request: a CRL the CA writes again (a new revocation) is what the next fetch gets.
    const body = readFileSync(path());
    response.writeHead(200, { 'content-type': 'application/pkix-crl', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}.crl`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function makeIdentityLab(): Promise<IdentityLab> {
  const ca = makeTestCa();
  const folder = makeTokenFolder();
  const tsaLab = await makeLabFolder();
  const tokens = new TokenService(forkHostLauncher);
  try {
    for (const who of people) folder.addToken(who, pin);
    await tokens.addModule({ path: softhsmModule!, origin: 'discovered', env: folder.env });
    // A host that starts slowly on a loaded machine is retried with back-off (issue 13): wait for every token, with a
    // generous bound that only catches a module that never comes up, and say why if it does not.
    const seen = () => tokens.snapshotModules()[0];
    // By label: SoftHSM2 also lists its free slot's uninitialised token, so a count can be reached before every person's token is there.
    // The URIs are kept as first seen all together: a host restarted on a loaded machine (a slow answer, issue 13) lists no
    // tokens until it is back, and a second look a moment later found one missing (a CI failure of verify-attestations).
    const urisSeen = () => {
      const listed = seen()?.tokens ?? [];
      const uris = people.map((who) => listed.find((token) => token.label === who)?.uri);
      return uris.every((uri) => uri !== undefined) ? new Map(people.map((who, index) => [who, uris[index]!])) : undefined;
    };
    let uris = urisSeen();
    for (const started = Date.now(); !uris; uris = urisSeen()) {
      if (Date.now() - started > 60_000) throw new Error(`The SoftHSM2 module did not show the lab's ${people.length} tokens: ${JSON.stringify(seen() ? { status: seen()!.status, error: seen()!.error, tokens: seen()!.tokens.length } : 'no module')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const tokenUri = (who: Person) => uris.get(who)!;
    const algorithms: Record<Person, 'ecdsa-p256' | 'ecdsa-p384' | 'ed25519'> = {
      alice: 'ecdsa-p256',
      bob: 'ecdsa-p384',
      carol: 'ed25519',
      dave: 'ecdsa-p256',
      frank: 'ecdsa-p256',
      grace: 'ecdsa-p256',
      rex: 'ecdsa-p256',
      mallory: 'ecdsa-p256',
      rita: 'ecdsa-p256',
    };
    const generated: Partial<Record<Person, TokenKey>> = {};
    for (const who of people) generated[who] = await tokens.generateKey(tokenUri(who), 'release-signing', algorithms[who], pin);

    // Each person's certificate: the issuing CA certifies the key on their token; dave's comes from another CA.
    const certify = (who: Person, name: string, options: { issuer?: TestCertificate; days?: number } = {}) =>
      ca.issue({ name, publicKeyPem: generated[who]!.publicKeyPem, extensions: leafExtensions(`${who}@example.com`), ...options });
    const certificates: IdentityLab['certificates'] = {
      alice: certify('alice', 'Alice Liddell'),
      bob: certify('bob', 'Bob Martin'),
      // Valid for one day from now: approved now with a time stamp, checked two days later.
      carol: certify('carol', 'Carol Chen', { days: 1 }),
      dave: certify('dave', 'Dave Other', { issuer: ca.otherRoot }),
      frank: certify('frank', 'Frank Later'),
      grace: certify('grace', 'Grace Compromised'),
      rex: certify('rex', 'Rex Revoked'),
      mallory: certify('mallory', 'Mallory Unlisted'),
    };
    for (const [who, certificate] of Object.entries(certificates) as [Person, TestCertificate][]) {
      const derPath = join(folder.dir, `${who}.der`);
      writeFileSync(derPath, certificate.der);
      execFileSync(
        'pkcs11-tool',
        ['--module', softhsmModule!, '--token-label', who, '--login', '--pin', pin, '--write-object', derPath, '--type', 'cert', '--id', generated[who]!.id, '--label', 'release-signing'],
        { env: { ...process.env, ...folder.env }, stdio: 'pipe' },
      );
    }
    // Rex's certificate was revoked before any ceremony (superseded by a newer one).
    ca.revoke(certificates.rex!, 'superseded');
    // Re-read: the listing now carries each certificate.
    const keys = {} as Record<Person, TokenKey>;
    for (const who of people) keys[who] = (await tokens.listKeys(tokenUri(who)))[0]!;

    const tsaRoot = await createTestCa(tsaLab.dir, 'Identity Test TSA Root');
    const tsaSigner = await issueTsaCertificate(tsaLab.dir, tsaRoot, 'Identity Test TSA', { key: 'ec-p256' });
    // Whole seconds: @sigstore/verify reads a genTime only with exactly three fractional digits, and DER drops trailing zeros.
    const tsa = await startTsaServer({ signer: tsaSigner, clockPrecisionDigits: 0 });
    const crlServer = await serveCrls(ca);

    const keyUri = (who: Person) => keys[who].uri;
    const rootPem = ca.root.pem;
    const intermediatePem = ca.intermediate.pem;
    const certificateEntry = (identity: Record<string, string>) => ({ roots: rootPem, intermediates: intermediatePem, ...identity, crls: [crlServer.url('root'), crlServer.url('issuing')] });
    return {
      ca,
      folder,
      tokens,
      keys,
      certificates,
      tsa,
      tsaRootPem: readFileSync(tsaRoot.certPath, 'utf8'),
      tsaChain: [tsaSigner.der, tsaRoot.der],
      crlServer,
      keyUri,
      signer: {
        keyId: async (uri) => (await tokens.resolveKey(uri)).key.keyId,
        sign: async (uri, messages) => (await tokens.signMany(uri, messages, pin)).signatures,
        certificate: async (uri) => (await tokens.resolveKey(uri)).key.certificatePem,
      },
      policy: (extra = {}) => ({
        version: 1,
        name: 'identity lab',
        threshold: 2,
        approvers: [
          { id: 'alice', name: 'Alice Liddell', role: 'security', certificate: certificateEntry({ email: 'alice@example.com' }) },
          { id: 'bob', certificate: certificateEntry({ subject: 'CN=Bob Martin,O=Conclave Test' }) },
          { id: 'carol', certificate: certificateEntry({ email: 'carol@example.com', subject: 'Carol Chen' }) },
          { id: 'dave', certificate: certificateEntry({ email: 'dave@example.com' }) },
          { id: 'frank', certificate: certificateEntry({ email: 'frank@example.com' }) },
          { id: 'grace', certificate: certificateEntry({ email: 'grace@example.com' }) },
          { id: 'rex', certificate: certificateEntry({ email: 'rex@example.com' }) },
        ],
        releaseManagers: [{ id: 'rita', name: 'Rita Release', publicKey: keys.rita.publicKeyPem }],
        roles: { security: 1 },
        timestamping: { url: tsa.url, certificates: readFileSync(tsaRoot.certPath, 'utf8') },
        ...extra,
      }),
      async close() {
        await tokens.dispose();
        await tsa.close();
        await crlServer.close();
        folder.cleanup();
        ca.cleanup();
        await tsaLab.remove();
      },
    };
  } catch (error) {
    await tokens.dispose();
    folder.cleanup();
    ca.cleanup();
    await tsaLab.remove();
    throw error;
  }
}

export const later = (days: number, from = new Date()) => new Date(from.getTime() + days * day);
