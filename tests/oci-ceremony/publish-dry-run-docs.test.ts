/**
 * Issue 14: docs/verify.md and docs/cli.md show what `conclave ceremony
 * publish --dry-run` prints for a release of one image approved by two
 * people, alice (ECDSA P-256) and carol (ECDSA P-384): the very output of the
 * command, run here over an image in Debian's docker-registry, with the
 * ceremony id of the docs' examples in place of this one's.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli/index';
import { OciClient, type OciOptions } from '../../electron/core/oci';
import { pushImage } from '../oci/fixtures';
import { startRegistry, type TestRegistry } from '../support/registry';
import { makeDataDir } from '../support/softhsm';
import { keyUri, makeKeys, makeService, writeImageProvenance, writePolicy } from './support/ceremony';
import { fencedBlock } from './support/docs';

const noDockerConfig: OciOptions = { homeDir: '/nonexistent-conclave-home', env: {} };
const docsId = 'c-20261122-abcdefghij';
const cliDocPath = fileURLToPath(new URL('../../docs/cli.md', import.meta.url));

let registry: TestRegistry;
let home: ReturnType<typeof makeDataDir>;
let output: string;

beforeAll(async () => {
  registry = await startRegistry();
  home = makeDataDir();
  const storeDir = join(home.dir, 'store');
  mkdirSync(storeDir);
  const keys = makeKeys();
  const service = makeService(storeDir, keys, () => new Date());
  const image = await pushImage(new OciClient(noDockerConfig), `${registry.host}/acme/app`, '1.2.3', 'the app\n');
  const provenance = writeImageProvenance(home.dir, keys.builder, [{ name: `${registry.host}/acme/app`, digest: image.digest }]);
  const policyPath = writePolicy(home.dir, keys);
  const { view } = await service.open({ policyPath, release: { name: 'app', version: '1.2.3' }, artifactPaths: [], imageReferences: [image.pinned], registry: noDockerConfig, provenancePaths: [provenance.path], provenanceKeyPaths: [provenance.keyPath], openerKeyUri: keyUri('rita') });
  for (const who of ['alice', 'carol'] as const) await service.approve(view.id, keyUri(who));
  let out = '';
  let err = '';
  const env = { PATH: process.env.PATH ?? '', HOME: '/nonexistent-conclave-home', CONCLAVE_HOME: home.dir, CONCLAVE_STORE: storeDir };
  const run = (args: string[]) => runCli(args, { out: (text) => (out += text), err: (text) => (err += text), env, interactive: () => false });
  expect(await run(['policy', 'trust', policyPath, '--yes']), err).toBe(0);
  out = '';
  expect(await run(['ceremony', 'publish', view.id, '--dry-run']), err).toBe(0);
  output = out.replaceAll(view.id, docsId);
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  home?.cleanup();
});

describe('conclave ceremony publish --dry-run in the docs', () => {
  it('docs/verify.md shows its output for one image and two approvers, as the command prints it', () => {
    expect(fencedBlock('publish-dry-run')).toBe(output);
  });

  it('docs/cli.md shows the same output', () => {
    expect(fencedBlock('publish-dry-run', cliDocPath)).toBe(output);
  });

  it('says, for the P-384 approver, which Sigstore verifiers refuse and what cosign needs', () => {
    expect(output).toContain('cosign accepts it when given --signature-digest-algorithm sha384');
    expect(output).toContain("no Kyverno setting makes carol's key count");
  });
});
