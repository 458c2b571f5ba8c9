/**
 * An approver's certificate where it really lives: on a PKCS#11 token next to
 * the key it certifies. The key is generated on a SoftHSM2 token, the test CA
 * certifies its public key, pkcs11-tool stores the certificate under the
 * key's CKA_ID, and the certificate the token service reads back validates
 * to the root and names the approver.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { nodeAlgorithmSignatureVerifier, nodeSignatureVerifier } from '../../electron/core/crypto/node-crypto';
import { forkHostLauncher } from '../../electron/core/tokens/host-process';
import { TokenService } from '../../electron/core/tokens/token-service';
import { fromPem } from '../../shared/encoding/pem';
import { certificateFromPem, extendedKeyUsages, matchIdentity, validateCertificateChain } from '../../shared/x509';
import { makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';
import { makeTestCa, type TestCa } from '../support/test-ca';

let folder: TokenFolder;
let ca: TestCa;
let service: TokenService;

beforeEach(() => {
  folder = makeTokenFolder();
  folder.addToken('alice', '1234');
  ca = makeTestCa();
});

afterEach(async () => {
  await service?.dispose();
  folder.cleanup();
  ca.cleanup();
});

it('validates the certificate stored on a SoftHSM2 token next to its key, as the token service returns it', async () => {
  service = new TokenService(forkHostLauncher);
  await service.addModule({ path: softhsmModule!, origin: 'discovered', env: folder.env });
  const tokenUri = service.snapshotModules()[0]!.tokens.find((token) => token.label === 'alice')!.uri;
  const key = await service.generateKey(tokenUri, 'release-signing', 'ecdsa-p256', '1234');

  const issued = ca.issue({
    name: 'alice-token',
    publicKeyPem: key.publicKeyPem,
    extensions: [
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = codeSigning',
      'subjectAltName = email:alice@example.com',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid:always',
    ].join('\n'),
  });
  const derPath = join(folder.dir, 'alice-token.der');
  writeFileSync(derPath, issued.der);
  execFileSync(
    'pkcs11-tool',
    ['--module', softhsmModule!, '--token-label', 'alice', '--login', '--pin', '1234', '--write-object', derPath, '--type', 'cert', '--id', key.id, '--label', 'release-signing'],
    { env: { ...process.env, ...folder.env }, stdio: 'pipe' },
  );

  const [listed] = await service.listKeys(tokenUri);
  expect(listed?.certificatePem).toBeDefined();
  const certificate = certificateFromPem(listed!.certificatePem!);
  // The certificate certifies the token's key, not some other one.
  expect(Buffer.from(certificate.spki)).toEqual(Buffer.from(fromPem('PUBLIC KEY', key.publicKeyPem)));

  const result = await validateCertificateChain(
    {
      leaf: certificate,
      intermediates: [ca.intermediate.der],
      roots: [ca.root.der],
      at: new Date(),
      crls: [ca.crls.intermediate, ca.crls.root],
      requireCrl: true,
      requireDigitalSignature: true,
      requiredExtendedKeyUsage: extendedKeyUsages.codeSigning,
    },
    { signatureVerifier: nodeAlgorithmSignatureVerifier },
  );
  expect(result.ok ? result.chain.map((link) => link.subject.rfc4514) : result).toEqual([
    'CN=alice-token,O=Conclave Test',
    'CN=Conclave Test Issuing CA,O=Conclave Test',
    'CN=Conclave Test Root,O=Conclave Test',
  ]);
  expect(matchIdentity(certificate, { email: 'alice@example.com' })).toEqual({ ok: true });

  // And what the token signs verifies with the certified key, as DSSE checks it.
  const message = new TextEncoder().encode('DSSEv1 28 application/vnd.in-toto+json 2 {}');
  const signed = await service.sign(key.uri, message, '1234');
  expect(await nodeSignatureVerifier.verify(certificate.spki, message, signed.signature)).toBe(true);
});
