/**
 * Container images as ceremony artifacts (issue 6) against Debian's real
 * docker-registry: a tag is pinned to its manifest digest when the ceremony
 * opens, publishing attaches the combined envelope to each image (checked
 * through the registry's own HTTP API), a registry that fails leaves the
 * ceremony approved until publishing again completes it without duplicates,
 * and `conclave verify … oci://…@sha256:…` checks what is attached.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli/index';
import type { CeremonyService } from '../../electron/core/ceremony/ceremony-service';
import { OciClient, type OciOptions } from '../../electron/core/oci';
import { calls } from '../../shared/api/contract';
import { ConclaveError } from '../../shared/errors';
import { fromBase64 } from '../../shared/encoding/base64';
import { pushImage, writeDockerConfig, type PushedImage } from '../oci/fixtures';
import { makeDataDir } from '../support/softhsm';
import { startRegistry, type TestRegistry } from '../support/registry';
import { keyUri, makeKeys, makeService, writeImageProvenance, writePolicy, type Keys } from './support/ceremony';
import { startCuttingProxy, type CuttingProxy } from './support/cutting-proxy';
import { fencedBlock, shellWords } from './support/docs';
import { startRestartableRegistry, type RestartableRegistry } from './support/registry-process';

const releasePredicate = 'https://conclave.dev/release-approval/v1';
const noDockerConfig: OciOptions = { homeDir: '/nonexistent-conclave-home', env: {} };
const hexOf = (digest: string) => digest.replace(/^sha256:/, '');
const sha256 = (bytes: Uint8Array | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

let registry: TestRegistry;
let oci: OciClient;
let home: ReturnType<typeof makeDataDir>;
let keys: Keys;
let clock: Date;
let service: CeremonyService;

beforeAll(async () => {
  registry = await startRegistry();
  oci = new OciClient(noDockerConfig);
});
afterAll(async () => {
  await registry?.stop();
});
beforeEach(() => {
  home = makeDataDir();
  mkdirSync(join(home.dir, 'store'));
  keys = makeKeys();
  clock = new Date('2026-11-22T10:00:00Z');
  service = makeService(join(home.dir, 'store'), keys, () => clock);
});
afterEach(() => home.cleanup());

const later = (minutes: number) => (clock = new Date(clock.getTime() + minutes * 60_000));

async function manifest(base: string, repository: string, reference: string, accept: string) {
  const response = await fetch(`${base}/v2/${repository}/manifests/${reference}`, { headers: { Accept: accept } });
  return { status: response.status, body: response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined };
}
const referrersIndex = (base: string, repository: string, digest: string) => manifest(base, repository, `sha256-${hexOf(digest)}`, 'application/vnd.oci.image.index.v1+json');
/** The artifactTypes the referrers index lists, in order. */
const listedTypes = async (base: string, repository: string, digest: string) => ((await referrersIndex(base, repository, digest)).body!.manifests as { artifactType: string }[]).map((entry) => entry.artifactType);
/** What publishing lists for an image approved by alice and bob: the envelope, then each approver's Sigstore bundle, then the publisher's VSA (issue 14) as in-toto and as a bundle. */
const envelopeAndBundles = ['application/vnd.in-toto+json', 'application/vnd.dev.sigstore.bundle.v0.3+json', 'application/vnd.dev.sigstore.bundle.v0.3+json', 'application/vnd.in-toto+json', 'application/vnd.dev.sigstore.bundle.v0.3+json'];
/** The `.att` layers: the envelope, and the publisher's VSA. */
const cosignLayerCount = 2;
const cosignManifest = (base: string, repository: string, digest: string) => manifest(base, repository, `sha256-${hexOf(digest)}.att`, 'application/vnd.oci.image.manifest.v1+json');

async function failure(promise: Promise<unknown>): Promise<ConclaveError> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(ConclaveError);
  return caught as ConclaveError;
}

async function conclave(args: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (text) => (out += text), err: (text) => (err += text), env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent-conclave-home', ...env }, interactive: () => false });
  return { code, out, err };
}

