/**
 * Pre-flight before a PIN (issue 16), against real tokens: SoftHSM2 for
 * alice's and bob's tokens, and the ykcs11 emulation (a YubiKey 5's object
 * layout, PIN counter and attestation over SoftHSM2) for the PIN tries left
 * and the touch a key asks for. No PIN is given to the pre-flight, and it
 * signs nothing.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CeremonyService } from '../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { preflightSigning, type SigningPreflight } from '../../electron/core/ceremony/preflight-signing';
import { forkHostLauncher } from '../../electron/core/tokens/host-process';
import { TokenService } from '../../electron/core/tokens/token-service';
import { makeEmulationLab, yubikeyPin, type EmulatedYubiKey, type EmulationLab } from '../support/pkcs11-emulation';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';
import { makeTestCa, type TestCa } from '../support/test-ca';
import { makeTestKey, type TestKey } from '../support/test-keys';
import { softwareKeyUri, softwareSigner } from '../support/software-signer';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';

/** A ceremony opened by rita (a release manager, software key) for a policy of the given approvers, frozen and waiting for approvals. */
async function frozenCeremony(home: string, approvers: ({ id: string; publicKey: string } | { id: string; certificate: Record<string, string> })[]) {
  const rita: TestKey = makeTestKey('ecdsa-p256');
  const policyPath = join(home, 'policy.json');
  writeFileSync(policyPath, JSON.stringify({ version: 1, threshold: 2, approvers, releaseManagers: [{ id: 'rita', publicKey: rita.publicKeyPem }] }));
  const artifact = join(home, artifactName);
  copyFileSync(fixture(artifactName), artifact);
  mkdirSync(join(home, 'store'));
  const service = new CeremonyService(new CeremonyStore(join(home, 'store')), softwareSigner(() => ({ rita })));
  const { view } = await service.open({ policyPath, release: { name: 'demo', version: '1.0.0' }, artifactPaths: [artifact], provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)], openerKeyUri: softwareKeyUri('rita') });
  expect(view.state).toBe('frozen');
  return service.load(view.id);
}

const levels = (preflight: SigningPreflight) => Object.fromEntries(preflight.checks.map((check) => [check.check, check.level]));
const message = (preflight: SigningPreflight, check: string) => preflight.checks.find((entry) => entry.check === check)?.message;

describe('pre-flight of a signature on SoftHSM2 tokens', () => {
  let folder: TokenFolder;
  let home: ReturnType<typeof makeDataDir>;
  let tokens: TokenService;
  let ceremony: Awaited<ReturnType<typeof frozenCeremony>>;
  let ca: TestCa;
  const keyUri: Record<string, string> = {};

  beforeAll(async () => {
    folder = makeTokenFolder();
    for (const label of ['alice', 'bob', 'erin']) folder.addToken(label, '1234');
    ca = makeTestCa();
    home = makeDataDir();
    tokens = new TokenService(forkHostLauncher);
    await tokens.addModule({ path: softhsmModule!, origin: 'discovered', env: folder.env });
    const tokenUri = (label: string) => tokens.snapshotModules()[0]!.tokens.find((token) => token.label === label)!.uri;
    const approvers = [];
    for (const label of ['alice', 'bob']) {
      const key = await tokens.generateKey(tokenUri(label), 'release-signing', 'ecdsa-p256', '1234');
      keyUri[label] = key.uri;
      approvers.push({ id: label, publicKey: key.publicKeyPem });
    }
    // A second key on alice's token that no policy lists: the wrong key to pick.
    keyUri.aliceOther = (await tokens.generateKey(tokenUri('alice'), 'personal', 'ecdsa-p256', '1234')).uri;
    approvers.push({ id: 'carol', publicKey: makeTestKey('ecdsa-p256').publicKeyPem });
    // Erin is a certificate approver: the policy names her email, and her token holds the certificate next to her key.
    const erinKey = await tokens.generateKey(tokenUri('erin'), 'release-signing', 'ecdsa-p256', '1234');
    keyUri.erin = erinKey.uri;
    const issued = ca.issue({
      name: 'erin-token',
      publicKeyPem: erinKey.publicKeyPem,
      extensions: ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature', 'subjectAltName = email:erin@example.com', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always'].join('\n'),
    });
    const derPath = join(folder.dir, 'erin-token.der');
    writeFileSync(derPath, issued.der);
    execFileSync('pkcs11-tool', ['--module', softhsmModule!, '--token-label', 'erin', '--login', '--pin', '1234', '--write-object', derPath, '--type', 'cert', '--id', erinKey.id, '--label', 'release-signing'], { env: { ...process.env, ...folder.env }, stdio: 'pipe' });
    const withErin = [...approvers, { id: 'erin', certificate: { roots: ca.root.pem, intermediates: ca.intermediate.pem, email: 'erin@example.com' } }];
    ceremony = await frozenCeremony(home.dir, withErin);
  }, 120_000);

  afterAll(async () => {
    await tokens?.dispose();
    folder?.cleanup();
    home?.cleanup();
    ca?.cleanup();
  });

  const preflight = (uri: string, approverId?: string) => preflightSigning(tokens, { keyUri: uri, policy: ceremony.policy, view: ceremony.view, ...(approverId ? { approverId } : {}) });

  it("says alice's key is ready: token attached, her key in the policy, she may decide, all PIN tries left", async () => {
    const answer = await preflight(keyUri.alice!, 'alice');
    expect(answer.ready).toBe(true);
    expect(levels(answer)).toEqual({ token: 'ok', pin: 'ok', key: 'ok', person: 'ok' });
    expect(answer).toMatchObject({ tokenLabel: 'alice', approverId: 'alice', pinStatus: 'ok' });
    expect(message(answer, 'key')).toBe("This is alice's key in the policy.");
    // SoftHSM2 is no YubiKey: no touch is claimed.
    expect(answer.touchPolicy).toBeUndefined();
  });

  it("recognises a certificate approver's key by the certificate next to it", async () => {
    const answer = await preflight(keyUri.erin!, 'erin');
    expect(answer).toMatchObject({ ready: true, approverId: 'erin' });
    expect(message(answer, 'key')).toBe("The key's certificate names erin, a certificate approver of the policy; the chain is checked when you sign.");
  });

  it('says when the token is not attached, before any PIN', async () => {
    const answer = await preflight('pkcs11:token=dave;object=release-signing');
    expect(answer.ready).toBe(false);
    expect(answer.checks).toEqual([{ check: 'token', level: 'block', message: 'Token "dave" is not attached. Plug it in, or choose a key on a token that is; no PIN was asked for.' }]);
  });

  it('says when the picked key is not in the policy, or is another approver\'s', async () => {
    const stranger = await preflight(keyUri.aliceOther!);
    expect(stranger.ready).toBe(false);
    expect(message(stranger, 'key')).toMatch(/^This key \(keyid [0-9a-f]{16}…\) is not in this ceremony's policy, so its signature would not count\. Choose your key that the policy lists \(alice, bob, carol, erin\)\.$/);
    const bobs = await preflight(keyUri.bob!, 'alice');
    expect(bobs.ready).toBe(false);
    expect(message(bobs, 'key')).toBe("This key is bob's in the policy, not alice's. Choose alice's key.");
  });

  it('says when the token has no such key', async () => {
    const answer = await preflight(keyUri.alice!.replace('object=release-signing', 'object=nothing-here'));
    expect(answer.ready).toBe(false);
    expect(message(answer, 'key')).toBe('Token "alice" has no key "nothing-here". Choose the key the policy lists for you.');
  });

  it('logs in to nothing: the tokens stay logged out', async () => {
    await preflight(keyUri.bob!, 'bob');
    const bob = tokens.snapshotModules()[0]!.tokens.find((token) => token.label === 'bob')!;
    expect(bob.pinStatus).toBe('ok');
  });
});

