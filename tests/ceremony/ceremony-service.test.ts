/**
 * The ceremony engine with software keys standing in for tokens (the token
 * path is covered against SoftHSM2 in tests/integration): the rules a
 * release manager and an auditor rely on, with a clock the test controls.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeremonyService } from '../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { makeDataDir } from '../support/softhsm';
import { makeTestKey, type TestKey } from '../support/test-keys';
import { failure } from '../support/refusal';
import { softwareKeyUri, softwareSigner } from '../support/software-signer';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';

let home: ReturnType<typeof makeDataDir>;
let clock: Date;
let keys: Record<'alice' | 'bob' | 'carol' | 'rita' | 'mallory', TestKey>;
let service: CeremonyService;
let signed: number;
let signingCalls: number;

const uri = (who: string) => softwareKeyUri(who);
const signer = softwareSigner(
  () => keys,
  (messages) => {
    signed += messages.length;
    signingCalls += 1;
  },
);

function writePolicy(extra: Record<string, unknown> = {}): string {
  const path = join(home.dir, `policy-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      version: 1,
      threshold: 2,
      approvers: [
        { id: 'alice', role: 'security', publicKey: keys.alice.publicKeyPem },
        { id: 'bob', publicKey: keys.bob.publicKeyPem },
        { id: 'carol', publicKey: keys.carol.publicKeyPem },
      ],
      releaseManagers: [{ id: 'rita', name: 'Rita Release', publicKey: keys.rita.publicKeyPem }],
      ...extra,
    }),
  );
  return path;
}

async function open(policyPath = writePolicy(), options: { opener?: string; provenance?: string } = {}) {
  return service.open({
    policyPath,
    release: { name: 'demo', version: '1.0.0' },
    artifactPaths: [join(home.dir, artifactName)],
    provenancePaths: [fixture(options.provenance ?? `${artifactName}.intoto.jsonl`)],
    openerKeyUri: uri(options.opener ?? 'rita'),
  });
}


beforeEach(() => {
  home = makeDataDir();
  mkdirSync(join(home.dir, 'store'));
  copyFileSync(fixture(artifactName), join(home.dir, artifactName));
  clock = new Date('2026-11-22T10:00:00Z');
  keys = { alice: makeTestKey('ecdsa-p256'), bob: makeTestKey('ed25519'), carol: makeTestKey('ecdsa-p384'), rita: makeTestKey('ecdsa-p256'), mallory: makeTestKey('ecdsa-p256') };
  service = new CeremonyService(new CeremonyStore(join(home.dir, 'store')), signer, () => clock);
  signed = 0;
  signingCalls = 0;
});
afterEach(() => home.cleanup());

describe('the ceremony engine', () => {
  it('signs the opening with the opener\'s key and does not let the opener approve', async () => {
    const { view, events } = await open(writePolicy(), { opener: 'alice' });
    expect(view.openedBy).toBe('alice');
    const opening = events.find((stored) => stored.event.type === 'opened')!;
    expect(opening.envelope.signatures).toHaveLength(1);
    expect(opening.envelope.signatures[0]!.keyid).toBe(keys.alice.keyId);
    const refused = await failure(service.approve(view.id, uri('alice')));
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toMatch(/opened this ceremony/);
  });

  it('lets the opener approve when the policy says so', async () => {
    const { view } = await open(writePolicy({ separationOfDuties: { openerMayApprove: true } }), { opener: 'alice' });
    await service.approve(view.id, uri('alice'));
    const { view: after } = await service.approve(view.id, uri('bob'));
    expect(after.state).toBe('approved');
  });

  it('refuses a signature once the ceremony has expired, and shows it as expired', async () => {
    const { view } = await open(writePolicy({ ceremony: { maxOpenHours: 1 } }));
    clock = new Date('2026-11-22T11:30:00Z');
    signed = 0;
    const refused = await failure(service.approve(view.id, uri('bob')));
    expect(refused.message).toMatch(/expired/);
    expect(signed).toBe(0);
    expect((await service.load(view.id)).view.state).toBe('expired');
  });

  it('becomes rejected when signed rejections leave too few approvers, and cannot be published', async () => {
    const { view } = await open();
    await service.reject(view.id, uri('bob'), 'unexpected dependency');
    const { view: after } = await service.reject(view.id, uri('carol'), 'not reviewed');
    expect(after.state).toBe('rejected');
    expect((await failure(service.publish(view.id, join(home.dir, 'out'), uri('rita')))).message).toMatch(/rejected/);
  });

  it('does not count a tampered approval, and says so', async () => {
    const { view } = await open();
    await service.approve(view.id, uri('bob'));
    // Someone edits bob's approval file to carry mallory's signature under bob's keyid.
    const { events } = await service.load(view.id);
    const approval = events.find((stored) => stored.event.type === 'approved')!;
    const forged = { ...approval.event, signature: Buffer.from(keys.mallory.sign(new Uint8Array([1]))).toString('base64') };
    const { makeEnvelope } = await import('../../shared/dsse/envelope');
    const { eventPayloadType } = await import('../../shared/ceremony/events');
    writeFileSync(join(service.store.eventsDir(view.id), approval.source), JSON.stringify(makeEnvelope(eventPayloadType, new TextEncoder().encode(JSON.stringify(forged)), [])));
    const reloaded = await service.load(view.id);
    expect(reloaded.view.approvals).toEqual([]);
    expect(reloaded.view.problems.map((problem) => problem.message).join('\n')).toMatch(/changed after it was signed/);
  });

  it('records an override with who made it and why, only when the policy allows one', async () => {
    const strict = { evidence: { builders: ['https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml'] } };
    const blocked = await open(writePolicy(strict), { provenance: 'binary-linux-amd64-untrusted-builder.intoto.jsonl' });
    expect(blocked.view.state).toBe('open');
    expect((await failure(service.freeze(blocked.view.id, { keyUri: uri('alice'), overrideReason: 'fork reviewed' }))).code).toBe('forbidden');

    const lenient = await open(writePolicy({ evidence: { ...strict.evidence, allowOverride: true } }), { provenance: 'binary-linux-amd64-untrusted-builder.intoto.jsonl' });
    expect((await failure(service.freeze(lenient.view.id, { keyUri: uri('mallory'), overrideReason: 'fork reviewed' }))).message).toMatch(/belongs to nobody in this ceremony's policy/);
    const frozen = await service.freeze(lenient.view.id, { keyUri: uri('alice'), overrideReason: 'fork reviewed by security' });
    expect(frozen.view.state).toBe('frozen');
    expect(frozen.view.frozen!.overrides.every((override) => override.by === 'alice' && override.reason === 'fork reviewed by security')).toBe(true);
    const statement = JSON.parse(new TextDecoder().decode(frozen.statement));
    expect(JSON.stringify(statement.predicate.findings)).toContain('fork reviewed by security');
  });

  it('names artifacts by SHA-512 too when asked, in the statement everyone signs', async () => {
    const { view } = await service.open({ policyPath: writePolicy(), release: { name: 'demo', version: '1.0.0' }, artifactPaths: [join(home.dir, artifactName)], provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)], sha512: true, openerKeyUri: uri('rita') });
    const { statement } = await service.load(view.id);
    const subject = JSON.parse(new TextDecoder().decode(statement)).subject[0];
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    expect(subject.digest.sha512).toBe(createHash('sha512').update(readFileSync(join(home.dir, artifactName))).digest('hex'));
  });

  it('cancels, after which nothing more is signed', async () => {
    const { view } = await open();
    const cancelled = await service.cancel(view.id, { reason: 'wrong artifact', keyUri: uri('rita') });
    expect(cancelled.view.state).toBe('cancelled');
    expect((await failure(service.approve(view.id, uri('bob')))).message).toMatch(/cancelled/);
  });

  it('keeps every signature when the same approval arrives twice and when a file is damaged', async () => {
    const { view } = await open();
    await service.approve(view.id, uri('bob'));
    await service.approve(view.id, uri('bob'));
    writeFileSync(join(service.store.eventsDir(view.id), 'zzzz-damaged.json'), '{"half": ');
    const { view: after } = await service.load(view.id);
    expect(after.approvals).toHaveLength(1);
    expect(after.state).toBe('frozen');
    expect(after.problems.map((problem) => problem.message).join('\n')).toMatch(/zzzz-damaged.json/);
    const { view: done } = await service.approve(view.id, uri('alice'));
    expect(done.state).toBe('approved');
  });

  it('signs every event by its author: the opening and its automatic freeze in one signing session, each decision and the publication', async () => {
    const { view } = await open();
    expect(signingCalls).toBe(1);
    await service.approve(view.id, uri('alice'));
    await service.approve(view.id, uri('bob'));
    await service.publish(view.id, join(home.dir, 'out'), uri('rita'));
    const { events, view: published } = await service.load(view.id);
    expect(published.state).toBe('published');
    const authors = Object.fromEntries(Object.entries(keys).map(([name, key]) => [key.keyId, name]));
    const signedBy = events.map((stored) => `${stored.event.type}:${stored.envelope.signatures.map((signature) => authors[signature.keyid]).join(',')}`).sort();
    expect(signedBy).toEqual(['approved:alice', 'approved:bob', 'frozen:rita', 'opened:rita', 'published:rita']);
    expect(published.problems).toEqual([]);
  });

  it('refuses to open, freeze, cancel or publish with a key the policy does not know, before writing anything', async () => {
    const refused = await failure(open(writePolicy(), { opener: 'mallory' }));
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toMatch(/releaseManagers/);
    expect(await service.store.listCeremonies()).toEqual([]);
    const { view } = await open();
    expect((await failure(service.cancel(view.id, { keyUri: uri('mallory') }))).code).toBe('forbidden');
    expect((await service.load(view.id)).view.state).toBe('frozen');
  });

  it('refuses an opener whose not counting would leave the policy unreachable', async () => {
    const refused = await failure(open(writePolicy({ roles: { security: 1 } }), { opener: 'alice' }));
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toMatch(/If alice opens this ceremony, the policy can never be met/);
    expect(await service.store.listCeremonies()).toEqual([]);
  });

    it('does not let a release manager approve', async () => {
    const { view } = await open(writePolicy(), { opener: 'alice' });
    const refused = await failure(service.approve(view.id, uri('rita')));
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toMatch(/release manager/);
  });

  it('flags and ignores an event nobody the policy knows signed: an unsigned cancel, and a cancel signed by an outsider', async () => {
    const { view } = await open();
    const { makeEnvelope } = await import('../../shared/dsse/envelope');
    const { eventPayloadType } = await import('../../shared/ceremony/events');
    const { pae } = await import('../../shared/dsse/pae');
    const unsigned = { ceremonyId: view.id, type: 'cancelled' as const, at: '2026-11-22T10:05:00.000Z', reason: 'forged' };
    await service.store.append(makeEnvelope(eventPayloadType, new TextEncoder().encode(JSON.stringify(unsigned)), []), unsigned);
    const outsider = { ...unsigned, at: '2026-11-22T10:06:00.000Z', actorKeyId: keys.mallory.keyId };
    const payload = new TextEncoder().encode(JSON.stringify(outsider));
    await service.store.append(makeEnvelope(eventPayloadType, payload, [{ keyid: keys.mallory.keyId, signature: keys.mallory.sign(pae(eventPayloadType, payload)) }]), outsider);
    const { view: after } = await service.load(view.id);
    expect(after.state).toBe('frozen');
    expect(after.problems.map((problem) => problem.message).join('\n')).toMatch(/names no author and carries no signature/);
    expect(after.problems.map((problem) => problem.message).join('\n')).toMatch(/which the ceremony's policy does not list/);
    // And the ceremony goes on: the approvers' signatures still count.
    await service.approve(view.id, uri('alice'));
    expect((await service.approve(view.id, uri('bob'))).view.state).toBe('approved');
  });

  it('answers each command with the verdict a fresh load gives, judged from the files it loaded and wrote (issue 11)', async () => {
    const opened = await open();
    const fresh = async () => {
      const { view, events } = await service.load(opened.view.id);
      return { view, sources: events.map((stored) => stored.source) };
    };
    const answered = (loaded: Awaited<ReturnType<CeremonyService['load']>>) => ({ view: loaded.view, sources: loaded.events.map((stored) => stored.source) });
    expect(answered(opened)).toEqual(await fresh());
    // A damaged file in the folder is told about in the answer too.
    writeFileSync(join(service.store.eventsDir(opened.view.id), 'zzzz-damaged.json'), '{"half": ');
    const shown = await service.load(opened.view.id);
    // Decided on the ceremony as shown (the CLI shows it first): not read again, and the same answer as reading it again.
    const approved = await service.approve(opened.view.id, uri('alice'), { statementDigest: shown.view.frozen!.statementDigest, loaded: shown });
    expect(answered(approved)).toEqual(await fresh());
    expect(approved.view.approvals.map((approval) => approval.keyId)).toEqual([keys.alice.keyId]);
    expect(approved.view.problems.map((problem) => problem.message).join('\n')).toMatch(/zzzz-damaged.json/);
    expect(answered(await service.reject(opened.view.id, uri('bob'), 'not this build'))).toEqual(await fresh());
    expect(answered(await service.cancel(opened.view.id, { keyUri: uri('rita'), reason: 'superseded' }))).toEqual(await fresh());
  });

  it('cannot be shown at all when nobody the policy knows signed its opening', async () => {
    const { view, events } = await open();
    const opening = events.find((stored) => stored.event.type === 'opened')!;
    const { makeEnvelope } = await import('../../shared/dsse/envelope');
    const { eventPayloadType } = await import('../../shared/ceremony/events');
    writeFileSync(join(service.store.eventsDir(view.id), opening.source), JSON.stringify(makeEnvelope(eventPayloadType, new TextEncoder().encode(JSON.stringify(opening.event)), [])));
    const refused = await failure(service.load(view.id));
    expect(refused.message).toMatch(/no opening signed by the person it names/);
  });
});
