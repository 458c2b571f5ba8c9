/**
 * Issue 14: what `conclave verify oci://…` reports besides its verdict, over
 * what is really attached in Debian's docker-registry.
 *
 * Verification Summaries (VSA): one image's content is pushed to three
 * repositories (one manifest digest). Ceremony Z (alice and bob) is published
 * on acme/published, ceremony W (alice and carol) on acme/app. On acme/app an
 * attacker adds Z's genuine VSA (copied: another ceremony's, same digest, same
 * policy) and a VSA signed by alice (an approver's key, not a publisher's)
 * naming W's envelope; only rita's own VSA for W counts. On acme/stitched,
 * alice's and bob's approvals of two unpublished ceremonies are attached with
 * Z's VSA copied next to them, which a policy counting approvals and a
 * publisher's VSA by digest alone would admit: `conclave verify` refuses the
 * image and the VSA.
 *
 * Notary signatures: certificate approvers on SoftHSM2 tokens (the identity
 * lab), each approval's Notary signature attached at publishing; a Notary
 * signature of another ceremony over the same image, attached by someone with
 * push access, is refused.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli/index';
import { CeremonyService, type PublishResult } from '../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { attachNotarySignature } from '../../electron/core/ceremony/notary-signatures';
import { verifyFromRegistry, parseOciTarget } from '../../electron/core/ceremony/verify-from-registry';
import { verificationMaterial } from '../../electron/core/ceremony/verification-material';
import { nodeAlgorithmSignatureVerifier, nodeDigester, nodeSignatureVerifier, nodeTrustedTimeDependencies } from '../../electron/core/crypto/node-crypto';
import { OciClient, type OciOptions } from '../../electron/core/oci';
import { fetchingCrlProvider } from '../../electron/core/x509/crl-provider';
import type { ApprovedEvent } from '../../shared/ceremony/events';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { inTotoPayloadType, pae } from '../../shared/dsse/pae';
import { fromBase64 } from '../../shared/encoding/base64';
import { loadPolicyText } from '../../shared/policy/policy';
import { releaseApprovalPredicateType } from '../../shared/statement/statement';
import { verificationSummaryPayload, verificationSummaryPredicateType } from '../../shared/statement/verification-summary';
import { makeIdentityLab, type IdentityLab } from '../identity/lab';
import { pushImage, type PushedImage } from '../oci/fixtures';
import { startRegistry, type TestRegistry } from '../support/registry';
import { makeDataDir } from '../support/softhsm';
import { makeTestKey } from '../support/test-keys';
import { keyUri, makeKeys, makeService, writeImageProvenance, writePolicy, type Keys, type Person } from './support/ceremony';

const noDockerConfig: OciOptions = { homeDir: '/nonexistent-conclave-home', env: {} };
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const dependencies = { signatureVerifier: nodeSignatureVerifier, trustedTime: nodeTrustedTimeDependencies, certificates: { digester: nodeDigester, algorithmVerifier: nodeAlgorithmSignatureVerifier } };

let registry: TestRegistry;
let oci: OciClient;

beforeAll(async () => {
  registry = await startRegistry();
  oci = new OciClient(noDockerConfig);
});
afterAll(async () => {
  await registry?.stop();
});

async function conclave(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (text) => (out += text), err: (text) => (err += text), env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent-conclave-home' }, interactive: () => false });
  return { code, out, err };
}

async function verifyImage(image: PushedImage, policyPath: string) {
  const policy = await loadPolicyText(readFileSync(policyPath, 'utf8'), nodeDigester, policyPath);
  const reference = parseOciTarget(`oci://${image.pinned}`);
  return verifyFromRegistry({ ...reference, digest: image.digest }, policy, noDockerConfig, { material: await verificationMaterial(policy, { bundles: [], crls: [] }), dependencies });
}

describe('Verification Summaries attached to an image', () => {
  let home: ReturnType<typeof makeDataDir>;
  let keys: Keys;
  let service: CeremonyService;
  let policyPath: string;
  let published: PushedImage;
  let app: PushedImage;
  let stitched: PushedImage;
  let z: PublishResult;
  let w: PublishResult;

  async function approvedOn(image: PushedImage, approvers: readonly Person[], version: string) {
    const name = image.pinned.slice(0, image.pinned.indexOf('@'));
    const provenance = writeImageProvenance(home.dir, keys.builder, [{ name, digest: image.digest }], `${name.replace(/\W+/g, '_')}-${version}.intoto.jsonl`);
    const { view } = await service.open({ policyPath, release: { name: 'app', version }, artifactPaths: [], imageReferences: [image.pinned], registry: noDockerConfig, provenancePaths: [provenance.path], provenanceKeyPaths: [provenance.keyPath], openerKeyUri: keyUri('rita') });
    for (const who of approvers) await service.approve(view.id, keyUri(who));
    return view.id;
  }

  /** What someone with read access to the store and push access to the registry attaches: one stored approval as its own envelope. */
  async function attachStoredApproval(ceremonyId: string, approver: Person, image: PushedImage) {
    const loaded = await service.load(ceremonyId);
    const approval = loaded.view.approvals.find((candidate) => candidate.keyId === keys[approver].keyId)!;
    const envelope = makeEnvelope(loaded.view.frozen!.payloadType, loaded.statement!, [{ keyid: approval.keyId, signature: fromBase64(approval.signature) }]);
    await oci.attachEnvelope({ image: image.pinned, envelope: new TextEncoder().encode(JSON.stringify(envelope)), predicateType: releaseApprovalPredicateType });
  }

  const attachSummary = (image: PushedImage, bytes: Uint8Array) => oci.attachEnvelope({ image: image.pinned, envelope: bytes, predicateType: verificationSummaryPredicateType });

  beforeAll(async () => {
    home = makeDataDir();
    mkdirSync(join(home.dir, 'store'));
    keys = makeKeys();
    service = makeService(join(home.dir, 'store'), keys, () => new Date());
    policyPath = writePolicy(home.dir, keys);
    published = await pushImage(oci, `${registry.host}/acme/published`, '1.2.3', 'one build, three repositories\n');
    app = await pushImage(oci, `${registry.host}/acme/app`, '1.2.3', 'one build, three repositories\n');
    stitched = await pushImage(oci, `${registry.host}/acme/stitched`, '1.2.3', 'one build, three repositories\n');

    z = await service.publish(await approvedOn(published, ['alice', 'bob'], '1.2.3'), join(home.dir, 'z'), keyUri('rita'), { registry: noDockerConfig });
    w = await service.publish(await approvedOn(app, ['alice', 'carol'], '1.2.3'), join(home.dir, 'w'), keyUri('rita'), { registry: noDockerConfig });
    const zSummary = new Uint8Array(readFileSync(z.verificationSummary.envelopePath));

    // On acme/app: Z's VSA copied over, and a VSA alice signs naming W's envelope, right in every field but its signer.
    await attachSummary(app, zSummary);
    const forged = verificationSummaryPayload({
      subjects: [{ name: `${registry.host}/acme/app`, digest: { sha256: app.digest.slice('sha256:'.length) } }],
      resourceUri: 'pkg:generic/app@1.2.3',
      policy: { uri: 'app-1.2.3.policy.json', digest: { sha256: (await loadPolicyText(readFileSync(policyPath, 'utf8'), nodeDigester, policyPath)).digest } },
      inputAttestations: [{ uri: 'app-1.2.3.intoto.jsonl', digest: { sha256: sha256(readFileSync(w.envelopePath)) }, mediaType: 'application/vnd.dsse.envelope.v1+json' }],
      timeVerified: new Date().toISOString(),
    });
    const forgedEnvelope = makeEnvelope(inTotoPayloadType, forged, [{ keyid: keys.alice.keyId, signature: keys.alice.sign(pae(inTotoPayloadType, forged)) }]);
    await attachSummary(app, new TextEncoder().encode(JSON.stringify(forgedEnvelope)));

    // On acme/stitched: single approvals of two unpublished ceremonies, and Z's VSA copied next to them.
    const first = await approvedOn(stitched, ['alice'], '1.2.4');
    const second = await approvedOn(stitched, ['bob'], '1.2.5');
    await attachStoredApproval(first, 'alice', stitched);
    await attachStoredApproval(second, 'bob', stitched);
    await attachSummary(stitched, zSummary);
  }, 240_000);
  afterAll(() => home?.cleanup());

  it('counts only the publisher’s own VSA: another ceremony’s copied VSA and one signed by an approver are refused', async () => {
    expect(new Set([published.digest, app.digest, stitched.digest]).size).toBe(1);
    const result = await verifyImage(app, policyPath);
    expect(result.ok).toBe(true);
    const byDigest = (path: string) => `sha256:${sha256(readFileSync(path))}`;
    expect(result.summaries).toHaveLength(3);
    expect(result.summaries.find((summary) => summary.envelopeDigest === byDigest(w.verificationSummary.envelopePath))).toEqual({ envelopeDigest: byDigest(w.verificationSummary.envelopePath), ok: true, signedBy: 'rita' });
    expect(result.summaries.find((summary) => summary.envelopeDigest === byDigest(z.verificationSummary.envelopePath))).toMatchObject({ ok: false, problem: expect.stringContaining('name no envelope attached here that verifies') as unknown });
    expect(result.summaries.filter((summary) => !summary.ok && summary.envelopeDigest !== byDigest(z.verificationSummary.envelopePath))).toEqual([
      { envelopeDigest: expect.any(String) as unknown, ok: false, problem: expect.stringContaining('signed by alice, an approver, not by a release manager') as unknown },
    ]);

    const cli = await conclave(['verify', '--policy', policyPath, `oci://${app.pinned}`]);
    expect(cli.code).toBe(0);
    expect(cli.out).toContain(`Verification Summary: ${byDigest(w.verificationSummary.envelopePath).slice(0, 'sha256:'.length + 12)}… signed by rita (release manager)`);
    expect(cli.out).toMatch(/refused sha256:[0-9a-f]{12}…: it is signed by alice, an approver/);
    const json = JSON.parse((await conclave(['verify', '--json', '--policy', policyPath, `oci://${app.pinned}`])).out) as { verificationSummaries: { ok: boolean }[] };
    expect(json.verificationSummaries.map((summary) => summary.ok).sort()).toEqual([false, false, true]);
  });

  it('refuses approvals stitched from two unpublished ceremonies, and the genuine VSA of another ceremony copied next to them', async () => {
    const result = await verifyImage(stitched, policyPath);
    expect(result.ok).toBe(false);
    expect(result.candidates).toHaveLength(2);
    for (const candidate of result.candidates) expect(candidate.report.approvedBy).toHaveLength(1);
    expect(result.summaries).toEqual([{ envelopeDigest: `sha256:${sha256(readFileSync(z.verificationSummary.envelopePath))}`, ok: false, problem: expect.stringContaining('no Conclave envelope attached to this image verifies') as unknown }]);
    const cli = await conclave(['verify', '--policy', policyPath, `oci://${stitched.pinned}`]);
    expect(cli.code).not.toBe(0);
    expect(cli.out).toContain('Verification Summary: none that counts; Kyverno with the policies of docs/verify.md refuses this image.');
  });

  it('refuses a VSA under another policy, though a release manager signed it for this image', async () => {
    const otherPolicy = join(home.dir, 'other-policy.json');
    writeFileSync(otherPolicy, JSON.stringify({ ...(JSON.parse(readFileSync(policyPath, 'utf8')) as Record<string, unknown>), name: 'app hotfixes' }));
    const result = await verifyImage(published, otherPolicy);
    // Z's envelope names the release policy, so nothing verifies under the other policy, and its VSA was verified under another.
    expect(result.ok).toBe(false);
    expect(result.summaries).toEqual([expect.objectContaining({ ok: false, problem: expect.stringContaining('verified under another policy') as unknown })]);
  });
});

