/**
 * Issue 14, point 3: a publication a cluster cannot be fooled about. Real
 * ceremonies on SoftHSM2 tokens over images in Debian's docker-registry:
 *
 * - a 2-of-3 ceremony published by rita, with its Verification Summary
 *   Attestation (VSA): checked as a DSSE signature over the PAE with rita's key
 *   (Node, and Python securesystemslib), its subject the image's digest, its
 *   policy digest the ceremony's;
 * - the docs' Kyverno policies (docs/verify.md, read from the page), evaluated
 *   by Kyverno's rules encoded from its source (support/kyverno-rules.ts) over
 *   what is really attached in the registry: they admit the published
 *   ceremony, and refuse approvals stitched from two unpublished ceremonies on
 *   one digest (alice approving one, bob the other, attached by someone with
 *   push access), a VSA replayed from another image, and a VSA of this image
 *   under another policy. The approvals-only policy of before admits the
 *   stitched image: the attack is real under Kyverno's rules.
 */
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CeremonyService, type CeremonySigner, type PublishResult } from '../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { OciClient, type OciOptions } from '../../electron/core/oci';
import { forkHostLauncher } from '../../electron/core/tokens/host-process';
import { TokenService } from '../../electron/core/tokens/token-service';
import type { TokenKey } from '../../shared/api/contract';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { fromBase64 } from '../../shared/encoding/base64';
import { approvalBundle } from '../../shared/sigstore/bundle';
import { releaseApprovalPredicateType } from '../../shared/statement/statement';
import { verificationSummaryPredicateType } from '../../shared/statement/verification-summary';
import { pushImage, type PushedImage } from '../oci/fixtures';
import { startRegistry, type TestRegistry } from '../support/registry';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';
import { cosignAcceptsBundle } from '../verifiers/support/sigstore-go-rules';
import { makeTestKey } from '../support/test-keys';
import { writeImageProvenance } from './support/ceremony';
import { fencedBlocks } from './support/docs';
import { clusterPolicyDecides, extractPayloads, readAttached, verifyAttestationSignatures, type AttachedToImage, type ClusterPolicyAttestation, type Statement } from './support/kyverno-rules';

type Person = 'alice' | 'bob' | 'carol' | 'rita';
const people: readonly Person[] = ['alice', 'bob', 'carol', 'rita'];
const algorithms = { alice: 'ecdsa-p256', bob: 'ed25519', carol: 'ecdsa-p256', rita: 'ecdsa-p256' } as const;
const pin = '1234';
const noDockerConfig: OciOptions = { homeDir: '/nonexistent-conclave-home', env: {} };
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const paeOf = (envelope: { payloadType: string; payload: string }) => {
  const type = Buffer.from(envelope.payloadType);
  const payload = Buffer.from(envelope.payload, 'base64');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
};

let registry: TestRegistry;
let oci: OciClient;
let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;
let tokens: TokenService;
let keys: Record<Person, TokenKey>;
let service: CeremonyService;
let work: string;
/** The release policy (2 of alice, bob, carol) and the hotfix policy (carol alone), both published by rita. */
let releasePolicy: { path: string; digest: string };
let hotfixPolicy: { path: string; digest: string };
let genuine: { image: PushedImage; published: PublishResult };
let stitched: PushedImage;
let replayed: PushedImage;
let otherPolicy: PushedImage;

const builder = makeTestKey('ecdsa-p256');
const publicKey = (who: Person): KeyObject => createPublicKey(keys[who].publicKeyPem);

/** Opens over one image, with its build's provenance (signed by a builder key: evidence, not what is tested here); the opening freezes it. */
async function openOn(policyPath: string, image: PushedImage) {
  const name = image.pinned.slice(0, image.pinned.indexOf('@'));
  const provenance = writeImageProvenance(work, builder, [{ name, digest: image.digest }], `${name.replace(/\W+/g, '_')}.intoto.jsonl`);
  const { view } = await service.open({ policyPath, release: { name: 'app', version: '1.2.3' }, artifactPaths: [], imageReferences: [image.pinned], registry: noDockerConfig, provenancePaths: [provenance.path], provenanceKeyPaths: [provenance.keyPath], openerKeyUri: keys.rita.uri });
  expect(view.state).toBe('frozen');
  return view.id;
}

