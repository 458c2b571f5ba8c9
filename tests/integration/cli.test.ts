import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli/index';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;

beforeEach(() => {
  folder = makeTokenFolder();
  folder.addToken('alice', '1234');
  home = makeDataDir();
});

afterEach(() => {
  folder.cleanup();
  home.cleanup();
});

async function conclave(args: string[], extraEnv: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    out: (text) => (out += text),
    err: (text) => (err += text),
    env: { ...process.env, ...folder.env, CONCLAVE_HOME: home.dir, CONCLAVE_PKCS11_MODULES: softhsmModule!, ...extraEnv },
    interactive: () => false,
  });
  return { code, out, err };
}

describe('conclave on the command line', () => {
  it('lists tokens for people and for programs', async () => {
    const human = await conclave(['tokens']);
    expect(human.code).toBe(0);
    expect(human.out).toContain('alice');
    expect(human.out).toMatch(/pkcs11:token=alice;.*\?module-path=/);
    const machine = await conclave(['tokens', '--json']);
    const snapshot = JSON.parse(machine.out);
    expect(snapshot.modules[0].tokens[0]).toMatchObject({ label: 'alice', loginRequired: true });
  });

  it('makes a key with the PIN from --pin-env, lists it and prints a public key OpenSSL reads', async () => {
    const made = await conclave(['keygen', 'pkcs11:token=alice;object=release-signing', '--alg', 'ecdsa-p384', '--pin-env', 'ALICE_PIN'], { ALICE_PIN: '1234' });
    expect(made.code).toBe(0);
    expect(made.out).not.toContain('1234');
    expect(made.err).not.toContain('1234');
    const keyId = /keyid ([0-9a-f]{64})/.exec(made.out)?.[1];
    expect(keyId).toBeDefined();

    const keys = await conclave(['keys', 'pkcs11:token=alice', '--json']);
    expect(JSON.parse(keys.out)).toMatchObject([{ label: 'release-signing', keyId, type: { kind: 'ecdsa', curve: 'P-384' } }]);

    const pubkey = await conclave(['pubkey', 'pkcs11:token=alice;object=release-signing']);
    const file = join(home.dir, 'alice.pub.pem');
    writeFileSync(file, pubkey.out);
    const text = execFileSync('openssl', ['pkey', '-pubin', '-in', file, '-noout', '-text']).toString();
    expect(text).toContain('NIST CURVE: P-384');
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', file, '-outform', 'DER']);
    const digest = execFileSync('openssl', ['dgst', '-sha256', '-r'], { input: der }).toString().split(' ')[0];
    expect(digest).toBe(keyId);
  });

  it('takes the PIN from the URI\'s pin-source file', async () => {
    const pinFile = join(home.dir, 'pin');
    writeFileSync(pinFile, '1234\n', { mode: 0o600 });
    const made = await conclave(['keygen', `pkcs11:token=alice;object=k?pin-source=file:${pinFile}`, '--alg', 'ed25519']);
    expect(made.code).toBe(0);
    expect(made.out).toMatch(/object=k;id=/);
  });

  it('refuses a PIN on the command line and asks for a source when there is no terminal', async () => {
    const plain = await conclave(['keygen', 'pkcs11:token=alice;object=k?pin-value=1234', '--alg', 'ecdsa-p256']);
    expect(plain.code).toBe(4);
    expect(plain.err).toContain('pin-value');
    expect(plain.err).not.toContain('1234');
    const none = await conclave(['keygen', 'pkcs11:token=alice;object=k', '--alg', 'ecdsa-p256']);
    expect(none.code).toBe(4);
    expect(none.err).toMatch(/--pin-env/);
  });

  it('says a PIN is wrong without echoing it, and exits non-zero', async () => {
    const wrong = await conclave(['keygen', 'pkcs11:token=alice;object=k', '--alg', 'ecdsa-p256', '--pin-env', 'P'], { P: '98765' });
    expect(wrong.code).toBe(4);
    expect(wrong.err).toMatch(/PIN for token "alice" is wrong/);
    expect(wrong.err).not.toContain('98765');
  });

  it('explains usage mistakes with exit code 2', async () => {
    expect((await conclave(['keygen', 'pkcs11:token=alice;object=k'])).code).toBe(2);
    expect((await conclave(['keygen', 'pkcs11:token=alice;object=k', '--alg', 'dsa'])).err).toContain('ecdsa-p256');
    expect((await conclave(['keys'])).code).toBe(2);
    expect((await conclave(['sing'])).code).toBe(2);
  });

  it('says which token is missing', async () => {
    const missing = await conclave(['keys', 'pkcs11:token=mallory']);
    expect(missing.code).toBe(4);
    expect(missing.err).toContain('token "mallory"');
  });
});
