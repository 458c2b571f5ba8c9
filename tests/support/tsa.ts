/**
 * A real RFC 3161 time-stamping authority for tests: OpenSSL's `openssl ts
 * -reply` behind a loopback HTTP endpoint, with certificates made by
 * `openssl req` / `openssl x509` in a temporary folder. Also a small stand-in
 * for the product's chain validation (shared/x509): "is this certificate
 * signed by that test CA's key", so tests exercise the trust callback for real.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import type { TimestampTrust } from '../../shared/timestamp/verify';
import { grantedResponseOf } from '../../shared/timestamp/sigstore';
import { nodeSignatureVerifier } from '../../electron/core/crypto/node-crypto';

const run = promisify(execFile);

export async function openssl(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await run('openssl', args, { cwd, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** A temporary folder, removed by `remove`. */
export async function makeLabFolder(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'conclave-tsa-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

function derOfPem(pem: string): Uint8Array {
  const body = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(body, 'base64'));
}

export interface TestCertificate {
  name: string;
  certPath: string;
  keyPath: string;
  der: Uint8Array;
}

export type TestKeyAlgorithm = 'ec-p256' | 'ec-p384' | 'rsa-2048';

function keyGenArgs(algorithm: TestKeyAlgorithm, out: string): string[] {
  switch (algorithm) {
    case 'ec-p256':
      return ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', out];
    case 'ec-p384':
      return ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', out];
    case 'rsa-2048':
      return ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', out];
  }
}

