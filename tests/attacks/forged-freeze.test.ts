/**
 * Attack 1 (issue 10): the release manager writes her own `frozen` event whose
 * statement names an extra subject, a look-alike of the release's file name
 * (a Cyrillic "а") carrying another file's digest, dated before the honest
 * freeze so it would be "the first". Approvers must never be shown or sign it,
 * and `conclave verify --artifact evil.tgz` must fail. The same forged freeze
 * carried in a bundle is refused with the judge's code; a freeze that
 * overrides a failed finding the policy does not let anyone override is
 * refused too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statementFromOpening } from '../../shared/ceremony/release-statement';
import type { OpenedEvent } from '../../shared/ceremony/events';
import { drop, forgeEvent, inTotoPayloadType, sha256, shifted, type ForgedFile } from './support/forge';
import { openingLike, validFreeze } from './support/statements';
import { artifactName, codesFor, fixture, keyUri, makeAttackWorld, statementOf, type AttackWorld, type StoredFile } from './support/world';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

const slow = 240_000;
/** "binаry-…" with U+0430 CYRILLIC SMALL LETTER A: looks like the release's file, is not. */
const lookAlike = artifactName.replace('binary', 'bin\u0430ry');

let world: AttackWorld;
beforeAll(async () => {
  world = await makeAttackWorld();
}, slow);
afterAll(() => world?.cleanup());