/** Opens over the images (by the references given), approved by alice and bob. */
async function approvedCeremony(images: { reference: string; name: string; digest: string }[], registryOptions: OciOptions = noDockerConfig) {
  const provenance = writeImageProvenance(home.dir, keys.builder, images);
  const opened = await service.open({
    policyPath: writePolicy(home.dir, keys),
    release: { name: 'app', version: '1.2.3' },
    artifactPaths: [],
    imageReferences: images.map((image) => image.reference),
    registry: registryOptions,
    provenancePaths: [provenance.path],
    provenanceKeyPaths: [provenance.keyPath],
    openerKeyUri: keyUri('rita'),
  });
  later(5);
  await service.approve(opened.view.id, keyUri('alice'));
  later(5);
  const approved = await service.approve(opened.view.id, keyUri('bob'));
  expect(approved.view.state).toBe('approved');
  return approved;
}

describe('opening a ceremony over an image', () => {
  it('pins the tag to its manifest digest once, signs the digest, and keeps signing it after the tag moves', async () => {
    const first = await pushImage(oci, `${registry.host}/demo/pinned`, '1.2.3', 'first build\n');
    const name = `${registry.host}/demo/pinned`;
    const provenance = writeImageProvenance(home.dir, keys.builder, [{ name, digest: first.digest }]);
    const opened = await service.open({
      policyPath: writePolicy(home.dir, keys),
      release: { name: 'app', version: '1.2.3' },
      artifactPaths: [],
      imageReferences: [`${name}:1.2.3`],
      registry: noDockerConfig,
      provenancePaths: [provenance.path],
      provenanceKeyPaths: [provenance.keyPath],
      openerKeyUri: keyUri('rita'),
    });
    expect(opened.view.state).toBe('frozen');
    expect(opened.view.artifacts).toEqual([{ name, digest: { sha256: hexOf(first.digest) }, reference: `${name}@${first.digest}` }]);
    const resolved = opened.view.findings.find((finding) => finding.id === `image-resolved:${name}`)!;
    expect(resolved.status).toBe('pass');
    expect(resolved.message).toContain(`${name}:1.2.3 resolved to ${first.digest}`);
    // The provenance names the image by repository and digest, as container builds do.
    expect(opened.view.findings.find((finding) => finding.id === `artifact-subject:${name}`)?.status).toBe('pass');
    const statement = JSON.parse(new TextDecoder().decode(opened.statement!)) as { subject: unknown[]; predicate: { findings: { id: string; message: string }[] } };
    expect(statement.subject).toEqual([{ name, digest: { sha256: hexOf(first.digest) } }]);
    expect(statement.predicate.findings.find((finding) => finding.id === `image-resolved:${name}`)?.message).toContain(':1.2.3 resolved to');

    // Someone pushes another build under the same tag: what was signed does not follow it.
    const second = await pushImage(oci, `${name}`, '1.2.3', 'second build\n');
    expect(second.digest).not.toBe(first.digest);
    expect((await oci.resolveImage(`${name}:1.2.3`)).digest).toBe(second.digest);
    later(5);
    await service.approve(opened.view.id, keyUri('alice'));
    later(5);
    const approved = await service.approve(opened.view.id, keyUri('bob'));
    expect(approved.view.state).toBe('approved');
    expect(approved.view.artifacts[0]!.digest.sha256).toBe(hexOf(first.digest));
    expect(Buffer.from(approved.statement!).equals(Buffer.from(opened.statement!))).toBe(true);

    later(5);
    const published = await service.publish(opened.view.id, join(home.dir, 'out'), keyUri('rita'), { registry: noDockerConfig });
    expect(published.registry).toEqual([expect.objectContaining({ image: `${name}@${first.digest}`, via: 'referrers-tag', alreadyPresent: false })]);
    expect((await referrersIndex(registry.url, 'demo/pinned', first.digest)).status).toBe(200);
    expect((await referrersIndex(registry.url, 'demo/pinned', second.digest)).status).toBe(404);
    expect((await cosignManifest(registry.url, 'demo/pinned', second.digest)).status).toBe(404);
  });

  it('takes images by digest, with files or without, and refuses two images of one repository', async () => {
    const image = await pushImage(oci, `${registry.host}/demo/by-digest`, '1.0', 'by digest\n');
    const other = await pushImage(oci, `${registry.host}/demo/by-digest`, '2.0', 'another\n');
    const policyPath = writePolicy(home.dir, keys);
    const opened = await service.open({ policyPath, release: { name: 'app', version: '1.0' }, artifactPaths: [], imageReferences: [image.pinned], registry: noDockerConfig, provenancePaths: [], openerKeyUri: keyUri('rita') });
    expect(opened.view.artifacts).toEqual([{ name: `${registry.host}/demo/by-digest`, digest: { sha256: hexOf(image.digest) }, reference: image.pinned }]);
    expect(opened.view.findings.find((finding) => finding.id.startsWith('image-resolved:'))!.message).toContain('The ceremony signs this digest.');

    const twice = await failure(service.open({ policyPath, release: { name: 'app', version: '1.0' }, artifactPaths: [], imageReferences: [image.pinned, other.reference], registry: noDockerConfig, provenancePaths: [], openerKeyUri: keyUri('rita') }));
    expect(twice.message).toMatch(/both in the repository .*one image per repository/);
    const missing = await failure(service.open({ policyPath, release: { name: 'app', version: '1.0' }, artifactPaths: [], imageReferences: [`${registry.host}/demo/by-digest:nope`], registry: noDockerConfig, provenancePaths: [], openerKeyUri: keyUri('rita') }));
    expect(missing.message).toContain(`could not resolve the image ${registry.host}/demo/by-digest:nope`);
    expect(missing.details.cause).toBe('oci-not-found');
    const nothing = await failure(service.open({ policyPath, release: { name: 'app', version: '1.0' }, artifactPaths: [], provenancePaths: [], openerKeyUri: keyUri('rita') }));
    expect(nothing.message).toMatch(/at least one artifact file or image/);
  });

  it('the window\'s contract takes images, and needs at least one artifact file or image', () => {
    const base = { operationId: 'op-12345678', policyPath: '/p/policy.json', release: { name: 'app', version: '1.0' }, provenancePaths: [], keyUri: 'pkcs11:token=rita', pin: null };
    const input = calls['ceremonies.open'].input;
    expect(input.safeParse({ ...base, artifactPaths: [], images: ['ghcr.io/acme/app:1.0'] }).success).toBe(true);
    expect(input.safeParse({ ...base, artifactPaths: ['/dist/app.tgz'] }).success).toBe(true);
    const empty = input.safeParse({ ...base, artifactPaths: [], images: [] });
    expect(empty.success).toBe(false);
    expect(empty.error!.issues[0]!.message).toBe('Add at least one artifact file or image.');
    const bad = input.safeParse({ ...base, artifactPaths: [], images: ['https://ghcr.io/acme/app'] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.message).toMatch(/registry\/repository:tag/);
    expect(input.safeParse({ ...base, artifactPaths: [], images: Array.from({ length: 101 }, (_, index) => `ghcr.io/acme/app${index}:1`) }).success).toBe(false);
  });
});

describe('publishing to the registry', () => {
  let image: PushedImage;
  let name: string;

  beforeAll(async () => {
    image = await pushImage(oci, `${registry.host}/demo/app`, '1.2.3', 'the release\n');
    name = `${registry.host}/demo/app`;
  });

  it('attaches the combined envelope (referrers tag and cosign .att), then records the ceremony as published', async () => {
    const approved = await approvedCeremony([{ reference: `${name}:1.2.3`, name, digest: image.digest }]);
    later(5);
    const published = await service.publish(approved.view.id, join(home.dir, 'out'), keyUri('rita'), { registry: noDockerConfig });
    const envelopeBytes = readFileSync(published.envelopePath);
    expect(published.registry).toHaveLength(1);
    const [entry] = published.registry;
    expect(entry).toMatchObject({ image: image.pinned, via: 'referrers-tag', alreadyPresent: false, cosignTag: `sha256-${hexOf(image.digest)}.att` });
    expect((await service.load(approved.view.id)).view.state).toBe('published');

    // The registry's own API, as any OCI 1.1 client and cosign read it.
    const index = await referrersIndex(registry.url, 'demo/app', image.digest);
    expect(index.status).toBe(200);
    const entries = index.body!.manifests as Record<string, unknown>[];
    // The envelope, then alice's and bob's Sigstore bundles (their time stamps and certificates, for policies that need them).
    expect(entries.map((listed) => listed.artifactType)).toEqual(envelopeAndBundles);
    expect(entries.slice(1, 3).map((listed) => listed.digest)).toEqual(entry!.bundleArtifacts);
    expect(entries.slice(3).map((listed) => listed.digest)).toEqual([entry!.verificationSummary!.artifactDigest, entry!.verificationSummary!.bundleArtifact]);
    expect(entries[0]).toMatchObject({
      digest: entry!.artifactDigest,
      artifactType: 'application/vnd.in-toto+json',
      annotations: {
        'in-toto.io/predicate-type': releasePredicate,
        // The time the statement was frozen: fixed, so publishing again pushes the same bytes.
        'org.opencontainers.image.created': approved.view.frozen!.at.replace(/\.\d{3}Z$/, 'Z'),
        'org.opencontainers.image.title': 'app-1.2.3.intoto.dsse.json',
        'dev.conclave.ceremony.id': approved.view.id,
      },
    });
    const artifact = await manifest(registry.url, 'demo/app', entry!.artifactDigest, 'application/vnd.oci.image.manifest.v1+json');
    expect(artifact.body).toMatchObject({ subject: { digest: image.digest }, layers: [{ mediaType: 'application/vnd.dsse.envelope.v1+json', digest: sha256(envelopeBytes), size: envelopeBytes.length }] });
    const att = await cosignManifest(registry.url, 'demo/app', image.digest);
    const summaryBytes = readFileSync(published.verificationSummary.envelopePath);
    expect(att.body!.layers).toEqual([
      { mediaType: 'application/vnd.dsse.envelope.v1+json', digest: sha256(envelopeBytes), size: envelopeBytes.length, annotations: { 'dev.cosignproject.cosign/signature': '', predicateType: releasePredicate } },
      { mediaType: 'application/vnd.dsse.envelope.v1+json', digest: sha256(summaryBytes), size: summaryBytes.length, annotations: { 'dev.cosignproject.cosign/signature': '', predicateType: 'https://slsa.dev/verification_summary/v1' } },
    ]);
    // The layer is the very envelope file, with both signatures over the statement that names the image by digest.
    const layer = Buffer.from(await (await fetch(`${registry.url}/v2/demo/app/blobs/${sha256(envelopeBytes)}`)).arrayBuffer());
    expect(layer.equals(envelopeBytes)).toBe(true);
    const envelope = JSON.parse(layer.toString('utf8')) as { payload: string; signatures: unknown[] };
    expect(envelope.signatures).toHaveLength(2);
    expect((JSON.parse(new TextDecoder().decode(fromBase64(envelope.payload))) as { subject: unknown }).subject).toEqual([{ name, digest: { sha256: hexOf(image.digest) } }]);

    // The summary tells consumers how to check the image, not a file.
    expect(readFileSync(published.summaryPath, 'utf8')).toContain(`conclave verify --policy app-1.2.3.policy.json oci://${image.pinned}`);

    // Published once: a second publish is refused and the registry is unchanged.
    expect((await failure(service.publish(approved.view.id, join(home.dir, 'out'), keyUri('rita'), { registry: noDockerConfig }))).message).toMatch(/is published, not approved/);
    expect(await listedTypes(registry.url, 'demo/app', image.digest)).toEqual(envelopeAndBundles);

    // conclave verify, from the registry.
    const policyPath = join(home.dir, 'policy.json');
    const verified = await conclave(['verify', '--policy', policyPath, `oci://${image.pinned}`]);
    expect(verified.code, verified.err + verified.out).toBe(0);
    expect(verified.out).toMatch(/^verified: alice, bob \(2 of 2 approvals\)/);
    expect(verified.out).toContain(`artifact ${name}: sha256 ${hexOf(image.digest)} matches subject "${name}"`);
    expect(verified.out).toContain(`envelope ${sha256(envelopeBytes)} attached to ${image.pinned} (referrers tag, artifact ${entry!.artifactDigest}; cosign tag sha256-${hexOf(image.digest)}.att)`);
    const json = JSON.parse((await conclave(['verify', '--policy', policyPath, '--json', `oci://${image.pinned}`])).out) as { ok: boolean; verifiedEnvelope: string; approvedBy: { id: string }[] };
    expect(json).toMatchObject({ ok: true, verifiedEnvelope: sha256(envelopeBytes) });
    expect(json.approvedBy.map((approver) => approver.id)).toEqual(['alice', 'bob']);

    // Under a policy whose keys did not sign, the same attachment does not verify.
    const strangers = makeKeys();
    const otherPolicy = writePolicy(home.dir, strangers, 'other-policy.json');
    const refused = await conclave(['verify', '--policy', otherPolicy, `oci://${image.pinned}`]);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/^NOT verified: none of the 1 Conclave envelope attached/);
    expect(refused.out).toContain('unknown-key');
  });

  it('verify refuses a tag, and fails for an image with nothing attached or approved under another name', async () => {
    const policyPath = writePolicy(home.dir, keys);
    const tag = await conclave(['verify', '--policy', policyPath, `oci://${name}:1.2.3`]);
    expect(tag.code).toBe(2);
    expect(tag.err).toContain('give the digest: conclave verify checks what you deploy, not what a tag points to now');

    const bare = await pushImage(oci, `${registry.host}/demo/bare`, '1.0', 'nothing attached\n');
    const nothing = await conclave(['verify', '--policy', policyPath, `oci://${bare.pinned}`]);
    expect(nothing.code).toBe(1);
    expect(nothing.out).toContain(`NOT verified: no Conclave envelope is attached to ${bare.pinned}`);

    // The same manifest in another repository, carrying an envelope that approves it under its first name.
    const approved = await approvedCeremony([{ reference: `${name}:1.2.3`, name, digest: image.digest }]);
    later(5);
    const published = await service.publish(approved.view.id, join(home.dir, 'out'), keyUri('rita'), { registry: noDockerConfig });
    const copy = await pushImage(oci, `${registry.host}/demo/copy`, '1.2.3', 'the release\n');
    expect(copy.digest).toBe(image.digest);
    await oci.attachEnvelope({ image: `${registry.host}/demo/copy@${image.digest}`, envelope: readFileSync(published.envelopePath), predicateType: releasePredicate });
    const renamed = await conclave(['verify', '--policy', policyPath, `oci://${registry.host}/demo/copy@${image.digest}`]);
    expect(renamed.code).toBe(1);
    expect(renamed.out).toContain(`as "${name}", not as ${registry.host}/demo/copy: it was approved under another repository name`);
    expect((await conclave(['verify', '--policy', policyPath, `oci://${image.pinned}`])).code).toBe(0);
  });
});

