/**
 * Against a real registry (docker-registry 2.8, which has no referrers API,
 * so attachments go through the referrers tag schema): resolving, attaching,
 * finding, idempotency and refusing tampered content. What Conclave wrote is
 * also read back with plain fetch, as another tool would see it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciClient, OciError } from '../../electron/core/oci';
import { startRegistry, type TestRegistry } from '../support/registry';
import { makeStatementEnvelope, pushImage, releasePredicate, sha256, type PushedImage } from './fixtures';

let registry: TestRegistry;
let client: OciClient;
let image: PushedImage;
const emptyHome = { homeDir: '/nonexistent-conclave-home', env: {} };

beforeAll(async () => {
  registry = await startRegistry();
  client = new OciClient(emptyHome);
  image = await pushImage(client, `${registry.host}/demo/app`, '1.0');
});

afterAll(async () => {
  await registry?.stop();
});

async function getManifest(path: string, accept: string) {
  const response = await fetch(`${registry.url}/v2/${path}`, { headers: { Accept: accept } });
  return { status: response.status, body: response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined };
}

async function expectOciError(promise: Promise<unknown>, code: string): Promise<OciError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OciError);
  expect((error as OciError).code).toBe(code);
  return error as OciError;
}

describe('resolveImage', () => {
  it('resolves a tag to the sha256 of the manifest bytes the registry holds', async () => {
    const resolved = await client.resolveImage(`${registry.host}/demo/app:1.0`);
    expect(resolved).toMatchObject({ registry: registry.host, repository: 'demo/app', digest: sha256(image.manifest), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: image.manifest.length });
    expect(resolved.pinned).toBe(`${registry.host}/demo/app@${resolved.digest}`);
    const head = await fetch(`${registry.url}/v2/demo/app/manifests/1.0`, { method: 'HEAD', headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(head.headers.get('docker-content-digest')).toBe(resolved.digest);
  });

  it('checks that a digest exists, and says oci-not-found when it does not', async () => {
    await expect(client.resolveImage(image.pinned)).resolves.toMatchObject({ digest: image.digest });
    const missing = `${registry.host}/demo/app@sha256:${'0'.repeat(64)}`;
    const error = await expectOciError(client.resolveImage(missing), 'oci-not-found');
    expect(error.message).toContain('push the image first');
    await expectOciError(client.resolveImage(`${registry.host}/demo/app:no-such-tag`), 'oci-not-found');
    await expectOciError(client.findEnvelopes(missing), 'oci-not-found');
  });
});

describe('attaching and finding envelopes (referrers tag schema)', () => {
  it('returns [] for an image with nothing attached', async () => {
    const bare = await pushImage(client, `${registry.host}/demo/bare`, '1.0', 'nothing attached\n');
    await expect(client.findEnvelopes(bare.pinned)).resolves.toEqual([]);
  });

  it('refuses to attach to a tag: the image must be pinned by digest', async () => {
    await expectOciError(client.attachEnvelope({ image: `${registry.host}/demo/app:1.0`, envelope: makeStatementEnvelope(image.digest, 'x'), predicateType: releasePredicate }), 'oci-reference-invalid');
  });

  it('refuses an envelope whose statement has another predicate type than announced', async () => {
    const envelope = makeStatementEnvelope(image.digest, 'x', 'https://slsa.dev/provenance/v1');
    const error = await expectOciError(client.attachEnvelope({ image: image.pinned, envelope, predicateType: releasePredicate }), 'oci-envelope-invalid');
    expect(error.message).toContain('https://slsa.dev/provenance/v1');
  });

  it('attaches once, finds it byte-identical, and adds nothing when attached again', async () => {
    const envelope = makeStatementEnvelope(image.digest, 'first');
    const created = new Date('2026-11-22T10:00:00Z');
    const first = await client.attachEnvelope({ image: image.pinned, envelope, predicateType: releasePredicate, created, annotations: { 'org.opencontainers.image.title': 'app-1.0' } });
    const hex = image.digest.slice('sha256:'.length);
    expect(first).toMatchObject({ via: 'referrers-tag', alreadyPresent: false, cosignTag: `sha256-${hex}.att` });

    // The referrers tag, as any OCI 1.1 client falls back to it.
    const index = await getManifest(`demo/app/manifests/sha256-${hex}`, 'application/vnd.oci.image.index.v1+json');
    expect(index.body).toMatchObject({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json' });
    const entries = index.body!.manifests as Record<string, unknown>[];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: first.artifactDigest,
      artifactType: 'application/vnd.in-toto+json',
      annotations: { 'in-toto.io/predicate-type': releasePredicate, 'org.opencontainers.image.created': '2026-11-22T10:00:00Z', 'org.opencontainers.image.title': 'app-1.0' },
    });

    // The artifact manifest itself: empty config, one DSSE layer, the image as subject.
    const artifact = await getManifest(`demo/app/manifests/${first.artifactDigest}`, 'application/vnd.oci.image.manifest.v1+json');
    expect(artifact.body).toMatchObject({
      artifactType: 'application/vnd.in-toto+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
      layers: [{ mediaType: 'application/vnd.dsse.envelope.v1+json', digest: sha256(envelope), size: envelope.length }],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.digest, size: image.manifest.length },
    });
    const layerBytes = new Uint8Array(await (await fetch(`${registry.url}/v2/demo/app/blobs/${sha256(envelope)}`)).arrayBuffer());
    expect(Buffer.from(layerBytes).equals(Buffer.from(envelope))).toBe(true);

    // cosign's layout: the .att manifest with our layer and cosign's annotations.
    const att = await getManifest(`demo/app/manifests/sha256-${hex}.att`, 'application/vnd.oci.image.manifest.v1+json');
    expect(att.body).toMatchObject({ mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json' } });
    expect(att.body!.layers).toEqual([
      { mediaType: 'application/vnd.dsse.envelope.v1+json', digest: sha256(envelope), size: envelope.length, annotations: { 'dev.cosignproject.cosign/signature': '', predicateType: releasePredicate } },
    ]);
    const attConfig = (await (await fetch(`${registry.url}/v2/demo/app/blobs/${(att.body!.config as { digest: string }).digest}`)).json()) as { rootfs: { diff_ids: string[] } };
    expect(attConfig.rootfs.diff_ids).toEqual([sha256(envelope)]);

    const found = await client.findEnvelopes(image.pinned);
    expect(found).toHaveLength(1);
    expect(Buffer.from(found[0]!.envelope).equals(Buffer.from(envelope))).toBe(true);
    expect(found[0]).toMatchObject({ digest: sha256(envelope), payloadType: 'application/vnd.in-toto+json', predicateType: releasePredicate });
    expect(found[0]!.locations).toEqual([
      { via: 'referrers-tag', manifestDigest: first.artifactDigest },
      { via: 'cosign-tag', tag: `sha256-${hex}.att`, manifestDigest: first.cosignManifestDigest },
    ]);

    // Again, even at another time: the envelope is found by its digest, nothing is added.
    const again = await client.attachEnvelope({ image: image.pinned, envelope, predicateType: releasePredicate });
    expect(again).toMatchObject({ alreadyPresent: true, artifactDigest: first.artifactDigest, via: 'referrers-tag', cosignManifestDigest: first.cosignManifestDigest });
    expect(((await getManifest(`demo/app/manifests/sha256-${hex}`, 'application/vnd.oci.image.index.v1+json')).body!.manifests as unknown[]).length).toBe(1);
    expect(((await getManifest(`demo/app/manifests/sha256-${hex}.att`, 'application/vnd.oci.image.manifest.v1+json')).body!.layers as unknown[]).length).toBe(1);
  });

  it('keeps both when a second, different envelope is attached, and filters by the signed predicate type', async () => {
    const second = makeStatementEnvelope(image.digest, 'second', 'https://slsa.dev/provenance/v1');
    const result = await client.attachEnvelope({ image: image.pinned, envelope: second, predicateType: 'https://slsa.dev/provenance/v1' });
    expect(result.alreadyPresent).toBe(false);
    const hex = image.digest.slice('sha256:'.length);
    expect(((await getManifest(`demo/app/manifests/sha256-${hex}`, 'application/vnd.oci.image.index.v1+json')).body!.manifests as unknown[]).length).toBe(2);
    const att = await getManifest(`demo/app/manifests/sha256-${hex}.att`, 'application/vnd.oci.image.manifest.v1+json');
    expect((att.body!.layers as { annotations: Record<string, string> }[]).map((layer) => layer.annotations.predicateType)).toEqual([releasePredicate, 'https://slsa.dev/provenance/v1']);

    const all = await client.findEnvelopes(image.pinned);
    expect(all.map((found) => found.predicateType)).toEqual([releasePredicate, 'https://slsa.dev/provenance/v1']);
    const onlyRelease = await client.findEnvelopes(image.pinned, { predicateType: releasePredicate });
    expect(onlyRelease).toHaveLength(1);
    expect(onlyRelease[0]!.predicateType).toBe(releasePredicate);
  });

  it('completes an attachment whose referrers tag was never written (an interrupted run) and leaves others in place', async () => {
    const other = await pushImage(client, `${registry.host}/demo/retry`, '1.0', 'retry\n');
    const envelope = makeStatementEnvelope(other.digest, 'retry');
    const hex = other.digest.slice('sha256:'.length);
    const created = new Date('2026-11-22T11:00:00Z');
    // The first run: blobs and the artifact manifest made it; the tags did not.
    await client.attachEnvelope({ image: other.pinned, envelope, predicateType: releasePredicate, created });
    await fetch(`${registry.url}/v2/demo/retry/manifests/${(await fetch(`${registry.url}/v2/demo/retry/manifests/sha256-${hex}`, { method: 'HEAD', headers: { Accept: 'application/vnd.oci.image.index.v1+json' } })).headers.get('docker-content-digest')}`, { method: 'DELETE' });
    expect((await getManifest(`demo/retry/manifests/sha256-${hex}`, 'application/vnd.oci.image.index.v1+json')).status).toBe(404);

    const retried = await client.attachEnvelope({ image: other.pinned, envelope, predicateType: releasePredicate, created });
    expect(retried).toMatchObject({ via: 'referrers-tag', alreadyPresent: false });
    const index = await getManifest(`demo/retry/manifests/sha256-${hex}`, 'application/vnd.oci.image.index.v1+json');
    expect((index.body!.manifests as { digest: string }[]).map((entry) => entry.digest)).toEqual([retried.artifactDigest]);
    expect(((await getManifest(`demo/retry/manifests/sha256-${hex}.att`, 'application/vnd.oci.image.manifest.v1+json')).body!.layers as unknown[]).length).toBe(1);
  });

  it('refuses a layer whose bytes no longer match its digest', async () => {
    const victim = await pushImage(client, `${registry.host}/demo/tampered`, '1.0', 'tampered\n');
    const envelope = makeStatementEnvelope(victim.digest, 'genuine');
    await client.attachEnvelope({ image: victim.pinned, envelope, predicateType: releasePredicate });
    // Change the stored blob behind the registry's back, as a compromised storage backend could.
    const hex = sha256(envelope).slice('sha256:'.length);
    const data = join(registry.dir, 'storage', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    writeFileSync(data, readFileSync(data, 'utf8').replace('"payloadType"', '"payloadType" '));
    const error = await expectOciError(client.findEnvelopes(victim.pinned), 'oci-digest-mismatch');
    expect(error.message).toContain(sha256(envelope));
  });

  it('refuses a manifest the registry serves under a digest it does not hash to', async () => {
    const victim = await pushImage(client, `${registry.host}/demo/badmanifest`, '1.0', 'bad manifest\n');
    const hex = victim.digest.slice('sha256:'.length);
    const data = join(registry.dir, 'storage', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    writeFileSync(data, readFileSync(data, 'utf8').replace('"schemaVersion":2', '"schemaVersion": 2'));
    await expectOciError(client.resolveImage(`${registry.host}/demo/badmanifest:1.0`), 'oci-digest-mismatch');
  });
});