/** A self-signed ECDSA P-256 root, valid two days from now. */
export async function createTestCa(dir: string, name: string): Promise<TestCertificate> {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.pem`);
  await openssl(keyGenArgs('ec-p256', keyPath));
  await openssl([
    'req', '-x509', '-new', '-key', keyPath, '-out', certPath, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-addext', 'subjectKeyIdentifier=hash',
  ]);
  return { name, certPath, keyPath, der: derOfPem(await readFile(certPath, 'utf8')) };
}

export interface TsaCertificateOptions {
  key: TestKeyAlgorithm;
  /** The extendedKeyUsage line of the extension file; undefined leaves the extension out. Default: critical timeStamping. */
  extendedKeyUsage?: string | undefined;
  /** Days of validity; negative makes a certificate that expired before it was issued. */
  days?: number;
}

/** A TSA certificate issued by `ca`, made with `openssl x509 -req`. */
export async function issueTsaCertificate(dir: string, ca: TestCertificate, name: string, options: TsaCertificateOptions): Promise<TestCertificate> {
  const keyPath = join(dir, `${name}.key`);
  const csrPath = join(dir, `${name}.csr`);
  const extPath = join(dir, `${name}.ext`);
  const certPath = join(dir, `${name}.pem`);
  const eku = 'extendedKeyUsage' in options ? options.extendedKeyUsage : 'critical,timeStamping';
  await writeFile(
    extPath,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      ...(eku ? [`extendedKeyUsage=${eku}`] : []),
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
    ].join('\n') + '\n',
  );
  await openssl(keyGenArgs(options.key, keyPath));
  await openssl(['req', '-new', '-key', keyPath, '-subj', `/CN=${name}`, '-out', csrPath]);
  await openssl([
    'x509', '-req', '-in', csrPath, '-CA', ca.certPath, '-CAkey', ca.keyPath, '-set_serial', `0x${randomBytes(8).toString('hex')}`,
    '-days', String(options.days ?? 1), '-extfile', extPath, '-out', certPath,
  ]);
  return { name, certPath, keyPath, der: derOfPem(await readFile(certPath, 'utf8')) };
}

export interface TsaServerOptions {
  signer: TestCertificate;
  /** `signer_digest`: the hash of the CMS signature. */
  signerDigest?: 'sha256' | 'sha384' | 'sha512';
  /** `ess_cert_id_alg`: sha1 gives a signingCertificate attribute, SHA-2 a signingCertificateV2. */
  essCertIdAlg?: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  /** `digests`: the imprint hashes this TSA accepts; others are answered with a rejection. */
  digests?: string;
  /** `certs`: a PEM file of further certificates to put in every token. */
  extraCertsPath?: string;
  /** Answer every request with the first reply ever made (a replaying TSA). */
  replay?: boolean;
  /** The Content-Type of replies; default application/timestamp-reply. */
  contentType?: string;
  /**
   * `clock_precision_digits`: fractional digits of genTime, default 3. DER drops trailing zeros (".52Z"), which
   * @sigstore/core's time parser refuses (it wants exactly three digits): 0 gives whole seconds, which it reads.
   */
  clockPrecisionDigits?: number;
  /**
   * Sign the TSTInfo again with `openssl cms -sign` and this certificate: a TSA
   * that signs with a certificate `openssl ts` would refuse (no timeStamping
   * usage), or that identifies itself by key id, or leaves its certificate out.
   */
  resign?: { signer: TestCertificate; keyid?: boolean; nocerts?: boolean; noattr?: boolean };
}

/** The `openssl ts -reply` configuration the harness writes for a TSA. */
export function tsaConfig(dir: string, options: TsaServerOptions): string {
  return [
    '[ tsa ]',
    'default_tsa = tsa_config',
    '[ tsa_config ]',
    `serial = ${join(dir, 'serial')}`,
    'crypto_device = builtin',
    `signer_cert = ${options.signer.certPath}`,
    `signer_key = ${options.signer.keyPath}`,
    ...(options.extraCertsPath ? [`certs = ${options.extraCertsPath}`] : []),
    `signer_digest = ${options.signerDigest ?? 'sha256'}`,
    'default_policy = 1.3.6.1.4.1.99999.3161.1',
    `digests = ${options.digests ?? 'sha256, sha384, sha512'}`,
    'accuracy = secs:1, millisecs:500, microsecs:100',
    `clock_precision_digits = ${options.clockPrecisionDigits ?? 3}`,
    'ordering = no',
    'tsa_name = yes',
    'ess_cert_id_chain = no',
    `ess_cert_id_alg = ${options.essCertIdAlg ?? 'sha256'}`,
    '',
  ].join('\n');
}

/** The reply's TSTInfo signed again by another certificate, as a granted TimeStampResp; rejections pass through. */
async function resigned(dir: string, n: number, replyPath: string, resign: NonNullable<TsaServerOptions['resign']>): Promise<Buffer> {
  const tokenPath = join(dir, `token-${n}.der`);
  const tstInfoPath = join(dir, `tstinfo-${n}.der`);
  const resignedPath = join(dir, `resigned-${n}.der`);
  if ((await openssl(['ts', '-reply', '-in', replyPath, '-text'])).includes('TST info:\nNot included.')) return readFile(replyPath);
  await openssl(['ts', '-reply', '-in', replyPath, '-token_out', '-out', tokenPath]);
  await openssl(['cms', '-verify', '-noverify', '-binary', '-inform', 'DER', '-in', tokenPath, '-out', tstInfoPath]);
  await openssl([
    'cms', '-sign', '-binary', '-nodetach', '-in', tstInfoPath, '-econtent_type', '1.2.840.113549.1.9.16.1.4',
    '-signer', resign.signer.certPath, '-inkey', resign.signer.keyPath, '-md', 'sha256', '-nosmimecap',
    ...(resign.keyid ? ['-keyid'] : []), ...(resign.nocerts ? ['-nocerts'] : []), ...(resign.noattr ? ['-noattr'] : []),
    '-outform', 'DER', '-out', resignedPath,
  ]);
  return Buffer.from(grantedResponseOf(await readFile(resignedPath)));
}

export interface RunningTsa {
  url: string;
  /** Requests answered so far. */
  readonly answered: number;
  close(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('query too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * `openssl ts -reply` behind http://127.0.0.1:PORT/. Requests are answered one
 * at a time because OpenSSL keeps the serial number in a file it rewrites.
 */
export async function startTsaServer(options: TsaServerOptions): Promise<RunningTsa> {
  const lab = await makeLabFolder();
  const configPath = join(lab.dir, 'tsa.cnf');
  await writeFile(join(lab.dir, 'serial'), '01\n');
  await writeFile(configPath, tsaConfig(lab.dir, options));
  let queue: Promise<unknown> = Promise.resolve();
  let answered = 0;
  let firstReply: Buffer | undefined;

  const reply = async (query: Buffer): Promise<Buffer> => {
    const n = answered + 1;
    const queryPath = join(lab.dir, `query-${n}.tsq`);
    const replyPath = join(lab.dir, `reply-${n}.tsr`);
    await writeFile(queryPath, query);
    // A malformed query still gets a reply: OpenSSL answers it with a "rejection" status.
    await openssl(['ts', '-reply', '-config', configPath, '-queryfile', queryPath, '-out', replyPath]);
    answered = n;
    const made = options.resign ? await resigned(lab.dir, n, replyPath, options.resign) : await readFile(replyPath);
    firstReply ??= made;
    return options.replay ? firstReply : made;
  };

  const server: Server = createServer((request, response) => {
    if (request.method !== 'POST') {
      response.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const answer = bodyOf(request).then((query) => {
      const next = queue.then(() => reply(query));
      queue = next.catch(() => undefined);
      return next;
    });
    answer.then(
      (body) => response.writeHead(200, { 'content-type': options.contentType ?? 'application/timestamp-reply', 'content-length': body.length }).end(body),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tsr`,
    get answered() {
      return answered;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue;
      await lab.remove();
    },
  };
}