describe('a release manager freezes a statement with an extra look-alike subject', () => {
  let id: string;
  let honest: StoredFile;
  let forged: ForgedFile;
  let evilPath: string;

  beforeAll(async () => {
    id = await world.open({ opener: 'rita' });
    const [opening] = world.filesOf(id, 'opened');
    [honest] = world.filesOf(id, 'frozen') as [StoredFile];
    evilPath = join(world.work, 'evil.tgz');
    writeFileSync(evilPath, 'a release with a backdoor\n');

    // Rita takes the honest statement, adds her subject, and signs the freeze with her own key, dated before the honest one.
    const statement = JSON.parse(Buffer.from(honest.event.statement as string, 'base64').toString('utf8')) as { subject: unknown[] };
    statement.subject.push({ name: lookAlike, digest: { sha256: sha256(readFileSync(evilPath)) } });
    const bytes = Buffer.from(JSON.stringify(statement), 'utf8');
    forged = forgeEvent(
      { ceremonyId: id, type: 'frozen', at: shifted(opening!.event.at, -1000), payloadType: inTotoPayloadType, statement: bytes.toString('base64'), statementDigest: sha256(bytes), overrides: [] },
      { signWith: world.attackers.rita },
    );
    drop(world.eventsDir(id), forged);
  }, slow);

  it('does not count (freeze-statement-invalid): show lists the honest statement, its subjects and digest', async () => {
    const view = await world.show(id);
    expect(codesFor(view, forged.name)).toEqual(['freeze-statement-invalid']);
    expect(view.frozen?.statementDigest).toBe(honest.event.statementDigest);
    expect(statementOf(view).subject.map((subject) => subject.name)).toEqual([artifactName]);
    expect(view.artifacts.map((artifact) => artifact.name)).toEqual([artifactName]);
    expect(view.state).toBe('frozen');
    expect(view.actions).toContain('approve');
  }, slow);

  it('approvers are shown and sign the honest statement only', async () => {
    const alice = await world.approve(id, 'alice');
    expect(alice.timedOut).toBe(false);
    expect(alice.code, alice.err).toBe(0);
    // What alice reviewed before her token signed: the statement's own bytes.
    expect(alice.err).toContain(`You are signing statement sha256:${honest.event.statementDigest as string}`);
    expect(alice.err).toContain(JSON.stringify(artifactName));
    expect(alice.err).not.toContain(lookAlike);
    const approvals = world.filesOf(id, 'approved');
    expect(approvals).toHaveLength(1);
    expect(approvals[0]!.event.statementDigest).toBe(honest.event.statementDigest);
    expect(approvals[0]!.event.keyId).toBe(world.keyIds.alice);

    const bob = await world.approve(id, 'bob');
    expect(bob.code, bob.err).toBe(0);
    const view = await world.show(id);
    expect(view.state).toBe('approved');
    expect(view.approvals.map((approval) => approval.keyId).sort()).toEqual([world.keyIds.alice, world.keyIds.bob].sort());
  }, slow);

  it('what is published names only the opened artifact: conclave verify --artifact evil.tgz exits 1', async () => {
    const out = join(world.work, 'published');
    const published = await world.cli(['ceremony', 'publish', id, '--out', out, '--key', keyUri('rita'), '--pin-env', 'PIN']);
    expect(published.code, published.err).toBe(0);
    const envelopePath = join(out, 'app-1.0.0.intoto.dsse.json');
    const envelope = JSON.parse(readFileSync(envelopePath, 'utf8')) as { payload: string };
    const payload = Buffer.from(envelope.payload, 'base64');
    expect(sha256(payload)).toBe(honest.event.statementDigest);
    expect(payload.toString('utf8')).not.toContain(lookAlike);

    const evil = await world.cli(['verify', '--policy', world.policyPath, '--envelope', envelopePath, '--artifact', evilPath, '--json']);
    expect(evil.timedOut).toBe(false);
    expect(evil.code).toBe(1);
    const report = JSON.parse(evil.out) as { ok: boolean; failures: { code: string }[] };
    expect(report.ok).toBe(false);
    expect(report.failures.map((failure) => failure.code)).toEqual(['artifact-not-in-statement']);

    // The honest artifact still verifies: the attack cost the team nothing.
    const good = await world.cli(['verify', '--policy', world.policyPath, '--envelope', envelopePath, '--artifact', world.artifactPath]);
    expect(good.code, good.out).toBe(0);
  }, slow);

  it('the audit reports the forged freeze by its code', async () => {
    const audit = await world.audit(id);
    expect(audit.code).toBe(1);
    expect(audit.findings).toEqual([{ code: 'freeze-statement-invalid', file: `${ceremonyFolder(id)}/events/${forged.name}` }]);
  }, slow);

  it('a bundle carrying the forged freeze is refused with the judge\'s code; everything honest is imported', async () => {
    const bundlePath = join(world.work, 'ceremony.conclave-bundle.json');
    const exported = await world.cli(['ceremony', 'export', id, '--out', bundlePath]);
    expect(exported.code, exported.err).toBe(0);
    expect(readFileSync(bundlePath, 'utf8')).toContain(forged.name);

    const laptop = await world.machine('laptop', [world.policyPath]);
    const laptopStore = join(world.dir, 'laptop-store');
    const imported = await world.cli(['ceremony', 'import', bundlePath, '--json'], { home: laptop, store: laptopStore });
    expect(imported.timedOut).toBe(false);
    expect(imported.code).toBe(1);
    const report = JSON.parse(imported.out) as { refused: { name: string; code: string }[]; added: { name: string }[]; view?: { state: string; frozen?: { statementDigest: string } } };
    expect(report.refused).toEqual([expect.objectContaining({ name: forged.name, code: 'freeze-statement-invalid' })]);
    expect(report.added.map((added) => added.name).sort()).toEqual(world.files(id).map((file) => file.name).filter((name) => name !== forged.name));
    expect(report.view?.state).toBe('published');
    expect(report.view?.frozen?.statementDigest).toBe(honest.event.statementDigest);
    expect(world.files(id, laptopStore).map((file) => file.name)).not.toContain(forged.name);
  }, slow);
});

