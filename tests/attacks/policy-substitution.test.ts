/**
 * Attack 3 (issue 10): substituting the policy.
 *
 * Mallory, an outsider with push access to the shared store, copies the team's
 * policy, swaps alice's key for her own (same ids, same names), and writes an
 * opening "by alice" under it, with a freeze and an approval, all signed with
 * her key: a ceremony of its own, and the same opening dated earlier in a
 * ceremony the team already runs. An insider (dave) adds a second opening under
 * the team's own policy. And a consumer verifies with the team's policy an
 * envelope approved under another one.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBy, drop, policyDigest, shifted, type EventJson, type ForgedFile } from './support/forge';
import { openingLike, validFreeze } from './support/statements';
import { codesFor, keyUri, makeAttackWorld, type AttackWorld } from './support/world';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

const slow = 240_000;
let world: AttackWorld;
let template: EventJson;
/** The team's policy with alice's key swapped for mallory's: same ids, same shape. */
let swapped: Record<string, unknown>;

beforeAll(async () => {
  world = await makeAttackWorld();
  template = world.filesOf(await world.open({ release: 'app@1.0.0' }), 'opened')[0]!.event;
  swapped = {
    ...world.policy,
    approvers: (world.policy.approvers as { id: string; publicKey: string }[]).map((approver) => (approver.id === 'alice' ? { ...approver, publicKey: world.publicKeys.mallory } : approver)),
  };
}, slow);
afterAll(() => world?.cleanup());

/** Mallory's opening "by alice" under the swapped policy, with a valid freeze and an approval as alice, all signed with her key. */
function mallorysCeremony(at: string, ceremonyId?: string): { opening: ForgedFile; freeze: ForgedFile; approval: ForgedFile } {
  const opening = openingLike(template, { at, policy: swapped, policyDigest: policyDigest(swapped), openedBy: 'alice', ...(ceremonyId ? { ceremonyId } : {}) }, world.attackers.mallory);
  const freeze = validFreeze(opening.event, swapped, shifted(at, 1000), world.attackers.mallory);
  const statement = Buffer.from(freeze.event.statement as string, 'base64');
  const approval = approvalBy(world.attackers.mallory, opening.event.ceremonyId, shifted(at, 2000), statement);
  return { opening, freeze, approval };
}

describe('an outsider opens a ceremony under the team\'s policy with one key swapped', () => {
  let id: string;
  let forged: ReturnType<typeof mallorysCeremony>;

  beforeAll(() => {
    forged = mallorysCeremony(shifted(new Date().toISOString(), -300_000));
    id = forged.opening.event.ceremonyId;
    for (const file of Object.values(forged)) drop(world.eventsDir(id), file);
  });

  it('is shown as under a policy this machine does not trust (policy-untrusted) and allows nothing', async () => {
    const view = await world.show(id);
    expect(view.policyTrusted).toBe(false);
    expect(view.actions).toEqual([]);
    expect(codesFor(view, forged.opening.name)).toEqual(['policy-untrusted']);
    expect(view.policyDigest).toBe(policyDigest(swapped));
    const described = await world.cli(['ceremony', 'show', id]);
    expect(described.out).toContain('UNTRUSTED POLICY');
    // The list says so too: its tally counts mallory's own approval under her policy ("1 of …: alice").
    const listed = await world.cli(['ceremony', 'list']);
    const line = listed.out.split('\n').find((entry) => entry.startsWith(id));
    expect(line).toMatch(/approval.* {2}UNTRUSTED POLICY$/);
    const honest = listed.out.split('\n').filter((entry) => entry && !entry.startsWith(id));
    expect(honest.length).toBeGreaterThan(0);
    for (const entry of honest) expect(entry).not.toContain('UNTRUSTED');
  }, slow);

  it('bob, who trusts the name "alice", cannot approve it: nothing is signed or written', async () => {
    const before = world.files(id).map((file) => file.name);
    const bob = await world.approve(id, 'bob');
    expect(bob.timedOut).toBe(false);
    expect(bob.code).toBe(1);
    expect(bob.err).toMatch(/does not trust/);
    expect(world.files(id).map((file) => file.name)).toEqual(before);
  }, slow);

  it('it cannot be published, and the audit names the untrusted policy', async () => {
    const out = join(world.work, 'out-forged');
    const published = await world.cli(['ceremony', 'publish', id, '--out', out, '--key', keyUri('rita'), '--pin-env', 'PIN']);
    expect(published.code).toBe(1);
    expect(published.err).toMatch(/does not trust/);
    expect(existsSync(out)).toBe(false);
    expect(world.filesOf(id, 'published')).toEqual([]);

    const audit = await world.audit(id);
    expect(audit.code).toBe(1);
    expect(audit.findings).toContainEqual({ code: 'policy-untrusted', file: `${ceremonyFolder(id)}/events/${forged.opening.name}` });
  }, slow);
});

