/**
 * Notary Project signatures (issue 14, point 5), end to end with real parts:
 * certificate approvers with keys and certificates on SoftHSM2 tokens (the
 * identity lab), a real `openssl ts` TSA, Debian's docker-registry. Approving
 * signs the image's Notary signature on the token with the approval;
 * publishing attaches it as a referrer. What a Notation user relies on is
 * checked with implementations Conclave did not write: `jose` verifies each
 * JWS by the Notary Project specification (specs/signature-envelope-jws.md),
 * Node's X509Certificate the x5c chain, the OCI image-spec JSON schema
 * (tests/notary/fixtures/image-spec, opencontainers/image-spec 13cff54) the
 * signature manifest, `openssl ts -verify` the RFC 3161 counter-signature.
 * A Notary signature over another image, slipped into an approval by its own
 * approver, makes Conclave's judge refuse the approval.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import draft04 from 'ajv/lib/refs/json-schema-draft-04.json';
import { flattenedVerify, importX509, type FlattenedJWSInput } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CeremonyService } from '../../electron/core/ceremony/ceremony-service';
import { attachNotarySignature } from '../../electron/core/ceremony/notary-signatures';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { OciClient, type OciOptions } from '../../electron/core/oci';
import { fetchingCrlProvider } from '../../electron/core/x509/crl-provider';
import { eventPayloadType, type ApprovedEvent } from '../../shared/ceremony/events';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { pae } from '../../shared/dsse/pae';
import { fromBase64, toBase64 } from '../../shared/encoding/base64';
import { jwsSignatureValue, notaryEnvelope, prepareNotarySignature } from '../../shared/notary/signature';
import { readNotarySignature } from '../../shared/notary/check';
import { pushImage, type PushedImage } from '../oci/fixtures';
import { makeIdentityLab, type IdentityLab } from '../identity/lab';
import { writeImageProvenance } from '../oci-ceremony/support/ceremony';
import { startRegistry, type TestRegistry } from '../support/registry';
import { makeDataDir } from '../support/softhsm';
import { makeTestKey } from '../support/test-keys';
import { openssl } from '../support/tsa';

const notaryArtifactType = 'application/vnd.cncf.notary.signature';
const jwsMediaType = 'application/jose+json';
const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
const ociIndex = 'application/vnd.oci.image.index.v1+json';
const noDockerConfig: OciOptions = { homeDir: '/nonexistent-conclave-home', env: {} };
const sha256Hex = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const algorithms = { alice: 'ES256', bob: 'ES384' } as const;
type Approver = keyof typeof algorithms;

interface NotaryJws extends FlattenedJWSInput {
  payload: string;
  protected: string;
  header: { x5c: string[]; 'io.cncf.notary.timestampSignature'?: string };
}

let lab: IdentityLab;
let registry: TestRegistry;
let home: ReturnType<typeof makeDataDir>;
let storeDir: string;
let work: string;
let policyPath: string;
let image: PushedImage;
let otherImage: PushedImage;
let provenance: { path: string; keyPath: string };

const service = () => new CeremonyService(new CeremonyStore(storeDir), lab.signer, () => new Date(), {}, fetchingCrlProvider());

/** The OCI image-spec's own JSON schema for image manifests (draft-04, its `id`s dropped so the files refer to each other by name). */
function manifestValidator() {
  const ajv = new Ajv({ schemaId: 'auto', allErrors: true });
  ajv.addMetaSchema(draft04);
  const dropIds = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(dropIds) : typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'id').map(([key, entry]) => [key, dropIds(entry)])) : value;
  const schema = (name: string) => dropIds(JSON.parse(readFileSync(fileURLToPath(new URL(`./fixtures/image-spec/${name}`, import.meta.url)), 'utf8'))) as object;
  for (const name of ['defs.json', 'defs-descriptor.json', 'content-descriptor.json']) ajv.addSchema(schema(name), name);
  return ajv.compile(schema('image-manifest-schema.json'));
}

/** GET from the registry's own HTTP API. */
async function registryGet(path: string, accept?: string): Promise<{ status: number; bytes: Uint8Array; contentType: string | null }> {
  const response = await fetch(`http://${registry.host}/v2/${path}`, { headers: accept ? { accept } : {} });
  return { status: response.status, bytes: new Uint8Array(await response.arrayBuffer()), contentType: response.headers.get('content-type') };
}