/**
 * The trust callback for tests, standing in for shared/x509 chain validation:
 * the certificate must be issued by the test CA (issuer name = CA subject, and
 * its tbsCertificate signature verifies with the CA's key), both valid at `at`.
 * One level only, which is what these test TSAs have.
 */
export function signedByTestCa(ca: TestCertificate): TimestampTrust {
  const caCertificate = AsnConvert.parse(Buffer.from(ca.der), Certificate);
  const caSubject = Buffer.from(AsnConvert.serialize(caCertificate.tbsCertificate.subject));
  const caSpki = new Uint8Array(AsnConvert.serialize(caCertificate.tbsCertificate.subjectPublicKeyInfo));
  const validAt = (certificate: Certificate, at: Date) =>
    certificate.tbsCertificate.validity.notBefore.getTime() <= at && at <= certificate.tbsCertificate.validity.notAfter.getTime();
  return {
    async validateSigner(certificateDer, _others, at) {
      const certificate = AsnConvert.parse(Buffer.from(certificateDer), Certificate);
      if (!Buffer.from(AsnConvert.serialize(certificate.tbsCertificate.issuer)).equals(caSubject)) {
        return { ok: false, message: `it was not issued by the test CA "${ca.name}"` };
      }
      const tbs = certificate.tbsCertificateRaw;
      const signed = tbs !== undefined && (await nodeSignatureVerifier.verify(caSpki, new Uint8Array(tbs), new Uint8Array(certificate.signatureValue)));
      if (!signed) return { ok: false, message: `its signature does not verify with the key of the test CA "${ca.name}"` };
      if (!validAt(caCertificate, at) || !validAt(certificate, at)) return { ok: false, message: 'it or the test CA was not valid at that time' };
      return { ok: true };
    },
  };
}

/** Every certificate the time-stamp tests use, made once per test file. */
export interface TsaLab {
  dir: string;
  ca: TestCertificate;
  /** A second root with another name, and one with the same name as `ca` but another key. */
  otherCa: TestCertificate;
  impostorCa: TestCertificate;
  ecdsaTsa: TestCertificate;
  p384Tsa: TestCertificate;
  rsaTsa: TestCertificate;
  noUsageTsa: TestCertificate;
  nonCriticalTsa: TestCertificate;
  expiredTsa: TestCertificate;
  otherCaTsa: TestCertificate;
  impostorTsa: TestCertificate;
  trust: TimestampTrust;
  remove(): Promise<void>;
}

export async function createTsaLab(): Promise<TsaLab> {
  const { dir, remove } = await makeLabFolder();
  try {
    const [ca, otherCa, impostorCa] = await Promise.all([
      createTestCa(dir, 'Conclave Test TSA Root'),
      createTestCa(dir, 'Other Root'),
      // Same subject as the real root, different key: only the signature check tells them apart.
      createTestCa(await mkdtemp(join(dir, 'impostor-')), 'Conclave Test TSA Root'),
    ]);
    const [ecdsaTsa, p384Tsa, rsaTsa, noUsageTsa, nonCriticalTsa, expiredTsa, otherCaTsa, impostorTsa] = await Promise.all([
      issueTsaCertificate(dir, ca, 'ECDSA TSA', { key: 'ec-p256' }),
      issueTsaCertificate(dir, ca, 'P-384 TSA', { key: 'ec-p384' }),
      issueTsaCertificate(dir, ca, 'RSA TSA', { key: 'rsa-2048' }),
      issueTsaCertificate(dir, ca, 'No Usage TSA', { key: 'ec-p256', extendedKeyUsage: undefined }),
      issueTsaCertificate(dir, ca, 'Non-critical TSA', { key: 'ec-p256', extendedKeyUsage: 'timeStamping' }),
      issueTsaCertificate(dir, ca, 'Expired TSA', { key: 'ec-p256', days: -1 }),
      issueTsaCertificate(dir, otherCa, 'Other CA TSA', { key: 'ec-p256' }),
      issueTsaCertificate(dir, impostorCa, 'Impostor TSA', { key: 'ec-p256' }),
    ]);
    return { dir, ca, otherCa, impostorCa, ecdsaTsa, p384Tsa, rsaTsa, noUsageTsa, nonCriticalTsa, expiredTsa, otherCaTsa, impostorTsa, trust: signedByTestCa(ca), remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** Runs `use` against a TSA server and always stops it. */
export async function withTsa<T>(options: TsaServerOptions, use: (tsa: RunningTsa) => Promise<T>): Promise<T> {
  const tsa = await startTsaServer(options);
  try {
    return await use(tsa);
  } finally {
    await tsa.close();
  }
}
