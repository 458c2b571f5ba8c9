/**
 * Changing the policy (issue 10): only through a policy ceremony whose subject
 * is the new policy document, counted once the current policy's threshold and
 * the new policy's threshold have both approved, as TUF root rotation does.
 * Publishing it makes this machine trust the new policy and keeps the old one
 * only for ceremonies opened before; a consumer follows the published chain
 * from the first policy they trust (`conclave verify --policy-root …
 * --policy-chain …`).
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli/index';
import { localCeremonyService } from '../../electron/core/ceremony/local-service';
import type { CeremonyService } from '../../electron/core/ceremony/ceremony-service';
import { PolicyFolder } from '../../electron/core/policy-trust/policy-folder';
import { TrustPerBatch } from '../../electron/core/policy-trust/trust-per-batch';
import { CheckedSignatures } from '../../electron/core/crypto/checked-signatures';
import { policyChainFromStore } from '../../electron/core/policy-trust/policy-chain';
import { makeDataDir } from '../support/softhsm';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { pae } from '../../shared/dsse/pae';
import { eventPayloadType } from '../../shared/ceremony/events';
import { failure } from '../support/refusal';
import { makeTestKey, type TestKey } from '../support/test-keys';
import { softwareKeyUri, softwareSigner } from '../support/software-signer';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';
type Who = 'alice' | 'bob' | 'carol' | 'dave' | 'rita';

let home: ReturnType<typeof makeDataDir>;
let keys: Record<Who, TestKey>;
let clock: Date;
let service: CeremonyService;
let folder: PolicyFolder;
let first: string;
let second: string;
const dataDir = () => join(home.dir, 'data');
const storeDir = () => join(home.dir, 'store');
const uri = (who: Who) => softwareKeyUri(who);

function policyFile(name: string, approvers: Who[]): string {
  const path = join(home.dir, `${name}.json`);
  const document = {
    version: 1,
    name,
    threshold: 2,
    approvers: approvers.map((who) => ({ id: who, publicKey: keys[who].publicKeyPem })),
    releaseManagers: [{ id: 'rita', publicKey: keys.rita.publicKeyPem }],
  };
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  return path;
}

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (text) => (out += text), err: (text) => (err += text), env: { ...process.env, CONCLAVE_HOME: dataDir(), CONCLAVE_STORE: storeDir() }, interactive: () => false });
  return { code, out, err };
}

const later = (minutes: number) => (clock = new Date(clock.getTime() + minutes * 60_000));

beforeEach(async () => {
  home = makeDataDir();
  mkdirSync(storeDir());
  copyFileSync(fixture(artifactName), join(home.dir, artifactName));
  keys = { alice: makeTestKey('ecdsa-p256'), bob: makeTestKey('ed25519'), carol: makeTestKey('ecdsa-p384'), dave: makeTestKey('ecdsa-p256'), rita: makeTestKey('ecdsa-p256') };
  clock = new Date('2026-11-22T10:00:00Z');
  service = localCeremonyService({ dataDir: dataDir(), storeDir: storeDir(), signer: softwareSigner(() => keys), now: () => clock });
  folder = new PolicyFolder(dataDir());
  // carol leaves the team, dave joins: the first policy is trusted by hand, the second only through a policy ceremony.
  first = policyFile('team-2026', ['alice', 'bob', 'carol']);
  second = policyFile('team-2027', ['alice', 'bob', 'dave']);
  await folder.trust(readFileSync(first, 'utf8'));
});
afterEach(() => home.cleanup());

async function proposeAndApprove(approvers: Who[]): Promise<string> {
  const { view } = await service.proposePolicy({ policyPath: first, proposedPolicyPath: second, openerKeyUri: uri('rita') });
  for (const who of approvers) {
    later(1);
    await service.approve(view.id, uri(who));
  }
  return view.id;
}

async function releaseUnder(policyPath: string, approvers: Who[]): Promise<string> {
  later(1);
  const { view } = await service.open({ policyPath, release: { name: 'demo', version: '1.0.0' }, artifactPaths: [join(home.dir, artifactName)], provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)], openerKeyUri: uri('rita') });
  for (const who of approvers) {
    later(1);
    await service.approve(view.id, uri(who));
  }
  later(1);
  const published = await service.publish(view.id, join(home.dir, `out-${view.id}`), uri('rita'));
  return published.envelopePath;
}

describe('policy ceremonies', () => {
  it('propose the new policy document as the one subject, frozen at once, counted under both policies', async () => {
    const { view, proposedPolicy, statement } = await service.proposePolicy({ policyPath: first, proposedPolicyPath: second, openerKeyUri: uri('rita') });
    expect(view.state).toBe('frozen');
    expect(view.artifacts).toEqual([expect.objectContaining({ name: 'conclave-policy.json', digest: { sha256: proposedPolicy!.digest } })]);
    expect(JSON.parse(new TextDecoder().decode(statement)).subject).toEqual([{ name: 'conclave-policy.json', digest: { sha256: proposedPolicy!.digest } }]);
    expect(view.tally).toMatch(/^current policy: 0 of 2 approvals; new policy: 0 of 2 approvals$/);
  });

  it('need the current threshold and the new threshold: the old team alone cannot change the policy, nor the new one alone', async () => {
    const id = await proposeAndApprove(['alice', 'carol']);
    let loaded = await service.load(id);
    expect(loaded.view.state).toBe('frozen');
    expect(loaded.view.tally).toMatch(/current policy: 2 of 2 approvals: alice, carol; new policy: 1 of 2 approvals/);
    // dave is in the new policy only: his approval counts toward it, not toward the current one.
    later(1);
    loaded = await service.approve(id, uri('dave'));
    expect(loaded.view.state).toBe('approved');
    expect(loaded.evaluation.counted).toEqual(expect.arrayContaining(['alice', 'carol', 'dave']));
    // Before publishing, nothing changed in what this machine trusts.
    expect(await folder.trustedDigests()).toEqual(new Set([loaded.policy.digest]));
  });

  it('once published, make this machine trust the new policy, and the old one only for ceremonies opened before', async () => {
    const before = await releaseUnder(first, ['alice', 'bob']);
    const id = await proposeAndApprove(['alice', 'carol', 'dave']);
    later(1);
    const published = await service.publish(id, join(home.dir, 'policy-change'), uri('rita'));
    expect(published.report.ok).toBe(true);
    const loaded = await service.load(id);
    expect(loaded.view.state).toBe('published');
    expect(await folder.trustedDigests()).toEqual(new Set([loaded.proposedPolicy!.digest]));
    expect(loaded.view.policyTrusted).toBe(true);
    // A new ceremony under the replaced policy is refused; one under the new policy goes ahead.
    later(1);
    const refused = await failure(service.open({ policyPath: first, release: { name: 'demo', version: '2.0.0' }, artifactPaths: [join(home.dir, artifactName)], provenancePaths: [], openerKeyUri: uri('rita') }));
    expect(refused).toMatchObject({ code: 'forbidden' });
    expect(refused.message).toMatch(/does not trust the policy "team-2026"/);
    const after = await releaseUnder(second, ['bob', 'dave']);
    // The release approved before the change still verifies against the first policy.
    expect((await cli(['verify', '--policy', first, '--envelope', before, '--artifact', join(home.dir, artifactName)])).code).toBe(0);

    // A consumer who trusts only the first policy follows the published chain to the second.
    const chainPath = join(home.dir, 'chain.json');
    expect((await cli(['policy', 'chain', '--out', chainPath])).code).toBe(0);
    const chained = await cli(['verify', '--policy-root', first, '--policy-chain', chainPath, '--envelope', after, '--artifact', join(home.dir, artifactName)]);
    expect(chained.code, chained.err + chained.out).toBe(0);
    expect(chained.out).toMatch(/^verified: bob, dave/m);
    expect(chained.err).toMatch(/policy sha256:[0-9a-f]{12}… → sha256:[0-9a-f]{12}… \(ceremony c-/);
    const fromStore = await cli(['verify', '--policy-root', first, '--policy-chain-from-store', '--envelope', after, '--artifact', join(home.dir, artifactName)]);
    expect(fromStore.code, fromStore.err + fromStore.out).toBe(0);
    // Without the chain, the first policy does not vouch for a release approved under the second.
    const unchained = await cli(['verify', '--policy', first, '--envelope', after, '--artifact', join(home.dir, artifactName), '--json']);
    expect(unchained.code).toBe(1);
    expect((JSON.parse(unchained.out) as { failures: { code: string }[] }).failures.map((entry) => entry.code)).toContain('policy-mismatch');
  });

  it('are read once per batch on an index thread: a change shows at its next batch, an adoption at once', async () => {
    // A machine that trusts nothing yet has no folder at all.
    const fresh = new TrustPerBatch(new PolicyFolder(join(home.dir, 'fresh')));
    await fresh.read();
    expect([await fresh.trustedDigests(), await fresh.supersededPolicies()]).toEqual([new Set(), new Map()]);

    const batch = new TrustPerBatch(new PolicyFolder(dataDir()));
    const thread = localCeremonyService({ dataDir: dataDir(), storeDir: storeDir(), now: () => clock, indexThread: { checked: CheckedSignatures.none(), trust: batch } });
    await batch.read();
    const first = await batch.trustedDigests();
    expect(first).toEqual(await folder.trustedDigests());
    expect(first.size).toBe(1);

    // A policy ceremony published elsewhere (the window here), judged by the thread: adopted, and trusted at once.
    const id = await proposeAndApprove(['alice', 'carol', 'dave']);
    later(1);
    await service.publish(id, join(home.dir, 'policy-change'), uri('rita'));
    const loaded = await thread.load(id);
    expect(loaded.view.state).toBe('published');
    expect(await batch.trustedDigests()).toEqual(new Set([loaded.proposedPolicy!.digest]));
    expect([...(await batch.supersededPolicies()).keys()]).toEqual([...first]);

    // Trust taken away by hand in the middle of a batch: that batch keeps its reading, the next one sees it.
    for (const entry of await folder.list()) rmSync(entry.path);
    expect((await batch.trustedDigests()).size).toBe(1);
    await batch.read();
    expect((await batch.trustedDigests()).size).toBe(0);
  });

  it('refuse a chain whose link the new policy did not approve', async () => {
    const id = await proposeAndApprove(['alice', 'carol', 'dave']);
    later(1);
    await service.publish(id, join(home.dir, 'policy-change'), uri('rita'));
    const chain = await policyChainFromStore(service);
    expect(chain.links).toHaveLength(1);
    // Keep only the old team's signatures: the people of the new policy never agreed.
    const envelope = chain.links[0]!.envelope as { signatures: { keyid: string }[] };
    envelope.signatures = envelope.signatures.filter((signature) => signature.keyid !== keys.dave.keyId && signature.keyid !== keys.alice.keyId);
    const chainPath = join(home.dir, 'forged-chain.json');
    writeFileSync(chainPath, JSON.stringify(chain));
    const after = await releaseUnder(second, ['bob', 'dave']);
    const result = await cli(['verify', '--policy-root', first, '--policy-chain', chainPath, '--envelope', after, '--artifact', join(home.dir, artifactName)]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/NOT verified: Link 1 \(ceremony c-.*\) does not change policy .*threshold-not-met/);
  });

  it('refuse an opening that proposes a policy but names another subject', async () => {
    const { view, opened } = await service.proposePolicy({ policyPath: first, proposedPolicyPath: second, openerKeyUri: uri('rita') });
    // rita, by hand: the same proposal, but its subject is a release artifact, so approvers would be signing that file instead.
    const forged = { ...opened, ceremonyId: 'c-20261122-aaaaaaaaaa', artifacts: [{ name: artifactName, digest: { sha256: 'a'.repeat(64) } }] };
    const payload = new TextEncoder().encode(JSON.stringify(forged));
    await service.store.append(makeEnvelope(eventPayloadType, payload, [{ keyid: keys.rita.keyId, signature: keys.rita.sign(pae(eventPayloadType, payload)) }]), forged);
    const refused = await failure(service.load('c-20261122-aaaaaaaaaa'));
    expect(refused.message).toMatch(/a policy ceremony has exactly one subject, "conclave-policy.json"/);
    expect((refused as unknown as { problems: { code: string }[] }).problems.map((problem) => problem.code)).toEqual(['opening-proposal-invalid']);
    expect((await service.load(view.id)).view.problems).toEqual([]);
  });
});
