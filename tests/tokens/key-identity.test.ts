/**
 * Key identity (issue 13): a key is its public key, not its CKA_ID. Keys
 * without CKA_ID (or sharing one) stay apart and each signs with its own
 * private key; a certificate belongs to the key it certifies, and a YubiKey
 * attestation certificate (the slot's CKA_ID, the slot's public key) is never
 * taken for the signer's; a key on a curve Conclave does not sign with is
 * reported as such, not as missing. Objects are made on a real SoftHSM2 token
 * with pkcs11js directly, as other tools make them.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forkHostLauncher } from '../../electron/core/tokens/host-process';
import { TokenService } from '../../electron/core/tokens/token-service';
import { curves } from '../../shared/keys/algorithms';
import { objectIdentifierDer } from '../../electron/core/tokens/host/host-der';
import { makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';
import { nodeVerifies } from './conformance/suite';

const message = new TextEncoder().encode('which key signed this?');
const secp256k1 = '1.3.132.0.10';

/** Key pairs made as some tools make them: no CKA_ID, a shared one, unlabelled private keys, other curves. */
function makeKeyPairs(folder: TokenFolder, pairs: { label: string; id?: Buffer; privateLabel?: string; curveOid?: string }[]): void {
  const before = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = folder.conf;
  const pkcs11 = new pkcs11js.PKCS11();
  pkcs11.load(softhsmModule!);
  pkcs11.C_Initialize();
  try {
    const slot = pkcs11.C_GetSlotList(true).find((candidate) => pkcs11.C_GetTokenInfo(candidate).label.trim() === 'alice')!;
    const session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    pkcs11.C_Login(session, pkcs11js.CKU_USER, '1234');
    for (const pair of pairs) {
      const id = pair.id ? [{ type: pkcs11js.CKA_ID, value: pair.id }] : [];
      pkcs11.C_GenerateKeyPair(
        session,
        { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
        [
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_LABEL, value: pair.label },
          { type: pkcs11js.CKA_VERIFY, value: true },
          { type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from(objectIdentifierDer(pair.curveOid ?? curves['P-256'].oid)) },
          ...id,
        ],
        [
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_SIGN, value: true },
          { type: pkcs11js.CKA_LABEL, value: pair.privateLabel ?? pair.label },
          ...id,
        ],
      );
    }
    pkcs11.C_Logout(session);
    pkcs11.C_CloseSession(session);
  } finally {
    pkcs11.C_Finalize();
    pkcs11.close();
    if (before === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = before;
  }
}

