/**
 * `conclave ceremony publish --dry-run` (issue 14, "What each verifier will say"), run as a pipeline runs it: on a
 * real approved 2-of-2 ceremony on SoftHSM2 tokens, it asks for no PIN, writes and pushes nothing, and prints what
 * `conclave verify`, cosign (per approver key), Kyverno and notation will say. Bob's key is ECDSA P-384, which
 * cosign's key verifier checks with SHA-256, so his cosign verdict fails and, for a release of an image in a real
 * docker-registry, Kyverno's documented policy counts one attestor of the two it requires.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciClient } from '../../electron/core/oci';
import { pushImage } from '../oci/fixtures';
import { writeImageProvenance } from '../oci-ceremony/support/ceremony';
import { startRegistry, type TestRegistry } from '../support/registry';
import { makeDataDir, makeTokenFolder, type TokenFolder } from '../support/softhsm';
import { makeTestKey } from '../support/test-keys';
import { builtCli, ends, fixture, runEnvironment } from './support';
import { fileDigests } from '../support/file-digests';

const artifactName = 'binary-linux-amd64-multi-subject-first';
const key = (who: string) => `pkcs11:token=${who};object=release-signing`;

let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;
let env: Record<string, string>;
let work: string;
let id: string;
let registry: TestRegistry | undefined;

/** Every file under a folder with the SHA-256 of its bytes: what "writes nothing" is checked against. */
beforeAll(async () => {
  expect(existsSync(builtCli), `${builtCli} is missing: run "npm run build" before these tests.`).toBe(true);
  folder = makeTokenFolder();
  home = makeDataDir();
  env = runEnvironment(folder, home.dir);
  work = join(home.dir, 'work');
  mkdirSync(work);
  const algorithms = { alice: 'ecdsa-p256', bob: 'ecdsa-p384', rita: 'ecdsa-p256' } as const;
  const publicKeys: Record<string, string> = {};
  for (const [who, alg] of Object.entries(algorithms)) {
    folder.addToken(who, '1234');
    await ends(env, ['keygen', key(who), '--alg', alg, '--pin-env', 'GOOD_PIN'], 0);
    publicKeys[who] = (await ends(env, ['pubkey', key(who)], 0)).out;
  }
  writeFileSync(
    join(work, 'policy.json'),
    JSON.stringify({
      version: 1,
      threshold: 2,
      approvers: [
        { id: 'alice', publicKey: publicKeys.alice },
        { id: 'bob', publicKey: publicKeys.bob },
      ],
      releaseManagers: [{ id: 'rita', publicKey: publicKeys.rita }],
    }),
  );
  copyFileSync(fixture(artifactName), join(work, artifactName));
  await ends(env, ['policy', 'trust', join(work, 'policy.json'), '--yes'], 0);
  const opened = await ends(
    env,
    ['ceremony', 'open', '--policy', join(work, 'policy.json'), '--release', 'slsa-demo@1.0.0', '--artifact', join(work, artifactName), '--provenance', fixture(`${artifactName}.intoto.jsonl`), '--key', key('rita'), '--pin-env', 'GOOD_PIN'],
    0,
  );
  id = opened.out.split('\n')[0]!;
  for (const who of ['alice', 'bob']) await ends(env, ['ceremony', 'approve', id, '--key', key(who), '--pin-env', 'GOOD_PIN'], 0);
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  folder?.cleanup();
  home?.cleanup();
});

/** What any command may write: the code cache, and the signatures it found valid (electron/core/crypto/checked-signatures.ts). */
const caches = ['cache/compiled', 'cache/checked-signatures'];