/** The image's referrers, from the referrers API or, on a registry without it, the referrers tag (distribution-spec 1.1). */
async function referrers(repository: string, digest: string): Promise<{ artifactType?: string; digest: string }[]> {
  const api = await registryGet(`${repository}/referrers/${digest}`, ociIndex);
  const index = api.status === 200 ? api : await registryGet(`${repository}/manifests/${digest.replace(':', '-')}`, ociIndex);
  expect(index.status).toBe(200);
  return (JSON.parse(new TextDecoder().decode(index.bytes)) as { manifests: { artifactType?: string; digest: string }[] }).manifests;
}

/** Verifies a Notary JWS as the specification says a verifier must, with jose: the key from x5c[0], `alg` as the key's, `crit` understood. */
async function verifyNotaryJws(envelope: Uint8Array, alg: string) {
  const jws = JSON.parse(new TextDecoder().decode(envelope)) as NotaryJws;
  const leaf = new X509Certificate(Buffer.from(jws.header.x5c[0]!, 'base64'));
  const key = await importX509(leaf.toString(), alg);
  const verified = await flattenedVerify(jws, key, { algorithms: [alg], crit: { 'io.cncf.notary.signingScheme': true } });
  return { jws, verified, payload: JSON.parse(new TextDecoder().decode(verified.payload)) as { targetArtifact: Record<string, unknown> & { annotations: Record<string, string> } } };
}

async function openCeremony(version: string): Promise<string> {
  const opened = await service().open({
    policyPath,
    release: { name: 'app', version },
    artifactPaths: [],
    imageReferences: [image.pinned],
    registry: noDockerConfig,
    provenancePaths: [provenance.path],
    provenanceKeyPaths: [provenance.keyPath],
    openerKeyUri: lab.keyUri('rita'),
  });
  expect(opened.view.state).toBe('frozen');
  return opened.view.id;
}

const approvalOf = (events: readonly { event: { type: string; keyId?: string } }[], who: Approver) => events.find((entry) => entry.event.type === 'approved' && entry.event.keyId === lab.keys[who].keyId)!.event as ApprovedEvent;

beforeAll(async () => {
  lab = await makeIdentityLab();
  registry = await startRegistry();
  home = makeDataDir();
  storeDir = join(home.dir, 'store');
  work = join(home.dir, 'work');
  mkdirSync(storeDir);
  mkdirSync(work);
  const oci = new OciClient(noDockerConfig);
  image = await pushImage(oci, `${registry.host}/acme/app`, '1.0.0');
  otherImage = await pushImage(oci, `${registry.host}/acme/other`, '6.6.6', 'not the release\n');
  provenance = writeImageProvenance(work, makeTestKey('ecdsa-p256'), [{ name: `${registry.host}/acme/app`, digest: image.digest }]);
  policyPath = join(work, 'policy.json');
  writeFileSync(policyPath, JSON.stringify(lab.policy(), null, 2));
}, 240_000);

afterAll(async () => {
  await registry?.stop();
  await lab?.close();
  home?.cleanup();
});

