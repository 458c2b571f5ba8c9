/**
 * The approvers' Sigstore bundles next to the envelope in the registry
 * (issue 6): a ceremony whose policy requires trusted time (a real `openssl
 * ts` TSA) is published to an image against Debian's real docker-registry;
 * each bundle is an OCI 1.1 referrer of type
 * application/vnd.dev.sigstore.bundle.v0.3+json (checked through the
 * registry's own HTTP API), `conclave verify oci://…` needs nothing but the
 * registry, publishing again adds nothing, and without the bundles the
 * verification fails with trusted-time-missing.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli/index';
import { attachToImages } from '../../electron/core/ceremony/publish-to-registry';
import { OciClient, type OciOptions } from '../../electron/core/oci';
import { pushImage } from '../oci/fixtures';
import { makeDataDir } from '../support/softhsm';
import { startRegistry, type TestRegistry } from '../support/registry';
import { createTsaLab, startTsaServer, type RunningTsa, type TsaLab } from '../support/tsa';
import { keyUri, makeKeys, makeService, writeImageProvenance, type Keys } from './support/ceremony';

const releasePredicate = 'https://conclave.dev/release-approval/v1';
const bundleType = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const indexType = 'application/vnd.oci.image.index.v1+json';
const noDockerConfig: OciOptions = { homeDir: '/nonexistent-conclave-home', env: {} };
const hexOf = (digest: string) => digest.replace(/^sha256:/, '');
const sha256 = (bytes: Uint8Array | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

let registry: TestRegistry;
let lab: TsaLab;
let tsa: RunningTsa;
let oci: OciClient;
let home: ReturnType<typeof makeDataDir>;
let keys: Keys;

beforeAll(async () => {
  registry = await startRegistry();
  lab = await createTsaLab();
  tsa = await startTsaServer({ signer: lab.ecdsaTsa });
  oci = new OciClient(noDockerConfig);
}, 120_000);
afterAll(async () => {
  await tsa?.close();
  await lab?.remove();
  await registry?.stop();
});
beforeEach(() => {
  home = makeDataDir();
  mkdirSync(join(home.dir, 'store'));
  keys = makeKeys();
});
afterEach(() => home.cleanup());

/** 2 of alice, bob, carol, counting only approvals time-stamped by the test TSA. */
function writeTimedPolicy(): string {
  const path = join(home.dir, 'policy.json');
  writeFileSync(
    path,
    JSON.stringify({
      version: 1,
      name: 'app releases',
      threshold: 2,
      approvers: [
        { id: 'alice', publicKey: keys.alice.publicKeyPem },
        { id: 'bob', publicKey: keys.bob.publicKeyPem },
        { id: 'carol', publicKey: keys.carol.publicKeyPem },
      ],
      releaseManagers: [{ id: 'rita', publicKey: keys.rita.publicKeyPem }],
      timestamping: { url: tsa.url, required: true, certificates: readFileSync(lab.ca.certPath, 'utf8') },
    }),
  );
  return path;
}

async function conclave(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (text) => (out += text), err: (text) => (err += text), env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent-conclave-home' }, interactive: () => false });
  return { code, out, err };
}

type IndexEntry = { digest: string; artifactType?: string; annotations?: Record<string, string> };