describe('conclave ceremony publish --dry-run', () => {
  it('prints each verifier\'s verdict, asks for no PIN, and writes nothing', async () => {
    const before = fileDigests(home.dir, caches);
    const run = await ends(env, ['ceremony', 'publish', id, '--dry-run'], 0);
    expect(fileDigests(home.dir, caches)).toEqual(before);
    expect(run.err).not.toMatch(/PIN/);
    const lines = run.out.split('\n');
    expect(lines[0]).toBe(`What each verifier will say about ${id} once published (nothing was written or pushed):`);
    expect(run.out).toContain('conclave verify: accepts (approved by alice, bob; 2 required)');
    expect(run.out).toContain('cosign verify-attestation (alice, ECDSA P-256): accepts');
    expect(run.out).toContain('cosign verify-attestation (bob, ECDSA P-384): refuses\n    ECDSA P-384 signs with SHA-384; cosign checks ECDSA keys with SHA-256');
    // No image in this release: Kyverno admits Pods, so it has nothing to say.
    expect(run.out).toContain('Kyverno: not applicable (the release has no OCI image)');
    expect(run.out).toContain('notation verify: not applicable (the release has no OCI image)');
  });

  it('--json names the publisher given by --key, still without a PIN', async () => {
    const before = fileDigests(home.dir, caches);
    const run = await ends(env, ['ceremony', 'publish', id, '--dry-run', '--key', key('rita'), '--json'], 0);
    expect(fileDigests(home.dir, caches)).toEqual(before);
    const forecast = JSON.parse(run.out) as { ceremonyId: string; publisher: string; allAccept: boolean; verifiers: { verifier: string; approverId?: string; verdict: string }[] };
    expect(forecast).toMatchObject({ ceremonyId: id, publisher: 'rita', allAccept: false });
    expect(forecast.verifiers.map(({ verifier, approverId, verdict }) => [verifier, approverId ?? '', verdict])).toEqual([
      ['conclave', '', 'accepts'],
      ...(forecast.verifiers[1]!.approverId === 'alice'
        ? [['cosign', 'alice', 'accepts'], ['cosign', 'bob', 'refuses']]
        : [['cosign', 'bob', 'refuses'], ['cosign', 'alice', 'accepts']]),
      ['kyverno', '', 'not-applicable'],
      ['notation', '', 'not-applicable'],
    ]);
  });

  it('refuses a ceremony that cannot be published, and --out with --dry-run', async () => {
    await ends(env, ['ceremony', 'publish', id, '--dry-run', '--out', join(work, 'out')], 2);
    const cancelledId = 'c-20260101-aaaaaaaaaa';
    const unknown = await ends(env, ['ceremony', 'publish', cancelledId, '--dry-run'], 1);
    expect(unknown.err).toMatch(cancelledId);
    expect(existsSync(join(work, 'out'))).toBe(false);
  });
});

describe('conclave ceremony publish --dry-run on a release of an image', () => {
  let imageId: string;
  let attTag: string;

  beforeAll(async () => {
    registry = await startRegistry();
    const image = await pushImage(new OciClient({ homeDir: '/nonexistent-conclave-home', env: {} }), `${registry.host}/acme/app`, '1.0.0', 'dry run\n');
    attTag = `${registry.url}/v2/acme/app/manifests/sha256-${image.digest.slice('sha256:'.length)}.att`;
    const provenance = writeImageProvenance(work, makeTestKey('ecdsa-p256'), [{ name: `${registry.host}/acme/app`, digest: image.digest }]);
    const opened = await ends(
      env,
      ['ceremony', 'open', '--policy', join(work, 'policy.json'), '--release', 'app@1.0.0', '--image', image.reference, '--provenance', provenance.path, '--provenance-key', provenance.keyPath, '--insecure-registry', registry.host, '--key', key('rita'), '--pin-env', 'GOOD_PIN'],
      0,
    );
    imageId = opened.out.split('\n')[0]!;
    for (const who of ['alice', 'bob']) await ends(env, ['ceremony', 'approve', imageId, '--key', key(who), '--pin-env', 'GOOD_PIN'], 0);
  }, 120_000);

  it("says Kyverno's documented policy finds 1 of 2 required attestors, and pushes nothing", async () => {
    const run = await ends(env, ['ceremony', 'publish', imageId, '--dry-run', '--key', key('rita'), '--insecure-registry', registry!.host], 0);
    expect(run.out).toContain('cosign verify-attestation (bob, ECDSA P-384): refuses');
    expect(run.out).toContain("Kyverno: refuses (1 of 2 required attestors, VSA by rita)\n    bob's key does not count: ECDSA P-384 signs with SHA-384; cosign checks ECDSA keys with SHA-256");
    expect((await fetch(attTag, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })).status).toBe(404);
  });

  it('says no VSA would verify when a P-384 key publishes, and which keys would do without --key', async () => {
    const byBob = await ends(env, ['ceremony', 'publish', imageId, '--dry-run', '--key', key('bob')], 0);
    expect(byBob.out).toContain('Kyverno: refuses (1 of 2 required attestors, no VSA it verifies)');
    expect(byBob.out).toContain('a VSA signed by bob would not verify');
    const anyone = await ends(env, ['ceremony', 'publish', imageId, '--dry-run'], 0);
    expect(anyone.out).toContain('publish with the key of rita or alice for the VSA to verify');
  });
});