describe('a registry that fails while publishing', () => {
  let flaky: RestartableRegistry;
  afterEach(async () => {
    await flaky?.remove();
  });

  it('leaves the ceremony approved, names the image, and publishing again after it is back completes it without duplicates', async () => {
    flaky = await startRestartableRegistry();
    const steady = await pushImage(oci, `${registry.host}/demo/steady`, '1.0', 'steady\n');
    const wobbly = await pushImage(oci, `${flaky.host}/demo/wobbly`, '1.0', 'wobbly\n');
    const approved = await approvedCeremony([
      { reference: steady.reference, name: `${registry.host}/demo/steady`, digest: steady.digest },
      { reference: wobbly.reference, name: `${flaky.host}/demo/wobbly`, digest: wobbly.digest },
    ]);
    await flaky.stop();

    later(5);
    const out = join(home.dir, 'out');
    const refused = await failure(service.publish(approved.view.id, out, keyUri('rita'), { registry: noDockerConfig }));
    expect(refused.message).toContain(`Ceremony ${approved.view.id} is not published: attaching its envelope to the image ${wobbly.pinned} failed.`);
    expect(refused.message).toContain(`could not reach the registry ${flaky.host}`);
    expect(refused.message).toContain(`It is attached to ${steady.pinned} already.`);
    expect(refused.message).toMatch(/stays approved.*publish again/);
    expect(refused.details.cause).toBe('oci-unreachable');
    const after = await service.load(approved.view.id);
    expect(after.view.state).toBe('approved');
    expect(after.events.some((stored) => stored.event.type === 'published')).toBe(false);
    expect(await listedTypes(registry.url, 'demo/steady', steady.digest)).toEqual(envelopeAndBundles);

    await flaky.start();
    expect((await referrersIndex(flaky.url, 'demo/wobbly', wobbly.digest)).status).toBe(404);
    later(5);
    const published = await service.publish(approved.view.id, out, keyUri('rita'), { registry: noDockerConfig });
    expect(published.registry.map(({ image, alreadyPresent }) => ({ image, alreadyPresent }))).toEqual([
      { image: steady.pinned, alreadyPresent: true },
      { image: wobbly.pinned, alreadyPresent: false },
    ]);
    expect((await service.load(approved.view.id)).view.state).toBe('published');
    for (const [base, repository, digest] of [
      [registry.url, 'demo/steady', steady.digest],
      [flaky.url, 'demo/wobbly', wobbly.digest],
    ] as const) {
      expect(await listedTypes(base, repository, digest)).toEqual(envelopeAndBundles);
      expect(((await cosignManifest(base, repository, digest)).body!.layers as unknown[]).length).toBe(cosignLayerCount);
    }
  });

  describe('cut off in the middle of one image', () => {
    let proxy: CuttingProxy;
    afterEach(async () => {
      await proxy?.close();
    });

    it('completes the attachment an interrupted publish left, adding nothing twice', async () => {
      proxy = await startCuttingProxy(Number(registry.host.split(':')[1]));
      const image = await pushImage(oci, `${proxy.host}/demo/cut`, '1.0', 'cut off\n');
      const approved = await approvedCeremony([{ reference: image.reference, name: `${proxy.host}/demo/cut`, digest: image.digest }]);
      // The referrer is written; the registry goes away as cosign's tag is pushed.
      proxy.setCut((method, path) => method === 'PUT' && path.includes('.att'));
      later(5);
      const refused = await failure(service.publish(approved.view.id, join(home.dir, 'out'), keyUri('rita'), { registry: noDockerConfig }));
      expect(refused.message).toContain(`attaching its envelope to the image ${image.pinned} failed`);
      expect(proxy.cut.length).toBeGreaterThan(0);
      expect((await service.load(approved.view.id)).view.state).toBe('approved');
      expect(await listedTypes(registry.url, 'demo/cut', image.digest)).toEqual(['application/vnd.in-toto+json']);
      expect((await cosignManifest(registry.url, 'demo/cut', image.digest)).status).toBe(404);

      proxy.setCut(undefined);
      later(5);
      const published = await service.publish(approved.view.id, join(home.dir, 'out'), keyUri('rita'), { registry: noDockerConfig });
      expect(published.registry[0]).toMatchObject({ image: image.pinned, alreadyPresent: false });
      expect((await service.load(approved.view.id)).view.state).toBe('published');
      expect(await listedTypes(registry.url, 'demo/cut', image.digest)).toEqual(envelopeAndBundles);
      expect(((await cosignManifest(registry.url, 'demo/cut', image.digest)).body!.layers as unknown[]).length).toBe(cosignLayerCount);
    });
  });
});