describe('Notary Project signatures of certificate approvers', () => {
  it('are signed on the token with the approval, verify by the specification with jose, and are attached for notation', async () => {
    const id = await openCeremony('1.0.0');
    for (const who of ['alice', 'bob'] as const) await service().approve(id, lab.keyUri(who), { registry: noDockerConfig });
    const loaded = await service().load(id);
    expect(loaded.view.state).toBe('approved');
    expect(loaded.view.problems).toEqual([]);

    // The descriptor notation compares with the image: the manifest exactly as the registry serves it.
    const manifest = await registryGet(`acme/app/manifests/${image.digest}`, ociManifest);
    const descriptor = { mediaType: manifest.contentType, digest: `sha256:${sha256Hex(manifest.bytes)}`, size: manifest.bytes.length };
    expect(descriptor.digest).toBe(image.digest);

    const stored = new Map<Approver, Uint8Array>();
    for (const who of ['alice', 'bob'] as const) {
      const approval = approvalOf(loaded.events, who);
      expect(approval.notarySignatures).toHaveLength(1);
      const envelope = fromBase64(approval.notarySignatures![0]!);
      stored.set(who, envelope);
      const { jws, verified, payload } = await verifyNotaryJws(envelope, algorithms[who]);
      // signature-envelope-jws.md "Protected Headers".
      expect(verified.protectedHeader).toMatchObject({ alg: algorithms[who], cty: 'application/vnd.cncf.notary.payload.v1+json', 'io.cncf.notary.signingScheme': 'notary.x509', crit: ['io.cncf.notary.signingScheme'] });
      const signingTime = verified.protectedHeader!['io.cncf.notary.signingTime'] as string;
      expect(signingTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(Math.abs(Date.parse(signingTime) - Date.parse(approval.at))).toBeLessThan(60_000);
      // The payload names this image's manifest, and carries the ceremony's statement and policy as signed annotations.
      expect(payload.targetArtifact).toMatchObject(descriptor);
      expect(payload.targetArtifact.annotations).toEqual({ 'dev.conclave.ceremony.id': id, 'dev.conclave.statement.sha256': loaded.view.frozen!.statementDigest, 'dev.conclave.policy.sha256': loaded.view.policyDigest });
      // x5c: the approver's certificate, then the issuing CA, then the root, each issued and signed by the next.
      const chain = jws.header.x5c.map((entry) => new X509Certificate(Buffer.from(entry, 'base64')));
      expect(chain.map((certificate) => certificate.raw.toString('base64'))).toEqual([lab.certificates[who]!.der, lab.ca.intermediate.der, lab.ca.root.der].map((der) => Buffer.from(der).toString('base64')));
      for (const [index, certificate] of chain.entries()) {
        const issuer = chain[Math.min(index + 1, chain.length - 1)]!;
        expect(certificate.checkIssued(issuer)).toBe(true);
        expect(certificate.verify(issuer.publicKey)).toBe(true);
      }
      // Anything else signed with the same headers does not verify: the signature covers the payload.
      const tampered = { ...jws, payload: Buffer.from(JSON.stringify({ targetArtifact: { ...payload.targetArtifact, digest: otherImage.digest } })).toString('base64url') };
      await expect(flattenedVerify(tampered, await importX509(chain[0]!.toString(), algorithms[who]), { algorithms: [algorithms[who]], crit: { 'io.cncf.notary.signingScheme': true } })).rejects.toThrow();
    }

    // Before anything is pushed, the forecast says what notation will say, per certificate approver.
    const forecast = await service().forecastPublish(id, lab.keyUri('rita'));
    const notation = forecast.verifiers.filter((entry) => entry.verifier === 'notation');
    expect(notation.map((entry) => [entry.approverId, entry.verdict])).toEqual([
      ['alice', 'accepts'],
      ['bob', 'accepts'],
      [undefined, 'accepts'],
    ]);
    expect(notation[2]!.line).toBe('notation verify: accepts (Notary signatures by alice, bob); Kyverno Notary attestor: 2 of 2 required');

    const published = await service().publish(id, join(work, 'out'), lab.keyUri('rita'), { registry: noDockerConfig });
    expect(published.registry[0]!.notaryArtifacts).toHaveLength(2);

    // In the registry: one signature manifest per approver, of the Notary artifactType, valid by the image-spec schema.
    const validate = manifestValidator();
    const listed = (await referrers('acme/app', image.digest)).filter((entry) => entry.artifactType === notaryArtifactType);
    expect(listed.map((entry) => entry.digest).sort()).toEqual([...published.registry[0]!.notaryArtifacts!].sort());
    const layers: Uint8Array[] = [];
    for (const entry of listed) {
      const fetched = await registryGet(`acme/app/manifests/${entry.digest}`, ociManifest);
      const signatureManifest = JSON.parse(new TextDecoder().decode(fetched.bytes)) as {
        mediaType: string;
        artifactType: string;
        config: { mediaType: string };
        layers: { mediaType: string; digest: string; size: number }[];
        subject: Record<string, unknown>;
        annotations: Record<string, string>;
      };
      expect(validate(signatureManifest), JSON.stringify(validate.errors)).toBe(true);
      expect(signatureManifest).toMatchObject({ mediaType: ociManifest, artifactType: notaryArtifactType, config: { mediaType: 'application/vnd.oci.empty.v1+json' }, subject: descriptor });
      expect(signatureManifest.layers).toHaveLength(1);
      expect(signatureManifest.layers[0]!.mediaType).toBe(jwsMediaType);
      const layer = await registryGet(`acme/app/blobs/${signatureManifest.layers[0]!.digest}`);
      layers.push(layer.bytes);
      // The chain's thumbprints, as notation writes them: SHA-256 of each x5c certificate.
      const x5c = (JSON.parse(new TextDecoder().decode(layer.bytes)) as NotaryJws).header.x5c;
      expect(JSON.parse(signatureManifest.annotations['io.cncf.notary.x509chain.thumbprint#S256']!)).toEqual(x5c.map((entry) => sha256Hex(Buffer.from(entry, 'base64'))));
    }
    // Exactly the envelopes the approvers' tokens signed, byte for byte.
    const asText = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
    expect(layers.map(asText).sort()).toEqual([...stored.values()].map(asText).sort());

    // Attaching again (a publish retried after a registry failed) adds nothing.
    const again = await attachNotarySignature(new OciClient(noDockerConfig), { image: image.pinned, envelope: stored.get('alice')! }, id, new Date());
    expect(again.alreadyPresent).toBe(true);
    expect((await referrers('acme/app', image.digest)).filter((entry) => entry.artifactType === notaryArtifactType)).toHaveLength(2);
  }, 300_000);

  it('carry an RFC 3161 counter-signature over the signature value that openssl ts -verify accepts, when the policy has a TSA', async () => {
    const id = await openCeremony('1.0.1');
    await service().approve(id, lab.keyUri('alice'), { registry: noDockerConfig });
    const approval = approvalOf((await service().load(id)).events, 'alice');
    const { jws } = await verifyNotaryJws(fromBase64(approval.notarySignatures![0]!), 'ES256');
    const token = jws.header['io.cncf.notary.timestampSignature'];
    expect(token).toBeDefined();
    const dir = join(work, 'ts');
    mkdirSync(dir, { recursive: true });
    const files = { token: join(dir, 'token.der'), signature: join(dir, 'signature.bin'), other: join(dir, 'other.bin'), ca: join(dir, 'tsa-root.pem'), tsa: join(dir, 'tsa.pem') };
    writeFileSync(files.token, Buffer.from(token!, 'base64'));
    // What notation time-stamps: the JWS signature value itself (notation-core-go signature/jws/envelope.go timestampJWS).
    writeFileSync(files.signature, Buffer.from(jws.signature, 'base64url'));
    writeFileSync(files.other, Buffer.from(jws.protected, 'base64url'));
    writeFileSync(files.ca, lab.tsaRootPem);
    writeFileSync(files.tsa, new X509Certificate(Buffer.from(lab.tsaChain[0]!)).toString());
    const verifies = (data: string) =>
      openssl(['ts', '-verify', '-data', data, '-in', files.token, '-token_in', '-CAfile', files.ca, '-untrusted', files.tsa]).then(
        () => true,
        () => false,
      );
    expect(await verifies(files.signature)).toBe(true);
    expect(await verifies(files.other)).toBe(false);
  }, 120_000);

  it('over another image, slipped into an approval by its own approver, make Conclave refuse the approval', async () => {
    const id = await openCeremony('1.0.2');
    await service().approve(id, lab.keyUri('alice'), { registry: noDockerConfig });
    const store = new CeremonyStore(storeDir);
    const { files } = await store.readFiles(id);
    const genuine = files.find((file) => file.event.type === 'approved')!;
    const approval = genuine.event as ApprovedEvent;
    const original = readNotarySignature(fromBase64(approval.notarySignatures![0]!));

    // Alice's own token signs a Notary signature over another image, with this ceremony's statement and policy.
    const otherManifest = await registryGet(`acme/other/manifests/${otherImage.digest}`, ociManifest);
    const forged = prepareNotarySignature({
      target: { mediaType: otherManifest.contentType!, digest: otherImage.digest, size: otherManifest.bytes.length },
      ceremonyId: id,
      statementDigest: approval.statementDigest,
      policyDigest: original.annotations['dev.conclave.policy.sha256']!,
      alg: 'ES256',
      signingTime: new Date(),
    });
    const [tokenSignature] = await lab.signer.sign(lab.keyUri('alice'), [forged.signingInput]);
    const forgedEnvelope = notaryEnvelope(forged, jwsSignatureValue('ES256', tokenSignature!), original.chain);
    // It is a valid Notary signature: notation, trusting alice's CA, would accept it for the other image.
    const { payload } = await verifyNotaryJws(forgedEnvelope, 'ES256');
    expect(payload.targetArtifact.digest).toBe(otherImage.digest);

    // The approval event, signed again by alice's token with the forged signature in place of the real one.
    const event: ApprovedEvent = { ...approval, notarySignatures: [toBase64(forgedEnvelope)] };
    const eventBytes = new TextEncoder().encode(JSON.stringify(event));
    const [eventSignature] = await lab.signer.sign(lab.keyUri('alice'), [pae(eventPayloadType, eventBytes)]);
    const envelope = makeEnvelope(eventPayloadType, eventBytes, [{ keyid: approval.keyId, signature: eventSignature! }]);
    writeFileSync(join(store.eventsDir(id), genuine.source), `${JSON.stringify(envelope, null, 2)}\n`);

    const judged = await service().load(id);
    expect(judged.view.approvals).toEqual([]);
    const problem = judged.view.problems.find((entry) => entry.code === 'approval-notary-mismatch');
    expect(problem?.message).toContain(`over the image ${otherImage.digest}, which is not an image of this ceremony`);
  }, 180_000);
});