/** What an attacker with read access to the ceremony store and push access to the registry attaches: one approval as an envelope, and as a bundle. */
async function attachStoredApproval(ceremonyId: string, approver: Person, image: PushedImage) {
  const loaded = await service.load(ceremonyId);
  const approval = loaded.view.approvals.find((candidate) => candidate.keyId === keys[approver].keyId)!;
  const envelope = makeEnvelope(loaded.view.frozen!.payloadType, loaded.statement!, [{ keyid: approval.keyId, signature: fromBase64(approval.signature) }]);
  await oci.attachEnvelope({ image: image.pinned, envelope: new TextEncoder().encode(JSON.stringify(envelope)), predicateType: releaseApprovalPredicateType });
  const bundle = approvalBundle(envelope, envelope.signatures[0]!);
  await oci.attachArtifact({ image: image.pinned, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', layer: { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', bytes: new TextEncoder().encode(JSON.stringify(bundle)) } });
}

/** Copies a published VSA (its envelope and its bundle, the very bytes) onto another image, as an attacker would. */
async function attachSummaryOf(published: PublishResult, image: PushedImage) {
  await oci.attachEnvelope({ image: image.pinned, envelope: new Uint8Array(readFileSync(published.verificationSummary.envelopePath)), predicateType: verificationSummaryPredicateType });
  await oci.attachArtifact({ image: image.pinned, artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', layer: { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', bytes: new Uint8Array(readFileSync(published.verificationSummary.bundlePath)) } });
}

beforeAll(async () => {
  registry = await startRegistry();
  oci = new OciClient(noDockerConfig);
  folder = makeTokenFolder();
  home = makeDataDir();
  tokens = new TokenService(forkHostLauncher);
  for (const who of people) folder.addToken(who, pin);
  await tokens.addModule({ path: softhsmModule!, origin: 'discovered', env: folder.env });
  const tokenUri = (who: Person) => tokens.snapshotModules()[0]!.tokens.find((token) => token.label === who)!.uri;
  for (const who of people) await tokens.generateKey(tokenUri(who), 'release-signing', algorithms[who], pin);
  keys = {} as Record<Person, TokenKey>;
  for (const who of people) keys[who] = (await tokens.listKeys(tokenUri(who)))[0]!;
  const signer: CeremonySigner = {
    keyId: async (uri) => (await tokens.resolveKey(uri)).key.keyId,
    sign: async (uri, messages, rsaScheme) => (await tokens.signMany(uri, messages, pin, rsaScheme)).signatures,
  };
  work = join(home.dir, 'work');
  mkdirSync(work);
  mkdirSync(join(home.dir, 'store'));
  service = new CeremonyService(new CeremonyStore(join(home.dir, 'store')), signer);
  const writePolicy = (name: string, document: Record<string, unknown>) => {
    const path = join(work, `${name}.json`);
    writeFileSync(path, JSON.stringify({ version: 1, name, releaseManagers: [{ id: 'rita', publicKey: keys.rita.publicKeyPem }], ...document }, null, 2));
    return path;
  };
  const releasePath = writePolicy('app releases', { threshold: 2, approvers: (['alice', 'bob', 'carol'] as const).map((who) => ({ id: who, publicKey: keys[who].publicKeyPem })) });
  const hotfixPath = writePolicy('app hotfixes', { threshold: 1, approvers: [{ id: 'carol', publicKey: keys.carol.publicKeyPem }] });

  const genuineImage = await pushImage(oci, `${registry.host}/acme/app`, '1.2.3', 'the released app\n');
  stitched = await pushImage(oci, `${registry.host}/acme/stitched`, '1.2.3', 'an image nobody released\n');
  replayed = await pushImage(oci, `${registry.host}/acme/replayed`, '1.2.3', 'an image with a VSA of another image\n');
  otherPolicy = await pushImage(oci, `${registry.host}/acme/hotfix`, '1.2.3', 'an image released under the hotfix policy\n');

  // The genuine publication: 2 of 3 under the release policy.
  const id = await openOn(releasePath, genuineImage);
  await service.approve(id, keys.alice.uri);
  await service.approve(id, keys.bob.uri);
  const published = await service.publish(id, join(work, 'genuine'), keys.rita.uri, { registry: noDockerConfig });
  genuine = { image: genuineImage, published };
  releasePolicy = { path: releasePath, digest: (await service.load(id)).policy.digest };

  // Stitched: two ceremonies on one digest, alice approves one and bob the other; neither can be published.
  const first = await openOn(releasePath, stitched);
  const second = await openOn(releasePath, stitched);
  await service.approve(first, keys.alice.uri);
  await service.approve(second, keys.bob.uri);
  for (const [ceremonyId, approver] of [[first, 'alice'], [second, 'bob']] as const) await attachStoredApproval(ceremonyId, approver, stitched);

  // Replayed from another image: the same stitching, and the genuine publication's VSA copied over.
  const third = await openOn(releasePath, replayed);
  const fourth = await openOn(releasePath, replayed);
  await service.approve(third, keys.alice.uri);
  await service.approve(fourth, keys.bob.uri);
  await attachStoredApproval(third, 'alice', replayed);
  await attachStoredApproval(fourth, 'bob', replayed);
  await attachSummaryOf(published, replayed);

  // Another policy: the image genuinely published under the hotfix policy (carol alone), plus stitched release approvals.
  const hotfix = await openOn(hotfixPath, otherPolicy);
  await service.approve(hotfix, keys.carol.uri);
  await service.publish(hotfix, join(work, 'hotfix'), keys.rita.uri, { registry: noDockerConfig });
  hotfixPolicy = { path: hotfixPath, digest: (await service.load(hotfix)).policy.digest };
  const fifth = await openOn(releasePath, otherPolicy);
  const sixth = await openOn(releasePath, otherPolicy);
  await service.approve(fifth, keys.alice.uri);
  await service.approve(sixth, keys.bob.uri);
  await attachStoredApproval(fifth, 'alice', otherPolicy);
  await attachStoredApproval(sixth, 'bob', otherPolicy);
}, 300_000);