describe('a registry that needs credentials', () => {
  const password = 'registry-Pa55word';
  let locked: TestRegistry;
  let dockerConfig: string;
  let image: PushedImage;

  beforeAll(async () => {
    locked = await startRegistry({ kind: 'htpasswd', users: { rita: password } });
  });
  afterAll(async () => {
    await locked?.stop();
  });

  it('works with a Docker config (DOCKER_CONFIG) and fails clearly without one', async () => {
    dockerConfig = writeDockerConfig(join(home.dir, 'docker'), { auths: { [locked.host]: { auth: Buffer.from(`rita:${password}`).toString('base64') } } });
    const withConfig: OciOptions = { env: { DOCKER_CONFIG: dockerConfig }, homeDir: '/nonexistent-conclave-home' };
    image = await pushImage(new OciClient(withConfig), `${locked.host}/demo/private`, '1.0', 'private\n');
    const name = `${locked.host}/demo/private`;

    const anonymous = await failure(service.open({ policyPath: writePolicy(home.dir, keys), release: { name: 'app', version: '1.0' }, artifactPaths: [], imageReferences: [image.reference], registry: noDockerConfig, provenancePaths: [], openerKeyUri: keyUri('rita') }));
    expect(anonymous.message).toContain(`could not resolve the image ${image.reference}`);
    expect(anonymous.details.cause).toBe('oci-unauthorized');

    const approved = await approvedCeremony([{ reference: image.reference, name, digest: image.digest }], withConfig);
    later(5);
    const out = join(home.dir, 'out');
    const refused = await failure(service.publish(approved.view.id, out, keyUri('rita'), { registry: noDockerConfig }));
    expect(refused.message).toContain(`attaching its envelope to the image ${image.pinned} failed`);
    expect(refused.details.cause).toBe('oci-unauthorized');
    expect((await service.load(approved.view.id)).view.state).toBe('approved');
    const published = await service.publish(approved.view.id, out, keyUri('rita'), { registry: withConfig });
    expect(published.registry[0]).toMatchObject({ image: image.pinned, alreadyPresent: false });

    // The CLI finds credentials where docker login leaves them: DOCKER_CONFIG, else $HOME/.docker.
    const policyPath = join(home.dir, 'policy.json');
    const verified = await conclave(['verify', '--policy', policyPath, `oci://${image.pinned}`], { DOCKER_CONFIG: dockerConfig });
    expect(verified.code, verified.err).toBe(0);
    expect(verified.out).toMatch(/^verified: alice, bob/);
    const viaHome = await conclave(['verify', '--policy', policyPath, `oci://${image.pinned}`], { HOME: join(home.dir, 'fake-home') });
    expect(viaHome.code).toBe(1);
    writeDockerConfig(join(home.dir, 'fake-home', '.docker'), JSON.parse(readFileSync(join(dockerConfig, 'config.json'), 'utf8')));
    expect((await conclave(['verify', '--policy', policyPath, `oci://${image.pinned}`], { HOME: join(home.dir, 'fake-home') })).code).toBe(0);
    const without = await conclave(['verify', '--policy', policyPath, `oci://${image.pinned}`], { DOCKER_CONFIG: join(home.dir, 'empty-docker') });
    expect(without.code).toBe(1);
    expect(without.err).toMatch(/conclave: .*(credentials|docker login)/i);
    expect(without.err).not.toContain(password);
  });
});

