/**
 * `conclave ceremony open --check` (issue 16), run as a pipeline runs it: the
 * findings and the verdict for real provenance, exit 0 when the opening would
 * freeze and 3 when freezing would be blocked, no key and no PIN asked for,
 * and nothing written to the store.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, makeTokenFolder, type TokenFolder } from '../support/softhsm';
import { makeTestKey } from '../support/test-keys';
import { builtCli, ends, fixture, runEnvironment } from '../cli-process/support';
import { fileDigests } from '../support/file-digests';

const artifactName = 'binary-linux-amd64-multi-subject-first';
const genericGenerator = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml';

let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;
let env: Record<string, string>;
let policyPath: string;
let artifact: string;

beforeAll(async () => {
  expect(existsSync(builtCli), `${builtCli} is missing: run "npm run build" before these tests.`).toBe(true);
  folder = makeTokenFolder();
  home = makeDataDir();
  env = runEnvironment(folder, home.dir);
  mkdirSync(join(home.dir, 'store'));
  artifact = join(home.dir, artifactName);
  copyFileSync(fixture(artifactName), artifact);
  policyPath = join(home.dir, 'release-policy.json');
  const approvers = (['alice', 'bob', 'carol'] as const).map((id) => ({ id, publicKey: makeTestKey('ecdsa-p256').publicKeyPem }));
  writeFileSync(policyPath, JSON.stringify({ version: 1, name: 'release', threshold: 2, approvers, evidence: { builders: [genericGenerator] } }));
  await ends(env, ['policy', 'trust', policyPath, '--yes'], 0);
});
afterAll(() => {
  home?.cleanup();
  folder?.cleanup();
});

const check = (provenance: string[], extra: string[] = []) => ['ceremony', 'open', '--check', '--policy', policyPath, '--release', 'demo@1.0.0', '--artifact', artifact, ...provenance.flatMap((name) => ['--provenance', fixture(name)]), ...extra];

describe('conclave ceremony open --check', () => {
  it('prints the findings and that the opening would freeze, exits 0, and creates nothing', async () => {
    const before = fileDigests(join(home.dir, 'store'));
    const run = await ends(env, check([`${artifactName}.intoto.jsonl`]), 0);
    expect(run.out).toMatch(/^Pre-flight of demo 1\.0\.0 against policy "release" \(sha256:[0-9a-f]{64}; any 2 of alice, bob, carol\)\. Nothing was created\./);
    expect(run.out).toContain(`  pass  `);
    expect(run.out).toMatch(/\nReady: .*frozen at once and take approvals\.\n$/);
    expect(fileDigests(join(home.dir, 'store'))).toEqual(before);
  });

  it('exits 3 when freezing would be blocked, naming each failed check and what to do', async () => {
    const before = fileDigests(join(home.dir, 'store'));
    const run = await ends(env, check(['binary-linux-amd64-untrusted-builder.intoto.jsonl']), 3);
    expect(run.out).toMatch(/\n {2}fail {2}.*builder/i);
    expect(run.out).toMatch(/\nBlocked: \d+ checks? failed and this policy does not allow overriding/);
    expect(fileDigests(join(home.dir, 'store'))).toEqual(before);
  });

  it('answers in JSON for programs', async () => {
    const run = await ends(env, check([], ['--json']), 3);
    const preflight = JSON.parse(run.out) as { blocked: boolean; overrideAllowed: boolean; toDo: string[] };
    expect(preflight.blocked).toBe(true);
    expect(preflight.overrideAllowed).toBe(false);
    expect(preflight.toDo.some((line) => line.startsWith('fail  No provenance was attached'))).toBe(true);
  });

  it('asks no PIN and leaves no token host behind when a --key is given anyway', async () => {
    folder.addToken('alice', '1234');
    const key = 'pkcs11:token=alice;object=release-signing';
    await ends(env, ['keygen', key, '--alg', 'ecdsa-p256', '--pin-env', 'GOOD_PIN'], 0);
    const run = await ends(env, check([`${artifactName}.intoto.jsonl`], ['--key', key]), 0);
    expect(run.err).not.toMatch(/PIN/);
  });

  it('refuses a policy this machine does not trust, as opening would', async () => {
    const untrusted = join(home.dir, 'other-policy.json');
    writeFileSync(untrusted, JSON.stringify({ version: 1, threshold: 1, approvers: [{ id: 'dave', publicKey: makeTestKey('ecdsa-p256').publicKeyPem }] }));
    const run = await ends(env, ['ceremony', 'open', '--check', '--policy', untrusted, '--release', 'demo@1.0.0', '--artifact', artifact], 1);
    expect(run.err).toMatch(/does not trust the policy/);
  });
});