describe('a release manager opens a ceremony by hand and freezes it with the extra subject, the only freeze there is', () => {
  it('the ceremony stays open (freeze-statement-invalid); the honest freeze that follows is what approvers sign', async () => {
    const template = world.filesOf(await world.open({ release: 'app@1.1.0' }), 'opened')[0]!.event;
    const opening = openingLike(template, { at: shifted(new Date().toISOString(), -600_000), openedBy: 'rita' }, world.attackers.rita);
    const id = opening.event.ceremonyId;
    const honest = validFreeze(opening.event, world.policy, shifted(opening.event.at, 1000), world.attackers.rita);
    const statement = JSON.parse(Buffer.from(honest.event.statement as string, 'base64').toString('utf8')) as { subject: unknown[] };
    statement.subject.push({ name: lookAlike, digest: { sha256: sha256('a release with a backdoor\n') } });
    const bytes = Buffer.from(JSON.stringify(statement), 'utf8');
    const forged = forgeEvent({ ...honest.event, statement: bytes.toString('base64'), statementDigest: sha256(bytes) }, { signWith: world.attackers.rita });
    drop(world.eventsDir(id), opening);
    drop(world.eventsDir(id), forged);

    const open = await world.show(id);
    expect(codesFor(open, forged.name)).toEqual(['freeze-statement-invalid']);
    expect(open.state).toBe('open');
    expect(open.frozen).toBeUndefined();
    const early = await world.approve(id, 'alice');
    expect(early.code).toBe(1);
    expect(world.filesOf(id, 'approved')).toEqual([]);

    const frozen = await world.cli(['ceremony', 'freeze', id, '--key', keyUri('carol'), '--pin-env', 'PIN']);
    expect(frozen.code, frozen.err).toBe(0);
    const view = await world.show(id);
    expect(view.state).toBe('frozen');
    expect(statementOf(view).subject.map((subject) => subject.name)).toEqual([artifactName]);
    const alice = await world.approve(id, 'alice');
    expect(alice.code, alice.err).toBe(0);
    expect(alice.err).not.toContain(lookAlike);
    expect(world.filesOf(id, 'approved').map((file) => file.event.statementDigest)).toEqual([view.frozen!.statementDigest]);
  }, slow);
});

describe('a release manager freezes over a failed finding the policy does not let anyone override', () => {
  let id: string;
  let opened: OpenedEvent;

  beforeAll(async () => {
    // The team also keeps a policy that allows only its real builder; this ceremony's provenance comes from another.
    const strict = { ...world.policy, name: 'team-strict', evidence: { builders: ['https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@*'] } };
    const strictPath = join(world.work, 'team-strict.json');
    writeFileSync(strictPath, JSON.stringify(strict));
    const trusted = await world.cli(['policy', 'trust', strictPath, '--yes']);
    expect(trusted.code, trusted.err).toBe(0);
    id = await world.open({ opener: 'rita', policyPath: strictPath, provenance: fixture('binary-linux-amd64-untrusted-builder.intoto.jsonl'), expect: 'open', release: 'app@2.0.0' });
    opened = world.filesOf(id, 'opened')[0]!.event as unknown as OpenedEvent;
    expect(opened.findings.some((finding) => finding.status === 'fail')).toBe(true);
  }, slow);

  it('an override freeze does not count (freeze-override-invalid), nor one that ignores the failure (freeze-blocked)', async () => {
    const failing = opened.findings.filter((finding) => finding.status === 'fail');
    const at = shifted(opened.at, 60_000);
    const overrides = failing.map((finding) => ({ findingId: finding.id, by: 'rita', reason: 'trust me' }));
    // The statement the opening determines with these overrides, byte for byte (Conclave is open source: rita runs its code).
    const policy = { digest: opened.policyDigest, name: 'team-strict', threshold: 2 };
    const withOverride = statementFromOpening(opened, policy, overrides, at);
    const overriding = forgeEvent(
      { ceremonyId: id, type: 'frozen', at, payloadType: inTotoPayloadType, statement: Buffer.from(withOverride).toString('base64'), statementDigest: sha256(withOverride), overrides },
      { signWith: world.attackers.rita },
    );
    const plain = statementFromOpening(opened, policy, [], shifted(at, 1000));
    const ignoring = forgeEvent(
      { ceremonyId: id, type: 'frozen', at: shifted(at, 1000), payloadType: inTotoPayloadType, statement: Buffer.from(plain).toString('base64'), statementDigest: sha256(plain), overrides: [] },
      { signWith: world.attackers.rita },
    );
    drop(world.eventsDir(id), overriding);
    drop(world.eventsDir(id), ignoring);

    const view = await world.show(id);
    expect(codesFor(view, overriding.name)).toEqual(['freeze-override-invalid']);
    expect(codesFor(view, ignoring.name)).toEqual(['freeze-blocked']);
    expect(view.state).toBe('open');
    expect(view.frozen).toBeUndefined();

    const before = world.files(id).length;
    const alice = await world.approve(id, 'alice');
    expect(alice.timedOut).toBe(false);
    expect(alice.code).toBe(1);
    expect(alice.err).toMatch(/not frozen yet/);
    expect(world.files(id)).toHaveLength(before);
  }, slow);
});
