/**
 * Trusted time for approvals (issue 6): each approval is time-stamped by the
 * policy's RFC 3161 authority, a real `openssl ts` TSA on loopback with a test
 * CA; the time stamp is stored with the signature, carried in the approver's
 * Sigstore bundle, checked on every load and by `verifyRelease`, and checked
 * by `openssl ts -verify` too.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CeremonyService } from '../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { nodeSignatureVerifier, nodeTrustedTimeDependencies } from '../../electron/core/crypto/node-crypto';
import { eventPayloadType, type CeremonyEvent } from '../../shared/ceremony/events';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { pae } from '../../shared/dsse/pae';
import { loadPolicyText } from '../../shared/policy/policy';
import { verifyRelease } from '../../shared/verify/verify';
import { nodeDigester } from '../../electron/core/crypto/node-crypto';
import { makeDataDir } from '../support/softhsm';
import { makeTestKey, type TestKey } from '../support/test-keys';
import { createTsaLab, openssl, startTsaServer, type RunningTsa, type TsaLab } from '../support/tsa';
import { failure } from '../support/refusal';
import { softwareKeyUri, softwareSigner } from '../support/software-signer';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';
type Who = 'alice' | 'bob' | 'rita';

let lab: TsaLab;
let tsa: RunningTsa;
let otherCaTsa: RunningTsa;
let home: ReturnType<typeof makeDataDir>;
let keys: Record<Who, TestKey>;

const uri = (who: Who) => softwareKeyUri(who);
const signer = softwareSigner(() => keys);

beforeAll(async () => {
  lab = await createTsaLab();
  tsa = await startTsaServer({ signer: lab.ecdsaTsa });
  otherCaTsa = await startTsaServer({ signer: lab.otherCaTsa });
}, 120_000);
afterAll(async () => {
  await tsa?.close();
  await otherCaTsa?.close();
  await lab?.remove();
});
beforeEach(() => {
  home = makeDataDir();
  copyFileSync(fixture(artifactName), join(home.dir, artifactName));
  keys = { alice: makeTestKey('ecdsa-p256'), bob: makeTestKey('ed25519'), rita: makeTestKey('ecdsa-p256') };
  return () => home.cleanup();
});

function writePolicy(timestamping: Record<string, unknown>): string {
  const path = join(home.dir, `policy-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      version: 1,
      threshold: 2,
      approvers: [
        { id: 'alice', publicKey: keys.alice.publicKeyPem },
        { id: 'bob', publicKey: keys.bob.publicKeyPem },
      ],
      releaseManagers: [{ id: 'rita', publicKey: keys.rita.publicKeyPem }],
      timestamping: { certificates: readFileSync(lab.ca.certPath, 'utf8'), ...timestamping },
    }),
  );
  return path;
}

async function openWith(policyPath: string): Promise<{ service: CeremonyService; id: string }> {
  mkdirSync(join(home.dir, 'store'), { recursive: true });
  const service = new CeremonyService(new CeremonyStore(join(home.dir, 'store')), signer);
  const { view } = await service.open({ policyPath, release: { name: 'demo', version: '1.0.0' }, artifactPaths: [join(home.dir, artifactName)], provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)], openerKeyUri: uri('rita') });
  return { service, id: view.id };
}


describe('trusted time for approvals', () => {
  it('time-stamps each approval at the policy TSA, and the stamp checks out in Conclave, in OpenSSL and in the Sigstore bundles', async () => {
    const policyPath = writePolicy({ url: tsa.url, required: true });
    const { service, id } = await openWith(policyPath);
    const before = new Date();
    await service.approve(id, uri('alice'));
    const { view } = await service.approve(id, uri('bob'));
    const after = new Date();
    expect(view.state).toBe('approved');
    expect(view.problems).toEqual([]);
    expect(view.approvals.every((approval) => approval.timestamp !== undefined)).toBe(true);

    // OpenSSL agrees: the stored stamp (a TimeStampResp) is over alice's signature bytes and chains to the test CA.
    const alice = view.approvals.find((approval) => approval.keyId === keys.alice.keyId)!;
    writeFileSync(join(home.dir, 'alice.sig'), Buffer.from(alice.signature, 'base64'));
    writeFileSync(join(home.dir, 'alice.tsr'), Buffer.from(alice.timestamp!, 'base64'));
    expect(await openssl(['ts', '-verify', '-data', join(home.dir, 'alice.sig'), '-in', join(home.dir, 'alice.tsr'), '-CAfile', lab.ca.certPath])).toMatch(/Verification: OK/);

    // The verifier reports the proven signing time; without the stamps a policy that requires them is not met.
    const published = await service.publish(id, join(home.dir, 'out'), uri('rita'));
    // A bundle names its key by the public-key hint (its DSSE keyid is empty, for sigstore-go: issue 14).
    const bundles = published.bundlePaths.map((path) => JSON.parse(readFileSync(path, 'utf8')) as { verificationMaterial: { publicKey: { hint: string }; timestampVerificationData: { rfc3161Timestamps: { signedTimestamp: string }[] } } });
    const timestamps = Object.fromEntries(bundles.map((bundle) => [bundle.verificationMaterial.publicKey.hint, bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0]!.signedTimestamp]));
    expect(Object.keys(timestamps).sort()).toEqual([keys.alice.keyId, keys.bob.keyId].sort());
    const policy = await loadPolicyText(readFileSync(policyPath, 'utf8'), nodeDigester);
    const envelope = readFileSync(published.envelopePath, 'utf8');
    const verified = await verifyRelease({ envelope, policy, timestamps }, { signatureVerifier: nodeSignatureVerifier, trustedTime: nodeTrustedTimeDependencies });
    expect(verified.ok).toBe(true);
    for (const signature of verified.signatures) {
      const time = Date.parse(signature.trustedTime!);
      // The TSA's clock is this machine's; its accuracy is 1.5 s and it rounds to milliseconds.
      expect(time).toBeGreaterThanOrEqual(before.getTime() - 2000);
      expect(time).toBeLessThanOrEqual(after.getTime() + 2000);
    }
    const untimed = await verifyRelease({ envelope, policy }, { signatureVerifier: nodeSignatureVerifier, trustedTime: nodeTrustedTimeDependencies });
    expect(untimed.ok).toBe(false);
    expect(untimed.failures.map((failure) => failure.code)).toEqual(['trusted-time-missing', 'trusted-time-missing', 'threshold-not-met']);
  });

  it('does not count an approval whose time stamp is over another signature', async () => {
    const { service, id } = await openWith(writePolicy({ url: tsa.url, required: true }));
    const { view, events } = await service.approve(id, uri('bob'));
    const bobs = view.approvals[0]!;
    // Alice's genuine approval, carrying bob's time stamp, signed by alice herself: the stamp does not cover her signature.
    const { statement } = await service.load(id);
    const signature = Buffer.from(keys.alice.sign(pae(view.frozen!.payloadType, statement!))).toString('base64');
    const event: CeremonyEvent = { ceremonyId: id, type: 'approved', at: new Date().toISOString(), statementDigest: bobs.statementDigest, keyId: keys.alice.keyId, signature, timestamp: bobs.timestamp!, actorKeyId: keys.alice.keyId };
    const payload = new TextEncoder().encode(JSON.stringify(event));
    await service.store.append(makeEnvelope(eventPayloadType, payload, [{ keyid: keys.alice.keyId, signature: keys.alice.sign(pae(eventPayloadType, payload)) }]), event);
    const after = await service.load(id);
    expect(events.length).toBeGreaterThan(0);
    expect(after.view.approvals.map((approval) => approval.keyId)).toEqual([keys.bob.keyId]);
    expect(after.view.problems.map((problem) => problem.message).join('\n')).toMatch(/has no trusted time \(its time stamp does not verify: .*is for a different signature than this one/);
  });

  it('refuses to record an approval when the policy requires trusted time and the TSA cannot give it, and loses nothing', async () => {
    const unreachable = 'http://127.0.0.1:9/tsr';
    const { service, id } = await openWith(writePolicy({ url: unreachable, required: true }));
    const refused = await failure(service.approve(id, uri('alice')));
    expect(refused.code).toBe('unavailable');
    expect(refused.message).toMatch(/not recorded.*trusted time/);
    expect((await service.load(id)).view.approvals).toEqual([]);

    // A TSA whose certificate comes from another CA than the policy trusts is refused the same way, at the approver's screen.
    const { service: second, id: secondId } = await openWith(writePolicy({ url: otherCaTsa.url, required: true }));
    const untrusted = await failure(second.approve(secondId, uri('alice')));
    expect(untrusted.code).toBe('unavailable');
    expect(untrusted.message).toMatch(/certificate/);
  });

  it('records an approval without trusted time when the TSA is out of reach and the policy allows it (air-gapped)', async () => {
    const { service, id } = await openWith(writePolicy({ url: 'http://127.0.0.1:9/tsr' }));
    const { view } = await service.approve(id, uri('alice'));
    expect(view.approvals).toHaveLength(1);
    expect(view.approvals[0]!.timestamp).toBeUndefined();
    expect(view.approvals[0]!.noTrustedTime).toMatch(/did not answer|unreachable|127\.0\.0\.1:9/);
    expect(view.problems).toEqual([]);
  });
});