async function referrersIndex(repository: string, digest: string) {
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/sha256-${hexOf(digest)}`, { headers: { Accept: indexType } });
  expect(response.status).toBe(200);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { digest: sha256(bytes), index: JSON.parse(new TextDecoder().decode(bytes)) as { manifests: IndexEntry[] } & Record<string, unknown> };
}

describe('the approvers\' Sigstore bundles in the registry', () => {
  it('are attached as OCI 1.1 referrers, let verify oci:// check trusted time from the registry alone, and are attached once', async () => {
    const name = `${registry.host}/demo/timed`;
    const image = await pushImage(oci, name, '1.0', 'a time-stamped release\n');
    const policyPath = writeTimedPolicy();
    const service = makeService(join(home.dir, 'store'), keys, () => new Date());
    const provenance = writeImageProvenance(home.dir, keys.builder, [{ name, digest: image.digest }]);
    const opened = await service.open({
      policyPath,
      release: { name: 'app', version: '1.0' },
      artifactPaths: [],
      imageReferences: [image.reference],
      registry: noDockerConfig,
      provenancePaths: [provenance.path],
      provenanceKeyPaths: [provenance.keyPath],
      openerKeyUri: keyUri('rita'),
    });
    expect(opened.view.state).toBe('frozen');
    await service.approve(opened.view.id, keyUri('alice'));
    const approved = await service.approve(opened.view.id, keyUri('bob'));
    expect(approved.view.state).toBe('approved');
    expect(approved.view.approvals.every((approval) => approval.timestamp !== undefined)).toBe(true);

    const out = join(home.dir, 'out');
    const published = await service.publish(opened.view.id, out, keyUri('rita'), { registry: noDockerConfig });
    expect(published.bundlePaths).toHaveLength(2);
    const [entry] = published.registry;
    expect(entry).toMatchObject({ image: image.pinned, via: 'referrers-tag', alreadyPresent: false });
    expect(entry!.bundleArtifacts).toHaveLength(2);

    // The registry's own API: the referrers tag lists the envelope and one bundle per approver, then the publisher's VSA (issue 14) as in-toto and as a bundle.
    const { digest: indexDigest, index } = await referrersIndex('demo/timed', image.digest);
    expect(index.manifests.map((listed) => listed.artifactType)).toEqual(['application/vnd.in-toto+json', bundleType, bundleType, 'application/vnd.in-toto+json', bundleType]);
    const created = approved.view.frozen!.at.replace(/\.\d{3}Z$/, 'Z');
    for (const [position, path] of published.bundlePaths.entries()) {
      const listed = index.manifests[position + 1]!;
      expect(listed.digest).toBe(entry!.bundleArtifacts[position]);
      expect(listed.annotations).toEqual({
        'org.opencontainers.image.title': path.split('/').pop(),
        'dev.conclave.ceremony.id': opened.view.id,
        'dev.sigstore.bundle.predicateType': releasePredicate,
        'org.opencontainers.image.created': created,
      });
      const manifest = (await (await fetch(`${registry.url}/v2/demo/timed/manifests/${listed.digest}`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })).json()) as Record<string, unknown>;
      const bytes = readFileSync(path);
      expect(manifest).toMatchObject({
        artifactType: bundleType,
        config: { mediaType: 'application/vnd.oci.empty.v1+json' },
        layers: [{ mediaType: bundleType, digest: sha256(bytes), size: bytes.length }],
        subject: { digest: image.digest },
      });
      const layer = Buffer.from(await (await fetch(`${registry.url}/v2/demo/timed/blobs/${sha256(bytes)}`)).arrayBuffer());
      expect(layer.equals(bytes)).toBe(true);
    }
    // Not in cosign's .att tag: that holds the envelopes only (the approvals', and the publisher's VSA).
    const att = (await (await fetch(`${registry.url}/v2/demo/timed/manifests/sha256-${hexOf(image.digest)}.att`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })).json()) as { layers: { mediaType: string }[] };
    expect(att.layers.map((layer) => layer.mediaType)).toEqual(['application/vnd.dsse.envelope.v1+json', 'application/vnd.dsse.envelope.v1+json']);

    // conclave verify with nothing but the policy and the registry.
    const verified = await conclave(['verify', '--policy', policyPath, `oci://${image.pinned}`]);
    expect(verified.code, verified.err + verified.out).toBe(0);
    expect(verified.out).toMatch(/^verified: alice, bob \(2 of 2 approvals\)/);

    // Publishing again (a retry) pushes the same bytes: nothing is added.
    const again = await attachToImages({
      ceremonyId: opened.view.id,
      images: [image.pinned],
      envelope: new Uint8Array(readFileSync(published.envelopePath)),
      created: new Date(approved.view.frozen!.at),
      annotations: { 'org.opencontainers.image.title': published.envelopePath.split('/').pop()!, 'dev.conclave.ceremony.id': opened.view.id },
      bundlePaths: published.bundlePaths,
      summary: {
        envelope: new Uint8Array(readFileSync(published.verificationSummary.envelopePath)),
        bundle: new Uint8Array(readFileSync(published.verificationSummary.bundlePath)),
        title: published.verificationSummary.envelopePath.split('/').pop()!,
        bundleTitle: published.verificationSummary.bundlePath.split('/').pop()!,
      },
      outDir: out,
      options: noDockerConfig,
    });
    expect(again).toEqual([{ ...entry, alreadyPresent: true }]);
    expect((await referrersIndex('demo/timed', image.digest)).digest).toBe(indexDigest);

    // Without the bundle referrers (the index edited through the registry API), trusted time is missing.
    const envelopeOnly = { ...index, manifests: index.manifests.filter((listed) => listed.artifactType !== bundleType) };
    const put = await fetch(`${registry.url}/v2/demo/timed/manifests/sha256-${hexOf(image.digest)}`, { method: 'PUT', headers: { 'Content-Type': indexType }, body: JSON.stringify(envelopeOnly) });
    expect(put.status).toBe(201);
    const missing = await conclave(['verify', '--policy', policyPath, `oci://${image.pinned}`]);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('trusted-time-missing');

    // A bundle over another payload is ignored, with a note; the --bundle files still work and add to the registry's.
    const foreign = JSON.parse(readFileSync(published.bundlePaths[0]!, 'utf8')) as { dsseEnvelope: { payload: string } };
    foreign.dsseEnvelope.payload = Buffer.from('{"another":"statement"}').toString('base64');
    const attached = await oci.attachArtifact({ image: image.pinned, artifactType: bundleType, layer: { mediaType: bundleType, bytes: new TextEncoder().encode(JSON.stringify(foreign)) } });
    const noted = await conclave(['verify', '--policy', policyPath, `oci://${image.pinned}`]);
    expect(noted.code).toBe(1);
    expect(noted.out).toContain(`The Sigstore bundle ${attached.artifactDigest} attached to this image signs another payload than this envelope's; it is ignored.`);
    expect(noted.out).toContain('trusted-time-missing');
    const withFiles = await conclave(['verify', '--policy', policyPath, ...published.bundlePaths.flatMap((path) => ['--bundle', path]), `oci://${image.pinned}`]);
    expect(withFiles.code, withFiles.out).toBe(0);
    expect(withFiles.out).toMatch(/^verified: alice, bob \(2 of 2 approvals\)/);
  });
});
