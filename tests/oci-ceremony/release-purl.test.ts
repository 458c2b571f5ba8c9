/**
 * Issue 14, point 4: a release over a container image named by a `pkg:oci`
 * purl, against Debian's real docker-registry. The purl's version is the
 * image's manifest digest (purl-spec types/oci-definition.json), checked when
 * the ceremony opens against the digest its tag resolves to; its `tag`
 * qualifier is the release's version. The purl the docs used to give
 * (`pkg:oci/app@1.2.3?repository_url=ghcr.io%2Facme`) is refused before
 * anything is signed or written, and the valid one signs and publishes.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CeremonyService } from '../../electron/core/ceremony/ceremony-service';
import { OciClient, type OciOptions } from '../../electron/core/oci';
import { ConclaveError } from '../../shared/errors';
import { parseReleaseStatement } from '../../shared/statement/statement';
import { pushImage, type PushedImage } from '../oci/fixtures';
import { makeDataDir } from '../support/softhsm';
import { startRegistry, type TestRegistry } from '../support/registry';
import { keyUri, makeKeys, makeService, writeImageProvenance, writePolicy, type Keys } from './support/ceremony';

const noDockerConfig: OciOptions = { homeDir: '/nonexistent-conclave-home', env: {} };

let registry: TestRegistry;
let oci: OciClient;
let image: PushedImage;
let other: PushedImage;
let repository: string;
let home: ReturnType<typeof makeDataDir>;
let keys: Keys;
let service: CeremonyService;

beforeAll(async () => {
  registry = await startRegistry();
  oci = new OciClient(noDockerConfig);
  repository = `${registry.host}/acme/app`;
  image = await pushImage(oci, repository, '1.2.3', 'release 1.2.3\n');
  other = await pushImage(oci, `${registry.host}/acme/worker`, '1.2.3', 'another image\n');
});
afterAll(async () => {
  await registry?.stop();
});
beforeEach(() => {
  home = makeDataDir();
  mkdirSync(join(home.dir, 'store'));
  keys = makeKeys();
  let clock = new Date('2026-11-22T10:00:00Z');
  service = makeService(join(home.dir, 'store'), keys, () => (clock = new Date(clock.getTime() + 60_000)));
});
afterEach(() => home.cleanup());

function open(purl: string) {
  const provenance = writeImageProvenance(home.dir, keys.builder, [{ name: repository, digest: image.digest }]);
  return service.open({
    policyPath: writePolicy(home.dir, keys),
    release: { name: 'app', version: '1.2.3', purl },
    artifactPaths: [],
    imageReferences: [`${repository}:1.2.3`],
    registry: noDockerConfig,
    provenancePaths: [provenance.path],
    provenanceKeyPaths: [provenance.keyPath],
    openerKeyUri: keyUri('rita'),
  });
}

async function refusal(promise: Promise<unknown>): Promise<ConclaveError> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(ConclaveError);
  return caught as ConclaveError;
}

const encoded = (text: string) => encodeURIComponent(text);

describe('a release named by pkg:oci', () => {
  it('accepts the purl the issue names (version = the manifest digest, tag = the release version), signs it and publishes it', async () => {
    const given = `pkg:oci/app@${image.digest.replace(':', '%3A')}?repository_url=${repository}&tag=1.2.3`;
    const normal = `pkg:oci/app@${image.digest}?repository_url=${encoded(repository)}&tag=1.2.3`;
    const opened = await open(given);
    expect(opened.view.release.purl).toBe(normal);
    await service.approve(opened.view.id, keyUri('alice'));
    const approved = await service.approve(opened.view.id, keyUri('bob'));
    expect(approved.view.state).toBe('approved');
    expect(parseReleaseStatement(approved.statement!).predicate.release.purl).toBe(normal);
    // Publishing rebuilds and checks the statement, purl included, with conclave verify's verifier.
    const published = await service.publish(opened.view.id, join(home.dir, 'out'), keyUri('rita'), { registry: noDockerConfig });
    expect(published.report.ok).toBe(true);
    expect(readFileSync(published.summaryPath, 'utf8')).toContain(normal);
  });

  it('fills in the digest the tag resolved to when the purl names the repository without a version', async () => {
    const opened = await open(`pkg:oci/app?repository_url=${repository}&tag=1.2.3`);
    expect(opened.view.release.purl).toBe(`pkg:oci/app@${image.digest}?repository_url=${encoded(repository)}&tag=1.2.3`);
  });

  it.each<[string, () => string, string, RegExp]>([
    ["the docs' old example (a version that is not a digest)", () => 'pkg:oci/app@1.2.3?repository_url=ghcr.io%2Facme', 'purl-oci-version-not-digest', /a pkg:oci version is the image's manifest digest/],
    ['a tag that is not the release version', () => `pkg:oci/app@${image.digest}?repository_url=${repository}&tag=1.2.4`, 'purl-oci-tag-mismatch', /says the image was tagged 1\.2\.4, but the release is version 1\.2\.3/],
    ['the digest of an image the release does not sign', () => `pkg:oci/worker@${other.digest}?repository_url=${registry.host}/acme/worker&tag=1.2.3`, 'purl-oci-digest-not-signed', /consumers would map the approvals to an image nobody approved/],
    ['a repository without that image', () => 'pkg:oci/app?repository_url=ghcr.io/acme/app', 'purl-oci-version-not-digest', /no image of this release is "ghcr\.io\/acme\/app"/],
  ])('refuses %s before anything is signed or written', async (_what, purl, cause, message) => {
    const error = await refusal(open(purl()));
    expect(error.code).toBe('invalid-input');
    expect(error.details.cause).toBe(cause);
    expect(error.message).toMatch(message);
    expect(await service.list()).toEqual([]);
  });
});