describe('Notary Project signatures attached to an image', () => {
  let lab: IdentityLab;
  let home: ReturnType<typeof makeDataDir>;
  let storeDir: string;
  let policyPath: string;
  let image: PushedImage;
  let provenance: { path: string; keyPath: string };
  const service = () => new CeremonyService(new CeremonyStore(storeDir), lab.signer, () => new Date(), {}, fetchingCrlProvider());

  async function approved(version: string, approvers: readonly ('alice' | 'bob')[]) {
    const { view } = await service().open({ policyPath, release: { name: 'app', version }, artifactPaths: [], imageReferences: [image.pinned], registry: noDockerConfig, provenancePaths: [provenance.path], provenanceKeyPaths: [provenance.keyPath], openerKeyUri: lab.keyUri('rita') });
    for (const who of approvers) await service().approve(view.id, lab.keyUri(who), { registry: noDockerConfig });
    return view.id;
  }

  beforeAll(async () => {
    lab = await makeIdentityLab();
    home = makeDataDir();
    storeDir = join(home.dir, 'store');
    mkdirSync(storeDir);
    image = await pushImage(oci, `${registry.host}/acme/notarized`, '2.0.0', 'signed for notation\n');
    provenance = writeImageProvenance(home.dir, makeTestKey('ecdsa-p256'), [{ name: `${registry.host}/acme/notarized`, digest: image.digest }]);
    policyPath = join(home.dir, 'policy.json');
    writeFileSync(policyPath, JSON.stringify(lab.policy(), null, 2));
    await service().publish(await approved('2.0.0', ['alice', 'bob']), join(home.dir, 'out'), lab.keyUri('rita'), { registry: noDockerConfig });
  }, 300_000);
  afterAll(async () => {
    await lab?.close();
    home?.cleanup();
  });

  it("checks each approver's Notary signature against the envelope that verified, and refuses one of another ceremony over the same image", async () => {
    const before = await verifyImage(image, policyPath);
    expect(before.ok).toBe(true);
    expect(before.notarySignatures.map((notary) => [notary.approverId, notary.ok, notary.problem]).sort()).toEqual([
      ['alice', true, undefined],
      ['bob', true, undefined],
    ]);
    expect(before.summaries).toEqual([expect.objectContaining({ ok: true, signedBy: 'rita' })]);

    // alice approves another ceremony over the same image; its Notary signature, valid in itself, is attached by hand.
    const other = await approved('2.0.1', ['alice']);
    const approval = (await service().load(other)).events.find((entry) => entry.event.type === 'approved')!.event as ApprovedEvent;
    const attached = await attachNotarySignature(oci, { image: image.pinned, envelope: fromBase64(approval.notarySignatures![0]!) }, other, new Date());

    const after = await verifyImage(image, policyPath);
    expect(after.ok).toBe(true);
    expect(after.notarySignatures).toHaveLength(3);
    expect(after.notarySignatures.find((notary) => notary.artifact === attached.artifactDigest)).toEqual({ artifact: attached.artifactDigest, ok: false, approverId: 'alice', problem: expect.stringContaining(`names another ceremony (${other})`) as unknown });
    const cli = await conclave(['verify', '--policy', policyPath, `oci://${image.pinned}`]);
    expect(cli.out).toMatch(/Notary signature sha256:[0-9a-f]{12}… by alice: checks out\./);
    expect(cli.out).toMatch(/Notary signature sha256:[0-9a-f]{12}… by alice: refused: .*names another ceremony/);
  }, 300_000);
});