/** An address of this machine that is not loopback, where plain HTTP needs --insecure-registry. */
const networkAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal)?.address;

describe('a plain-HTTP registry that is not on loopback', () => {
  let proxy: CuttingProxy;
  afterEach(async () => {
    await proxy?.close();
  });

  it.skipIf(networkAddress === undefined)('is refused with how to allow it, and works with --insecure-registry (insecureRegistries)', async () => {
    proxy = await startCuttingProxy(Number(registry.host.split(':')[1]), networkAddress);
    const insecure: OciOptions = { ...noDockerConfig, insecureRegistries: [proxy.host] };
    // acme/app, as docs/verify.md names it.
    const image = await pushImage(new OciClient(insecure), `${proxy.host}/acme/app`, '1.0', 'plain http\n');
    const name = `${proxy.host}/acme/app`;
    const refused = await failure(service.open({ policyPath: writePolicy(home.dir, keys), release: { name: 'app', version: '1.0' }, artifactPaths: [], imageReferences: [image.reference], registry: noDockerConfig, provenancePaths: [], openerKeyUri: keyUri('rita') }));
    expect(refused.details.cause).toBe('oci-insecure-refused');
    expect(refused.message).toContain(`--insecure-registry ${proxy.host}`);

    const approved = await approvedCeremony([{ reference: image.reference, name, digest: image.digest }], insecure);
    later(5);
    const published = await service.publish(approved.view.id, join(home.dir, 'out'), keyUri('rita'), { registry: insecure });
    expect(published.registry[0]).toMatchObject({ image: image.pinned, alreadyPresent: false });

    const policyPath = join(home.dir, 'policy.json');
    const without = await conclave(['verify', '--policy', policyPath, `oci://${image.pinned}`]);
    expect(without.code).toBe(1);
    expect(without.err).toContain(`--insecure-registry ${proxy.host}`);
    // The command of docs/verify.md's block insecure-registry, with this registry and digest.
    const documented = shellWords(fencedBlock('insecure-registry').replaceAll('registry.internal:5000', proxy.host).replace('sha256:<digest>', image.digest).replace('release-policy.json', policyPath));
    expect(documented.at(-1)).toBe(`oci://${image.pinned}`);
    expect(documented.slice(0, 4)).toEqual(['conclave', 'verify', '--policy', policyPath]);
    const withFlag = await conclave(documented.slice(1));
    expect(withFlag.code, withFlag.err).toBe(0);
    expect(withFlag.out).toMatch(/^verified: alice, bob/);
  });
});