afterAll(async () => {
  await tokens?.dispose();
  await registry?.stop();
  folder?.cleanup();
  home?.cleanup();
});

interface Vsa {
  _type: string;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: string;
  predicate: { verifier: { id: string }; timeVerified: string; resourceUri: string; policy: { uri: string; digest: { sha256: string } }; inputAttestations: { uri: string; digest: { sha256: string }; mediaType: string }[]; verificationResult: string; verifiedLevels: string[] };
}
const summaryEnvelope = () => JSON.parse(readFileSync(genuine.published.verificationSummary.envelopePath, 'utf8')) as { payloadType: string; payload: string; signatures: { keyid: string; sig: string }[] };

describe("the publisher's Verification Summary Attestation", () => {
  it('is a DSSE signature by the publisher over the PAE of an in-toto VSA naming the image, the policy and every approval', () => {
    const envelope = summaryEnvelope();
    expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
    expect(envelope.signatures).toEqual([{ keyid: keys.rita.keyId, sig: expect.any(String) as unknown }]);
    expect(verify('sha256', paeOf(envelope), publicKey('rita'), Buffer.from(envelope.signatures[0]!.sig, 'base64'))).toBe(true);
    for (const who of ['alice', 'bob', 'carol'] as const) expect(verify(algorithms[who] === 'ed25519' ? null : 'sha256', paeOf(envelope), publicKey(who), Buffer.from(envelope.signatures[0]!.sig, 'base64'))).toBe(false);

    const vsa = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as Vsa;
    expect(vsa._type).toBe('https://in-toto.io/Statement/v1');
    expect(vsa.predicateType).toBe('https://slsa.dev/verification_summary/v1');
    expect(vsa.subject).toEqual([{ name: `${registry.host}/acme/app`, digest: { sha256: genuine.image.digest.slice('sha256:'.length) } }]);
    expect(vsa.predicate).toMatchObject({ verificationResult: 'PASSED', resourceUri: 'pkg:generic/app@1.2.3', verifier: { id: 'https://conclave.dev/verifier/publish/v1' }, verifiedLevels: ['CONCLAVE_RELEASE_POLICY_MET'] });
    expect(vsa.predicate.policy).toEqual({ uri: 'app-1.2.3.policy.json', digest: { sha256: releasePolicy.digest } });
    // The policy digest is the one the approved statement names.
    const statement = JSON.parse(Buffer.from((JSON.parse(readFileSync(genuine.published.envelopePath, 'utf8')) as { payload: string }).payload, 'base64').toString('utf8')) as { predicate: { policy: { digest: { sha256: string } } } };
    expect(statement.predicate.policy.digest.sha256).toBe(releasePolicy.digest);
    // Every input by the SHA-256 of the bytes published (and attached).
    const files = [genuine.published.envelopePath, ...genuine.published.bundlePaths];
    expect(vsa.predicate.inputAttestations).toEqual(
      files.map((path) => ({ uri: path.slice(path.lastIndexOf('/') + 1), digest: { sha256: sha256(readFileSync(path)) }, mediaType: path.endsWith('.sigstore.json') ? 'application/vnd.dev.sigstore.bundle.v0.3+json' : 'application/vnd.dsse.envelope.v1+json' })),
    );
  });

  it('verifies with Python securesystemslib (envelope and bundle), and as cosign 3 checks a bundle with the publisher key', () => {
    const bundle = JSON.parse(readFileSync(genuine.published.verificationSummary.bundlePath, 'utf8')) as { dsseEnvelope: { signatures: { keyid: string }[] } };
    expect(bundle.dsseEnvelope.signatures[0]!.keyid).toBe('');
    expect(cosignAcceptsBundle(bundle, publicKey('rita'))).toEqual({ accepted: true });
    expect(cosignAcceptsBundle(bundle, publicKey('alice'))).toMatchObject({ accepted: false });
    const script = fileURLToPath(new URL('../verifiers/support/securesystemslib_check.py', import.meta.url));
    const request = { keys: [keys.rita.publicKeyPem, keys.alice.publicKeyPem], envelopes: [{ label: 'vsa', envelope: summaryEnvelope() }, { label: 'vsa-bundle', envelope: bundle.dsseEnvelope, bundle }] };
    const run = spawnSync('/usr/bin/python3', [script], { input: JSON.stringify(request), encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`securesystemslib check failed (is python3-securesystemslib installed?):\n${run.stderr}`);
    expect(JSON.parse(run.stdout)).toEqual([
      { label: 'vsa', index: 0, keyid: keys.rita.keyId, verified: true, reason: '' },
      { label: 'vsa-bundle', index: 0, keyid: keys.rita.keyId, verified: true, reason: '' },
    ]);
  });

  it('is attached to the image last, as an in-toto referrer, a layer of the cosign tag and a Sigstore bundle; an unpublishable ceremony writes none', async () => {
    const attached = await readAttached(registry.url, 'acme/app', genuine.image.digest);
    const types = attached.cosignLayers.map((layer) => (JSON.parse(Buffer.from(layer.payload, 'base64').toString('utf8')) as Statement).predicateType);
    expect(types).toEqual([releaseApprovalPredicateType, verificationSummaryPredicateType]);
    expect(JSON.stringify(attached.cosignLayers[1])).toBe(JSON.stringify(summaryEnvelope()));
    expect(attached.bundles).toHaveLength(3);
    expect(attached.bundles[2]).toEqual(JSON.parse(readFileSync(genuine.published.verificationSummary.bundlePath, 'utf8')));
    expect(genuine.published.registry[0]!.verificationSummary).toMatchObject({ artifactDigest: expect.stringMatching(/^sha256:/) as unknown, bundleArtifact: expect.stringMatching(/^sha256:/) as unknown });

    const loneOpened = await openOn(releasePolicy.path, stitched);
    await service.approve(loneOpened, keys.alice.uri);
    const out = join(work, 'refused');
    await expect(service.publish(loneOpened, out, keys.rita.uri, { registry: noDockerConfig })).rejects.toThrow(/not approved/);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});

// ---- the docs' policies ------------------------------------------------------

/** The docs' placeholders, filled in: `…name…` inside a PEM → that person's key; `<the policy digest…>` → the release policy's. */
function fillIn(value: unknown): unknown {
  if (typeof value === 'string') {
    const named = /-----BEGIN PUBLIC KEY-----\s*…(\w+)…\s*-----END PUBLIC KEY-----/.exec(value);
    if (named) return keys[named[1] as Person].publicKeyPem.trim();
    return value.replace(/<the policy digest[^>]*>/g, releasePolicy.digest);
  }
  if (Array.isArray(value)) return value.map(fillIn);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, fillIn(entry)]));
  return value;
}
function docsPolicy(kind: string): Record<string, unknown> {
  const found = fencedBlocks().filter((block) => block.language === 'yaml' && block.text.includes(`kind: ${kind}`) && block.text.includes('verification_summary'));
  expect(found, `docs/verify.md has one ${kind} with the VSA`).toHaveLength(1);
  return fillIn(parseYaml(found[0]!.text)) as Record<string, unknown>;
}
function clusterPolicyAttestations(): ClusterPolicyAttestation[] {
  const policy = docsPolicy('ClusterPolicy') as { spec: { rules: { verifyImages: { attestations: ClusterPolicyAttestation[] }[] }[] } };
  expect(policy.spec.rules).toHaveLength(1);
  expect(policy.spec.rules[0]!.verifyImages).toHaveLength(1);
  return policy.spec.rules[0]!.verifyImages[0]!.attestations;
}

