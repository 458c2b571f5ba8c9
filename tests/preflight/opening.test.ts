/**
 * Pre-flight before a ceremony exists (issue 16): the Open form's evidence,
 * real provenance from tests/fixtures/real, judged against the policy exactly
 * as an opening would judge it, with no key asked for, nothing signed and
 * nothing written to the store.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeremonyService, readOnlySigner } from '../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { formatOpeningPreflight, preflightOpening } from '../../electron/core/ceremony/preflight';
import { makeDataDir } from '../support/softhsm';
import { makeTestKey, type TestKey } from '../support/test-keys';
import { softwareKeyUri, softwareSigner } from '../support/software-signer';
import { fileDigests } from '../support/file-digests';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';
const genericGenerator = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml';

let home: ReturnType<typeof makeDataDir>;
let keys: Record<'alice' | 'bob' | 'carol', TestKey>;
let storeDir: string;

function writePolicy(evidence: Record<string, unknown> = {}): string {
  const path = join(home.dir, `policy-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      version: 1,
      name: 'release',
      threshold: 2,
      approvers: [
        { id: 'alice', role: 'security', publicKey: keys.alice.publicKeyPem },
        { id: 'bob', publicKey: keys.bob.publicKeyPem },
        { id: 'carol', publicKey: keys.carol.publicKeyPem },
      ],
      evidence,
    }),
  );
  return path;
}

/** The pre-flight's service: the store, and a signer that refuses to sign (as the window's catalog reader has). */
const readOnly = () => new CeremonyService(new CeremonyStore(storeDir), readOnlySigner, () => new Date('2026-11-22T10:00:00Z'));

const evidenceOf = (policyPath: string, provenance: string[]) => ({
  policyPath,
  release: { name: 'demo', version: '1.0.0' },
  artifactPaths: [join(home.dir, artifactName)],
  provenancePaths: provenance.map(fixture),
});

beforeEach(() => {
  home = makeDataDir();
  storeDir = join(home.dir, 'store');
  mkdirSync(storeDir);
  copyFileSync(fixture(artifactName), join(home.dir, artifactName));
  keys = { alice: makeTestKey('ecdsa-p256'), bob: makeTestKey('ed25519'), carol: makeTestKey('ecdsa-p256') };
});
afterEach(() => home.cleanup());

describe('pre-flight of an opening', () => {
  it('finds what the opening then records, and says it would freeze, with nothing created', async () => {
    const policyPath = writePolicy({ builders: [genericGenerator] });
    const evidence = evidenceOf(policyPath, [`${artifactName}.intoto.jsonl`]);
    const before = fileDigests(storeDir);
    const preflight = await preflightOpening(readOnly(), evidence);
    expect(fileDigests(storeDir)).toEqual(before);
    expect(preflight.blocked).toBe(false);
    expect(preflight.verdict).toMatch(/^Ready: .*frozen at once/);
    expect(preflight.findings.find((finding) => finding.id === `artifact-subject:${artifactName}`)?.status).toBe('pass');

    // The same evidence, opened for real: the opening records exactly the findings the pre-flight showed, and freezes.
    const signing = new CeremonyService(new CeremonyStore(storeDir), softwareSigner(() => keys), () => new Date('2026-11-22T10:00:00Z'));
    const opened = await signing.open({ ...evidence, openerKeyUri: softwareKeyUri('alice') });
    expect(opened.view.findings.map(({ id, status, message }) => ({ id, status, message }))).toEqual(preflight.findings);
    expect(opened.view.state).toBe('frozen');
  });

  it('says freezing would be blocked, what to attach, and that this policy allows no override, when no provenance is attached', async () => {
    const before = fileDigests(storeDir);
    const preflight = await preflightOpening(readOnly(), evidenceOf(writePolicy(), []));
    expect(fileDigests(storeDir)).toEqual(before);
    expect(preflight.blocked).toBe(true);
    expect(preflight.overrideAllowed).toBe(false);
    expect(preflight.verdict).toMatch(/^Blocked: .*failed and this policy does not allow overriding/);
    // One line per finding that does not pass, as `conclave ceremony show` prints it.
    expect(preflight.toDo).toContain('fail  No provenance was attached, so nothing shows where the artifacts came from. Attach the SLSA provenance your build produced (an .intoto.jsonl file or a Sigstore bundle).');
    expect(preflight.toDo.every((line) => /^(fail|warn) {2}/.test(line))).toBe(true);
    expect(preflight.toDo).toHaveLength(preflight.findings.filter((finding) => finding.status !== 'pass').length);
    expect(preflight.policy).toMatchObject({ name: 'release', description: 'any 2 of alice, bob, carol' });
  });

  it('blocks provenance from a builder the policy does not allow, and says an override is possible where the policy allows one', async () => {
    const strict = await preflightOpening(readOnly(), evidenceOf(writePolicy({ builders: [genericGenerator] }), ['binary-linux-amd64-untrusted-builder.intoto.jsonl']));
    expect(strict.blocked).toBe(true);
    expect(strict.findings.filter((finding) => finding.status === 'fail').map((finding) => finding.id.split(':')[0])).toContain('builder');
    const lenient = await preflightOpening(readOnly(), evidenceOf(writePolicy({ builders: [genericGenerator], allowOverride: true }), ['binary-linux-amd64-untrusted-builder.intoto.jsonl']));
    expect(lenient.overrideAllowed).toBe(true);
    expect(lenient.verdict).toMatch(/overrides? .*with a reason \(this policy allows that\)/);
    expect(formatOpeningPreflight(lenient)).toMatch(/Nothing was created\.\n {2}(pass|warn|fail) /);
  });

  it('refuses an opening without artifacts before reading anything', async () => {
    await expect(preflightOpening(readOnly(), { ...evidenceOf(writePolicy(), []), artifactPaths: [] })).rejects.toThrow(/Add at least one artifact/);
  });
});
