/**
 * Every command ends by itself (issue 11): `node bin/conclave.js` as a real
 * process, as a pipeline runs it, with one, two and three SoftHSM2 tokens.
 * Each run must exit within a generous bound (a hang detector, not a speed
 * limit) with the expected exit code, and leave nothing it started running
 * (no token host outlives it).
 *
 * These run the built CLI: `npm run build` must have run first (`npm test`
 * builds before the unit tests).
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, makeTokenFolder, type TokenFolder } from '../support/softhsm';
import { builtCli, ends, fixture, runEnvironment, tokenLabels } from './support';

beforeAll(() => {
  expect(existsSync(builtCli), `${builtCli} is missing: run "npm run build" before these tests.`).toBe(true);
});

describe.each([1, 2, 3])('with %i SoftHSM2 token(s), every command ends by itself and leaves nothing running', (count) => {
  let folder: TokenFolder;
  let home: ReturnType<typeof makeDataDir>;
  let env: Record<string, string>;
  const last = tokenLabels[count - 1]!;

  beforeAll(() => {
    folder = makeTokenFolder();
    for (const label of tokenLabels.slice(0, count)) folder.addToken(label, '1234');
    home = makeDataDir();
    env = runEnvironment(folder, home.dir);
  });

  afterAll(() => {
    folder?.cleanup();
    home?.cleanup();
  });

  const endsWith = (args: string[], code: number) => ends(env, args, code);

  it('tokens, for people and for programs', async () => {
    const human = await endsWith(['tokens'], 0);
    for (const label of tokenLabels.slice(0, count)) expect(human.out).toContain(label);
    const machine = await endsWith(['tokens', '--json'], 0);
    expect(JSON.parse(machine.out).modules[0].tokens).toHaveLength(count);
  });

  it('keys of a token with none, and of a token that is not there', async () => {
    expect((await endsWith(['keys', `pkcs11:token=${last}`], 0)).out).toContain('No keys on this token');
    expect((await endsWith(['keys', 'pkcs11:token=nosuch'], 4)).err).toContain('token "nosuch"');
  });

  it('keygen, then keys and pubkey of the key it made', async () => {
    const made = await endsWith(['keygen', `pkcs11:token=${last};object=release-signing`, '--alg', 'ecdsa-p256', '--pin-env', 'GOOD_PIN'], 0);
    const keyId = /keyid ([0-9a-f]{64})/.exec(made.out)?.[1];
    expect(keyId).toBeDefined();
    expect((await endsWith(['keys', `pkcs11:token=${last}`, '--json'], 0)).out).toContain(keyId!);
    expect((await endsWith(['pubkey', `pkcs11:token=${last};object=release-signing`], 0)).out).toContain('-----BEGIN PUBLIC KEY-----');
  });

  it('pubkey of a key that is not there', async () => {
    expect((await endsWith(['pubkey', 'pkcs11:token=alice;object=nokey'], 4)).err).toContain('no key labelled "nokey"');
  });

  it('refusals: an unknown token, a wrong PIN, a PIN variable that is not set, a usage mistake', async () => {
    expect((await endsWith(['keygen', 'pkcs11:token=nosuch;object=k', '--alg', 'ecdsa-p256', '--pin-env', 'GOOD_PIN'], 4)).err).toContain('token "nosuch"');
    const wrong = await endsWith(['keygen', 'pkcs11:token=alice;object=k', '--alg', 'ecdsa-p256', '--pin-env', 'WRONG_PIN'], 4);
    expect(wrong.err).toMatch(/PIN for token "alice" is wrong/);
    expect(wrong.err).not.toContain('98765');
    await endsWith(['keygen', 'pkcs11:token=alice;object=k', '--alg', 'ecdsa-p256', '--pin-env', 'NO_SUCH_VARIABLE'], 4);
    await endsWith(['keygen', 'pkcs11:token=alice;object=k'], 2);
  });

  it('ceremony list, and ceremony show of an id that is not in the store', async () => {
    expect((await endsWith(['ceremony', 'list'], 0)).out).toContain('No ceremonies');
    expect((await endsWith(['ceremony', 'show', 'c-20260101-abcdefghij'], 1)).err).toContain('no ceremony c-20260101-abcdefghij');
  });
});

describe('ceremonies with three tokens: open, freeze of evidence that fails, list and show, each as a process', () => {
  const artifactName = 'binary-linux-amd64-multi-subject-first';
  const key = (who: string) => `pkcs11:token=${who};object=release-signing`;
  let folder: TokenFolder;
  let home: ReturnType<typeof makeDataDir>;
  let env: Record<string, string>;
  let work: string;
  let id: string;

  beforeAll(async () => {
    folder = makeTokenFolder();
    for (const label of tokenLabels) folder.addToken(label, '1234');
    home = makeDataDir();
    env = runEnvironment(folder, home.dir);
    work = join(home.dir, 'work');
    mkdirSync(work);
    const publicKeys: Record<string, string> = {};
    for (const who of tokenLabels) {
      await ends(env, ['keygen', key(who), '--alg', 'ecdsa-p256', '--pin-env', 'GOOD_PIN'], 0);
      publicKeys[who] = (await ends(env, ['pubkey', key(who)], 0)).out;
    }
    writeFileSync(
      join(work, 'policy.json'),
      JSON.stringify({
        version: 1,
        name: 'release',
        threshold: 2,
        approvers: [
          { id: 'alice', role: 'security', publicKey: publicKeys.alice },
          { id: 'bob', role: 'engineering', publicKey: publicKeys.bob },
        ],
        releaseManagers: [{ id: 'carol', name: 'Carol Release', publicKey: publicKeys.carol }],
        roles: { security: 1 },
        // The fixture's provenance comes from another builder: a finding that fails.
        evidence: { builders: ['https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml'] },
      }),
    );
    copyFileSync(fixture(artifactName), join(work, artifactName));
    await ends(env, ['policy', 'trust', join(work, 'policy.json'), '--yes'], 0);
  });

  afterAll(() => {
    folder?.cleanup();
    home?.cleanup();
  });

  it('open with evidence that fails, then freeze, which is refused', async () => {
    const opened = await ends(env, [
      'ceremony', 'open', '--policy', join(work, 'policy.json'), '--release', 'slsa-demo@1.0.1',
      '--artifact', join(work, artifactName), '--provenance', fixture('binary-linux-amd64-untrusted-builder.intoto.jsonl'), '--key', key('carol'), '--pin-env', 'GOOD_PIN',
    ], 3);
    id = opened.out.split('\n')[0]!;
    expect(id).toMatch(/^c-\d{8}-[a-z2-7]{10}$/);
    const freeze = await ends(env, ['ceremony', 'freeze', id, '--key', key('carol'), '--pin-env', 'GOOD_PIN'], 1);
    expect(freeze.err).toMatch(/cannot be frozen/);
  });

  it('list and show of a ceremony in the store, and show of one that is not', async () => {
    expect((await ends(env, ['ceremony', 'list'], 0)).out).toContain(id);
    expect((await ends(env, ['ceremony', 'show', id], 0)).out).toContain('slsa-demo');
    await ends(env, ['ceremony', 'show', 'c-20260101-abcdefghij'], 1);
  });
});