/**
 * The documented ImageValidatingPolicy's validations, each read as one of the CEL expressions the rules encode
 * (an expression of another shape fails the test): whether it holds for the image.
 */
function imageValidatingPolicyDecides(attached: AttachedToImage): { admitted: boolean; failed: string[] } {
  const policy = docsPolicy('ImageValidatingPolicy') as { spec: { attestors: { name: string; cosign: { key: { data: string } } }[]; attestations: { name: string; intoto: { type: string } }[]; validations: { expression: string; message: string }[] } };
  const attestors = new Map(policy.spec.attestors.map((attestor) => [attestor.name, createPublicKey(attestor.cosign.key.data)]));
  const types = new Map(policy.spec.attestations.map((attestation) => [attestation.name, attestation.intoto.type]));
  const verifiedBy = new Map<string, KeyObject[]>();
  const failed: string[] = [];
  for (const { expression, message } of policy.spec.validations) {
    const wrapped = /^images\.containers\.map\(image, (.+)\)\.all\(e, (.+)\)$/.exec(expression.trim());
    if (!wrapped) throw new Error(`not an encoded expression: ${expression}`);
    const [, body, test] = wrapped;
    const count = /^verifyAttestationSignatures\(image, attestations\.(\w+), \[([\w., ]+)\]\)$/.exec(body!);
    let holds: boolean;
    if (count) {
      const keysGiven = count[2]!.split(',').map((name) => attestors.get(name.trim().replace(/^attestors\./, ''))!);
      verifiedBy.set(count[1]!, keysGiven);
      const bound = /^e >= (\d+)$/.exec(test!);
      if (!bound) throw new Error(`not an encoded test: ${test}`);
      holds = verifyAttestationSignatures(attached, types.get(count[1]!)!, keysGiven) >= Number(bound[1]);
    } else {
      if (test !== 'e') throw new Error(`not an encoded test: ${test}`);
      const clauses = body!.split(' && ').map((clause) => {
        const matched = /^extractPayload\(image, attestations\.(\w+)\)\.predicate\.([\w.]+) == '([^']*)'$/.exec(clause);
        if (!matched) throw new Error(`not an encoded clause: ${clause}`);
        return { attestation: matched[1]!, path: matched[2]!.split('.'), value: matched[3]! };
      });
      holds = clauses.every((clause) => {
        // extractPayload has a payload only for an attestation verified by an earlier verifyAttestationSignatures (impl.go:351-384).
        const payloads = extractPayloads(attached, types.get(clause.attestation)!, verifiedBy.get(clause.attestation) ?? []);
        return payloads.length > 0 && payloads.every((payload) => clause.path.reduce<unknown>((value, part) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined), payload.predicate) === clause.value);
      });
    }
    if (!holds) failed.push(message);
  }
  return { admitted: failed.length === 0, failed };
}

