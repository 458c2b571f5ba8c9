/**
 * What docker-registry 2.8 cannot show, against a small in-process fake
 * (no registry with the referrers API is packaged for Debian): publishing
 * through the OCI 1.1 referrers API, and the tag schema's read-modify-write
 * when another writer steps in, with and without If-Match.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OciClient, OciError } from '../../electron/core/oci';
import { makeStatementEnvelope, pushImage, releasePredicate, sha256 } from './fixtures';
import { startFakeRegistry, type FakeRegistry } from './fake-registry';

const options = { homeDir: '/nonexistent-conclave-home', env: {} };
let fake: FakeRegistry | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Another tool's referrer of `subject`, already in the registry. */
function otherReferrer(registry: FakeRegistry, subject: { digest: string; size: number }, name: string) {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.example.sbom',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
      layers: [],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...subject },
      annotations: { name },
    }),
  );
  const digest = registry.storeManifest('demo/app', 'x', bytes, 'application/vnd.oci.image.manifest.v1+json');
  registry.tags.delete('demo/app:x');
  return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: bytes.length, artifactType: 'application/vnd.example.sbom', annotations: { name } };
}

function writeIndex(registry: FakeRegistry, tag: string, manifests: unknown[]) {
  registry.storeManifest('demo/app', tag, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests })), 'application/vnd.oci.image.index.v1+json');
}

function readIndex(registry: FakeRegistry, tag: string): { digest: string }[] {
  const digest = registry.tags.get(`demo/app:${tag}`)!;
  return (JSON.parse(registry.manifests.get(`demo/app@${digest}`)!.bytes.toString('utf8')) as { manifests: { digest: string }[] }).manifests;
}

describe('a registry with the referrers API', () => {
  it('publishes through it (OCI-Subject), writes no referrers tag, finds it there and adds nothing twice', async () => {
    fake = await startFakeRegistry({ referrersApi: true, ifMatch: true });
    const client = new OciClient(options);
    const image = await pushImage(client, `${fake.host}/demo/app`, '1.0');
    const envelope = makeStatementEnvelope(image.digest, 'api');
    const result = await client.attachEnvelope({ image: image.pinned, envelope, predicateType: releasePredicate });
    expect(result).toMatchObject({ via: 'referrers-api', alreadyPresent: false });
    const hex = image.digest.slice('sha256:'.length);
    expect(fake.tags.has(`demo/app:sha256-${hex}`)).toBe(false);
    expect(fake.tags.has(`demo/app:sha256-${hex}.att`)).toBe(true);

    const listed = (await (await fetch(`${fake.url}/v2/demo/app/referrers/${image.digest}`)).json()) as { manifests: Record<string, unknown>[] };
    expect(listed.manifests).toEqual([expect.objectContaining({ digest: result.artifactDigest, artifactType: 'application/vnd.in-toto+json' })]);

    const found = await client.findEnvelopes(image.pinned);
    expect(found).toHaveLength(1);
    expect(Buffer.from(found[0]!.envelope).equals(Buffer.from(envelope))).toBe(true);
    expect(found[0]!.locations.map((location) => location.via)).toEqual(['referrers-api', 'cosign-tag']);

    const again = await client.attachEnvelope({ image: image.pinned, envelope, predicateType: releasePredicate });
    expect(again).toMatchObject({ via: 'referrers-api', alreadyPresent: true, artifactDigest: result.artifactDigest });
    expect(((await (await fetch(`${fake.url}/v2/demo/app/referrers/${image.digest}`)).json()) as { manifests: unknown[] }).manifests).toHaveLength(1);
  });
});

describe('the referrers tag schema with another writer', () => {
  it('retries after 412 when the tag moved between our read and our If-Match write, keeping the other entries', async () => {
    fake = await startFakeRegistry({ referrersApi: false, ifMatch: true });
    const registry = fake;
    const client = new OciClient(options);
    const image = await pushImage(client, `${registry.host}/demo/app`, '1.0');
    const tag = `sha256-${image.digest.slice('sha256:'.length)}`;
    const a = otherReferrer(registry, { digest: image.digest, size: image.manifest.length }, 'a');
    const b = otherReferrer(registry, { digest: image.digest, size: image.manifest.length }, 'b');
    writeIndex(registry, tag, [a]);
    registry.beforeManifestPut = (_repository, reference) => {
      if (reference !== tag) return false;
      writeIndex(registry, tag, [a, b]); // the other writer got there first
      return true;
    };
    const result = await client.attachEnvelope({ image: image.pinned, envelope: makeStatementEnvelope(image.digest, 'race'), predicateType: releasePredicate });
    expect(result.via).toBe('referrers-tag');
    expect(readIndex(registry, tag).map((entry) => entry.digest)).toEqual([a.digest, b.digest, result.artifactDigest]);
    expect(registry.log.filter((line) => line === `PUT /v2/demo/app/manifests/${tag}`)).toHaveLength(2);
  });

  it('without If-Match, reads the tag again after writing and adds its entry back when another write replaced it', async () => {
    fake = await startFakeRegistry({ referrersApi: false, ifMatch: false });
    const registry = fake;
    const client = new OciClient(options);
    const image = await pushImage(client, `${registry.host}/demo/app`, '1.0');
    const tag = `sha256-${image.digest.slice('sha256:'.length)}`;
    const a = otherReferrer(registry, { digest: image.digest, size: image.manifest.length }, 'a');
    registry.afterManifestPut = (_repository, reference) => {
      if (reference !== tag) return false;
      writeIndex(registry, tag, [a]); // a writer that read before us overwrote our index
      return true;
    };
    const result = await client.attachEnvelope({ image: image.pinned, envelope: makeStatementEnvelope(image.digest, 'lost'), predicateType: releasePredicate });
    expect(readIndex(registry, tag).map((entry) => entry.digest)).toEqual([a.digest, result.artifactDigest]);
    const found = await client.findEnvelopes(image.pinned);
    expect(found).toHaveLength(1);
  });
});

describe('untrusted registry answers', () => {
  it('refuses a redirect to plain HTTP on another host without contacting it', async () => {
    fake = await startFakeRegistry({ referrersApi: false, ifMatch: false });
    const registry = fake;
    const client = new OciClient(options);
    const image = await pushImage(client, `${registry.host}/demo/app`, '1.0');
    const envelope = makeStatementEnvelope(image.digest, 'redirect');
    await client.attachEnvelope({ image: image.pinned, envelope, predicateType: releasePredicate });
    const blob = sha256(envelope);
    registry.overrides.set(`/v2/demo/app/blobs/${blob}`, (response) => response.writeHead(307, { Location: `http://blobs.registry.example:8080/${blob}` }).end());
    const error = await client.findEnvelopes(image.pinned).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OciError);
    expect((error as OciError).code).toBe('oci-insecure-refused');
    expect((error as OciError).message).toContain('blobs.registry.example:8080');
  });

  it('stops reading a layer larger than 16 MiB', async () => {
    fake = await startFakeRegistry({ referrersApi: false, ifMatch: false });
    const registry = fake;
    const client = new OciClient(options);
    const image = await pushImage(client, `${registry.host}/demo/app`, '1.0');
    const envelope = makeStatementEnvelope(image.digest, 'big');
    await client.attachEnvelope({ image: image.pinned, envelope, predicateType: releasePredicate });
    const blob = sha256(envelope);
    registry.blobs.set(blob, Buffer.alloc(17 * 1024 * 1024, 0x20));
    const error = await client.findEnvelopes(image.pinned).catch((caught: unknown) => caught);
    expect((error as OciError).code).toBe('oci-too-large');
  });
});