describe('pre-flight of a signature on a YubiKey (ykcs11 emulation)', () => {
  let lab: EmulationLab;
  let yubikey: EmulatedYubiKey;
  let home: ReturnType<typeof makeDataDir>;
  let tokens: TokenService;
  let ceremony: Awaited<ReturnType<typeof frozenCeremony>>;
  const slot9c = () => `${yubikey.tokenUri};id=%02`;

  beforeAll(async () => {
    lab = makeEmulationLab();
    yubikey = lab.addYubiKey({ serial: 12345678, holder: 'alice', touchPolicy: 2 });
    lab.pcscd.start();
    home = makeDataDir();
    tokens = new TokenService(forkHostLauncher, { ...process.env, ...lab.env('ykcs11') });
    await tokens.addModule({ path: lab.modules.ykcs11, origin: 'discovered' });
    ceremony = await frozenCeremony(home.dir, [
      { id: 'alice', publicKey: yubikey.keys['9c'].publicKeyPem },
      { id: 'bob', publicKey: makeTestKey('ecdsa-p256').publicKeyPem },
    ]);
  }, 120_000);

  afterAll(async () => {
    await tokens?.dispose();
    lab?.cleanup();
    home?.cleanup();
  });

  const preflight = () => preflightSigning(tokens, { keyUri: slot9c(), policy: ceremony.policy, view: ceremony.view, approverId: 'alice' });

  /** The token's PIN state as the token service last saw it: its host re-reads the token's flags by itself (host/entry.ts); this waits for that. */
  async function pinStatusBecomes(status: string): Promise<void> {
    const now = async () => (await tokens.describeTokenOf(yubikey.tokenUri)).pinStatus === status;
    if (await now()) return;
    await new Promise<void>((resolve) => {
      const stop = tokens.onEvent(() => {
        void now().then((reached) => {
          if (reached) {
            stop();
            resolve();
          }
        });
      });
    });
  }

  it('names the touch the key asks for, from its attestation', async () => {
    const answer = await preflight();
    expect(answer.ready).toBe(true);
    expect(answer.touchPolicy).toBe('always');
    expect(message(answer, 'touch')).toBe('Touch the YubiKey when it blinks: this key asks for a touch for every signature.');
  });

  it('says how many PIN tries are left after a wrong PIN, and that the last try is the last', async () => {
    await expect(tokens.login(yubikey.tokenUri, '654321')).rejects.toMatchObject({ code: 'pin-incorrect' });
    await pinStatusBecomes('count-low');
    const low = await preflight();
    expect(low).toMatchObject({ ready: true, pinStatus: 'count-low', pinTriesLeft: 2 });
    expect(low.checks.find((check) => check.check === 'pin')).toEqual({ check: 'pin', level: 'warn', message: `2 PIN tries left on token "${yubikey.label}" before it locks.` });
    await expect(tokens.login(yubikey.tokenUri, '654321')).rejects.toMatchObject({ code: 'pin-incorrect' });
    await pinStatusBecomes('final-try');
    const last = await preflight();
    expect(last).toMatchObject({ ready: true, pinStatus: 'final-try' });
    expect(message(last, 'pin')).toBe(`One PIN try left on token "${yubikey.label}": a wrong PIN now locks it.`);
    // The right PIN resets the counter, and the pre-flight says so.
    await tokens.login(yubikey.tokenUri, yubikeyPin);
    await pinStatusBecomes('ok');
    expect((await preflight()).pinStatus).toBe('ok');
  });
});