describe("Kyverno, with the docs' policies, over what is attached in the registry", () => {
  it('admits the published 2-of-3 ceremony (ClusterPolicy and ImageValidatingPolicy)', async () => {
    const attached = await readAttached(registry.url, 'acme/app', genuine.image.digest);
    const decision = clusterPolicyDecides(clusterPolicyAttestations(), attached);
    expect(decision.counts.map(({ type, verified, required }) => ({ type, verified, required }))).toEqual([
      { type: verificationSummaryPredicateType, verified: 1, required: 1 },
      { type: releaseApprovalPredicateType, verified: 2, required: 2 },
    ]);
    expect(decision.admitted).toBe(true);
    expect(imageValidatingPolicyDecides(attached)).toEqual({ admitted: true, failed: [] });
  });

  it('refuses approvals stitched from two unpublished ceremonies on one digest, which the approvals-only policy admits', async () => {
    const attached = await readAttached(registry.url, 'acme/stitched', stitched.digest);
    const attestations = clusterPolicyAttestations();
    const approvalsOnly = attestations.filter((attestation) => attestation.type === releaseApprovalPredicateType);
    // Kyverno's rule: each key on its own against every attachment, so the two single approvals make 2 of 2.
    expect(clusterPolicyDecides(approvalsOnly, attached)).toMatchObject({ admitted: true, counts: [{ verified: 2, required: 2 }] });
    const decision = clusterPolicyDecides(attestations, attached);
    expect(decision.admitted).toBe(false);
    expect(decision.counts[0]).toMatchObject({ type: verificationSummaryPredicateType, verified: 0, required: 1 });
    const cel = imageValidatingPolicyDecides(attached);
    expect(cel.admitted).toBe(false);
    expect(cel.failed[0]).toBe('no Verification Summary signed by a Conclave publisher is attached to this digest');
    // The approvals-only count alone would pass in CEL too.
    expect(cel.failed).not.toContain('fewer than 2 approver keys approved this digest');
  });

  it('refuses a genuine VSA replayed from another image: its subject is not this digest', async () => {
    const attached = await readAttached(registry.url, 'acme/replayed', replayed.digest);
    expect(attached.cosignLayers.some((layer) => JSON.stringify(layer) === JSON.stringify(summaryEnvelope()))).toBe(true);
    const decision = clusterPolicyDecides(clusterPolicyAttestations(), attached);
    expect(decision.admitted).toBe(false);
    // cosign drops the copied VSA (no subject carries this digest), leaving rita nothing: "no matching attestations".
    expect(decision.counts[0]).toMatchObject({ verified: 0, errors: ['no matching attestations'] });
    expect(imageValidatingPolicyDecides(attached).failed).toContain('no Verification Summary signed by a Conclave publisher is attached to this digest');
  });

  it('refuses a VSA of this image under another policy (a genuine hotfix publication), with stitched release approvals', async () => {
    expect(hotfixPolicy.digest).not.toBe(releasePolicy.digest);
    const attached = await readAttached(registry.url, 'acme/hotfix', otherPolicy.digest);
    const decision = clusterPolicyDecides(clusterPolicyAttestations(), attached);
    expect(decision.admitted).toBe(false);
    expect(decision.counts[0]).toMatchObject({ verified: 0, errors: ['attestation checks failed for predicate https://slsa.dev/verification_summary/v1'] });
    const cel = imageValidatingPolicyDecides(attached);
    expect(cel.admitted).toBe(false);
    expect(cel.failed).toContain('the Verification Summary is not a PASSED verification under the pinned policy');
    expect(cel.failed).not.toContain('no Verification Summary signed by a Conclave publisher is attached to this digest');
  });
});