describe('an outsider adds an opening dated earlier to a ceremony the team already runs', () => {
  let id: string;
  let forged: ReturnType<typeof mallorysCeremony>;
  let honestDigest: string;

  beforeAll(async () => {
    id = await world.open({ release: 'app@1.1.0' });
    const alice = await world.approve(id, 'alice');
    expect(alice.code, alice.err).toBe(0);
    const honest = world.filesOf(id, 'opened')[0]!;
    honestDigest = world.filesOf(id, 'frozen')[0]!.event.statementDigest as string;
    forged = mallorysCeremony(shifted(honest.event.at, -3600_000), id);
    for (const file of Object.values(forged)) drop(world.eventsDir(id), file);
  }, slow);

  it('does not take it over: the honest opening counts, the forged one is policy-untrusted', async () => {
    const view = await world.show(id);
    expect(view.policyTrusted).toBe(true);
    expect(view.openedBy).toBe('rita');
    expect(view.policyDigest).toBe(policyDigest(world.policy));
    expect(view.state).toBe('frozen');
    expect(view.frozen?.statementDigest).toBe(honestDigest);
    expect(codesFor(view, forged.opening.name)).toEqual(['policy-untrusted']);
    // Under the team's policy mallory's key is nobody's: her freeze and her "alice" approval do not count.
    expect(codesFor(view, forged.freeze.name)).toEqual(['event-unknown-signer']);
    expect(codesFor(view, forged.approval.name)).toEqual(['event-unknown-signer']);
    // Alice's real approval still counts, and the ceremony goes on.
    expect(view.approvals.map((approval) => approval.keyId)).toEqual([world.keyIds.alice]);
    expect(view.actions).toContain('approve');
    const bob = await world.approve(id, 'bob');
    expect(bob.code, bob.err).toBe(0);
    expect((await world.show(id)).state).toBe('approved');
  }, slow);
});

describe('an insider with a key of the trusted policy opens a ceremony a second time', () => {
  let id: string;
  let second: ForgedFile;

  beforeAll(async () => {
    id = await world.open({ release: 'app@1.2.0' });
    const honest = world.filesOf(id, 'opened')[0]!;
    // Dave's own opening of the same ceremony, under the team's policy, dated before rita's, signed with his key.
    second = openingLike(honest.event, { ceremonyId: id, at: shifted(honest.event.at, -60_000), openedBy: 'dave' }, world.attackers.dave);
    drop(world.eventsDir(id), second);
  }, slow);

  it('contests it: state contested, opening-contested, and no decision can be made or published', async () => {
    const view = await world.show(id);
    expect(view.state).toBe('contested');
    expect(view.actions).toEqual(['cancel']);
    const openings = world.filesOf(id, 'opened').map((file) => file.name);
    expect(openings.flatMap((name) => codesFor(view, name))).toEqual(['opening-contested']);

    const before = world.files(id).map((file) => file.name);
    const bob = await world.approve(id, 'bob');
    expect(bob.timedOut).toBe(false);
    expect(bob.code).toBe(1);
    const published = await world.cli(['ceremony', 'publish', id, '--out', join(world.work, 'out-contested'), '--key', keyUri('rita'), '--pin-env', 'PIN']);
    expect(published.code).toBe(1);
    expect(world.files(id).map((file) => file.name)).toEqual(before);
  }, slow);

  it('the team can still cancel it (the one action it offers), and the cancellation is recorded', async () => {
    const cancelled = await world.cli(['ceremony', 'cancel', id, '--key', keyUri('rita'), '--pin-env', 'PIN', '--reason', 'contested']);
    expect(cancelled.code, cancelled.err).toBe(0);
    expect(world.filesOf(id, 'cancelled')).toHaveLength(1);
    expect((await world.show(id)).cancelled?.reason).toBe('contested');
  }, slow);

  it('once cancelled, it is cancelled and offers nothing more', async () => {
    const view = await world.show(id);
    expect(view.state).toBe('cancelled');
    expect(view.actions).toEqual([]);
  }, slow);
});

describe('a consumer verifies with the team\'s policy an envelope approved under another policy', () => {
  it('conclave verify --policy team.json exits 1 with policy-mismatch, though every key is the team\'s', async () => {
    // Another policy with the very same keys (only its name differs): the team's machine trusts it too.
    const otherPath = join(world.work, 'other.json');
    writeFileSync(otherPath, JSON.stringify({ ...world.policy, name: 'other' }));
    expect((await world.cli(['policy', 'trust', otherPath, '--yes'])).code).toBe(0);
    const id = await world.open({ release: 'app@1.3.0', policyPath: otherPath });
    for (const who of ['alice', 'bob'] as const) expect((await world.approve(id, who)).code).toBe(0);
    const out = join(world.work, 'out-other');
    const published = await world.cli(['ceremony', 'publish', id, '--out', out, '--key', keyUri('rita'), '--pin-env', 'PIN']);
    expect(published.code, published.err).toBe(0);
    const envelopePath = join(out, 'app-1.3.0.intoto.dsse.json');

    const mismatch = await world.cli(['verify', '--policy', world.policyPath, '--envelope', envelopePath, '--artifact', world.artifactPath, '--json']);
    expect(mismatch.timedOut).toBe(false);
    expect(mismatch.code).toBe(1);
    const report = JSON.parse(mismatch.out) as { ok: boolean; failures: { code: string }[] };
    expect(report.ok).toBe(false);
    expect(report.failures.map((failure) => failure.code)).toEqual(['policy-mismatch']);

    const own = await world.cli(['verify', '--policy', otherPath, '--envelope', envelopePath, '--artifact', world.artifactPath]);
    expect(own.code, own.out).toBe(0);
  }, slow);
});