describe.skipIf(!softhsmModule)('keys are their public keys', () => {
  let folder: TokenFolder;
  let service: TokenService;
  let tokenUri: string;

  beforeAll(async () => {
    folder = makeTokenFolder();
    folder.addToken('alice', '1234');
    makeKeyPairs(folder, [
      // No CKA_ID at all (as some scripts and tools make keys).
      { label: 'first' },
      { label: 'second' },
      { label: 'twin' },
      { label: 'twin' },
      // One CKA_ID for two keys, and private keys without the public key's label: only the signature tells them apart.
      { label: 'shared-a', id: Buffer.from('0a', 'hex'), privateLabel: '' },
      { label: 'shared-b', id: Buffer.from('0a', 'hex'), privateLabel: '' },
      { label: 'bitcoin', id: Buffer.from('0b', 'hex'), curveOid: secp256k1 },
    ]);
    service = new TokenService(forkHostLauncher, process.env);
    await service.addModule({ path: softhsmModule!, origin: 'added', env: folder.env });
    tokenUri = service.snapshotModules()[0]!.tokens.find((token) => token.label === 'alice')!.uri;
  });

  afterAll(async () => {
    await service?.dispose();
    folder?.cleanup();
  });

  it('lists keys without CKA_ID, or sharing one, each on its own', async () => {
    const keys = await service.login(tokenUri, '1234');
    const labels = keys.map((key) => key.label).sort();
    expect(labels).toEqual(['first', 'second', 'shared-a', 'shared-b', 'twin', 'twin']);
    expect(new Set(keys.map((key) => key.keyId)).size).toBe(6);
    expect(keys.every((key) => key.hasPrivateKey === true)).toBe(true);
  });

  it('signs with the private key of the key named, not the first without an id', async () => {
    const keys = await service.listKeys(tokenUri);
    for (const label of ['first', 'second', 'shared-a', 'shared-b']) {
      const key = keys.find((candidate) => candidate.label === label)!;
      const { signature, scheme, key: signer } = await service.sign(key.uri, message, '1234');
      expect(signer.keyId).toBe(key.keyId);
      expect(nodeVerifies(key, scheme, message, signature), `${label} signed with its own key`).toBe(true);
    }
  });

  it('refuses to guess between two keys no URI can tell apart', async () => {
    await expect(service.sign(`${tokenUri.replace('?', ';object=twin?')}`, message, '1234')).rejects.toMatchObject({ code: 'key-not-found', message: expect.stringMatching(/no URI can name one of them/) });
  });

  it('reports a key on a curve Conclave does not sign with as such, not as missing', async () => {
    expect((await service.listKeys(tokenUri)).map((key) => key.label)).not.toContain('bitcoin');
    await expect(service.sign(`${tokenUri.replace('?', ';object=bitcoin?')}`, message, '1234')).rejects.toMatchObject({
      code: 'key-type-unsupported',
      message: expect.stringMatching(/secp256k1/),
    });
  });

  it("takes the certificate of the key's public key: not another certificate with its CKA_ID, nor a YubiKey attestation certificate", async () => {
    const keys = await service.listKeys(tokenUri);
    const key = keys.find((candidate) => candidate.label === 'shared-a')!;
    const other = keys.find((candidate) => candidate.label === 'shared-b')!;
    const run = (command: string, args: string[]) => execFileSync(command, args, { cwd: folder.dir, env: { ...process.env, ...folder.env }, stdio: 'pipe' });
    writeFileSync(join(folder.dir, 'a.pub.pem'), key.publicKeyPem);
    writeFileSync(join(folder.dir, 'b.pub.pem'), other.publicKeyPem);
    run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Release CA', '-days', '2']);
    // Yubico's firmware-version extension marks a PIV attestation certificate (it certifies the slot's key, issued by the device).
    writeFileSync(join(folder.dir, 'attestation.ext'), '1.3.6.1.4.1.41482.3.3=DER:04:03:05:04:03\n');
    const certificate = (pub: string, subject: string, out: string, extensions?: string) =>
      run('openssl', ['x509', '-new', '-force_pubkey', pub, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-subj', subject, '-days', '1', '-outform', 'DER', '-out', out, ...(extensions ? ['-extfile', extensions] : [])]);
    certificate('a.pub.pem', '/CN=alice@example.com', 'a.der');
    certificate('b.pub.pem', '/CN=someone-else@example.com', 'b.der');
    certificate('a.pub.pem', '/CN=YubiKey PIV Attestation 9c', 'attestation.der', 'attestation.ext');
    const module = ['--module', softhsmModule!, '--token-label', 'alice', '--login', '--pin', '1234'];
    // All three under the one CKA_ID the keys share, the right one first (a reader keeping the last would get it wrong).
    for (const [file, label] of [
      ['a.der', 'signer certificate'],
      ['b.der', 'another certificate'],
      ['attestation.der', 'X.509 Certificate for PIV Attestation 9c'],
    ] as const) {
      run('pkcs11-tool', [...module, '--write-object', file, '--type', 'cert', '--id', '0a', '--label', label]);
    }
    const listed = await service.listKeys(tokenUri);
    expect(new X509Certificate(listed.find((candidate) => candidate.label === 'shared-a')!.certificatePem!).subject).toContain('alice@example.com');
    expect(new X509Certificate(listed.find((candidate) => candidate.label === 'shared-b')!.certificatePem!).subject).toContain('someone-else@example.com');
  });
});
