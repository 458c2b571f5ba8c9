/**
 * Attacks on decisions, beyond issue 10's list: counting an approval twice by
 * copying its file, a release manager's key approving, an approver's key
 * writing someone else's approval, rejection or withdrawal, an approval
 * replayed from another ceremony, and withdrawing an approval from a published
 * release.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBy, drop, forgeEvent, shifted, signWithdrawal, type ForgedFile } from './support/forge';
import { codesFor, keyUri, makeAttackWorld, type AttackWorld, type StoredFile } from './support/world';

const slow = 240_000;
let world: AttackWorld;
/** Opened by rita, frozen, approved by alice. */
let id: string;
let frozen: StoredFile;
let aliceApproval: StoredFile;

beforeAll(async () => {
  world = await makeAttackWorld();
  id = await world.open({ release: 'app@1.0.0' });
  frozen = world.filesOf(id, 'frozen')[0]!;
  const alice = await world.approve(id, 'alice');
  expect(alice.code, alice.err).toBe(0);
  aliceApproval = world.filesOf(id, 'approved')[0]!;
}, slow);
afterAll(() => world?.cleanup());

const statementOf = (file: StoredFile) => Buffer.from(file.event.statement as string, 'base64');
/** The same file under another name the store could have given it. */
const renamed = (file: StoredFile): ForgedFile => ({ name: file.name.replace(/-[0-9a-f]{16}\.json$/, `-${randomBytes(8).toString('hex')}.json`), text: file.text, event: file.event });

async function expectAliceAloneCounts(ceremonyId = id) {
  const view = await world.show(ceremonyId);
  expect(view.approvals.map((approval) => approval.keyId)).toEqual([world.keyIds.alice]);
  expect(view.tally).toMatch(/^1 of 2 approvals/);
  expect(view.state).toBe('frozen');
  return view;
}

describe('counting one approval twice', () => {
  it('a copy of alice\'s approval under another file name counts once (event-copy)', async () => {
    const copy = renamed(aliceApproval);
    drop(world.eventsDir(id), copy);
    const view = await expectAliceAloneCounts();
    // Whichever name sorts first is the original; the other is the copy.
    expect([codesFor(view, copy.name), codesFor(view, aliceApproval.name)].sort()).toEqual([[], ['event-copy']]);
  }, slow);
});

describe('a release manager approves', () => {
  it('the CLI refuses her key, and her hand-written approval does not count (decision-not-approver)', async () => {
    const before = world.files(id).map((file) => file.name);
    const refused = await world.approve(id, 'rita');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/rita is a release manager/);
    expect(world.files(id).map((file) => file.name)).toEqual(before);

    const approval = approvalBy(world.attackers.rita, id, shifted(frozen.event.at, 2000), statementOf(frozen));
    drop(world.eventsDir(id), approval);
    const view = await expectAliceAloneCounts();
    expect(codesFor(view, approval.name)).toEqual(['decision-not-approver']);
  }, slow);
});

describe('an approver writes someone else\'s decision', () => {
  it('alice\'s approval re-signed by dave does not count (event-not-the-decider)', async () => {
    const replay = forgeEvent({ ...aliceApproval.event, at: shifted(aliceApproval.event.at, 1000) }, { signWith: world.attackers.dave });
    drop(world.eventsDir(id), replay);
    const view = await expectAliceAloneCounts();
    expect(codesFor(view, replay.name)).toEqual(['event-not-the-decider']);
  }, slow);

  it('a rejection in bob\'s name, signed by dave, does not count (event-not-the-decider)', async () => {
    const rejection = forgeEvent(
      { ceremonyId: id, type: 'rejected', at: shifted(frozen.event.at, 3000), statementDigest: frozen.event.statementDigest, keyId: world.keyIds.bob, reason: 'no', signature: Buffer.from('not bob').toString('base64') },
      { signWith: world.attackers.dave },
    );
    drop(world.eventsDir(id), rejection);
    const view = await expectAliceAloneCounts();
    expect(codesFor(view, rejection.name)).toEqual(['event-not-the-decider']);
    expect(view.rejections).toEqual([]);
  }, slow);

  describe('a withdrawal of alice\'s approval written by dave', () => {
    let withdrawal: ForgedFile;
    beforeAll(() => {
      const reason = 'alice changed her mind';
      withdrawal = forgeEvent(
        { ceremonyId: id, type: 'withdrawn', at: shifted(aliceApproval.event.at, 5000), statementDigest: frozen.event.statementDigest, keyId: world.keyIds.alice, reason, signature: signWithdrawal(world.attackers.dave, id, frozen.event.statementDigest as string, reason) },
        { signWith: world.attackers.dave },
      );
      drop(world.eventsDir(id), withdrawal);
    });

    it('does not count (event-not-the-decider): alice\'s approval still counts', async () => {
      const view = await expectAliceAloneCounts();
      expect(codesFor(view, withdrawal.name)).toEqual(['event-not-the-decider']);
    }, slow);
  });
});

describe('alice withdraws, approves again, and dave replays her withdrawal', () => {
  let ceremony: string;
  let replay: ForgedFile;

  beforeAll(async () => {
    ceremony = await world.open({ release: 'app@1.1.0' });
    expect((await world.approve(ceremony, 'alice')).code).toBe(0);
    const withdrawn = await world.cli(['ceremony', 'withdraw', ceremony, '--key', keyUri('alice'), '--pin-env', 'PIN', '--reason', 'wrong build']);
    expect(withdrawn.code, withdrawn.err).toBe(0);
    expect((await world.approve(ceremony, 'alice')).code).toBe(0);
    const view = await world.show(ceremony);
    expect(view.approvals.map((approval) => approval.keyId)).toEqual([world.keyIds.alice]);
    // Dave copies alice's withdrawal, with its signature of the withdrawal document, under a new time, and signs the file himself.
    const original = world.filesOf(ceremony, 'withdrawn')[0]!;
    const latest = world.filesOf(ceremony, 'approved').map((file) => file.event.at).sort().at(-1)!;
    replay = forgeEvent({ ...original.event, at: shifted(latest, 1000) }, { signWith: world.attackers.dave });
    drop(world.eventsDir(ceremony), replay);
  }, slow);

  it('does not count (event-not-the-decider), and alice\'s new approval still counts', async () => {
    const view = await world.show(ceremony);
    expect(codesFor(view, replay.name)).toEqual(['event-not-the-decider']);
    expect(view.approvals.map((approval) => approval.keyId)).toEqual([world.keyIds.alice]);
    expect(view.state).toBe('frozen');
  }, slow);
});

describe('an approval replayed from another ceremony', () => {
  let other: string;
  let otherFrozen: StoredFile;

  beforeAll(async () => {
    other = await world.open({ release: 'app@1.2.0' });
    otherFrozen = world.filesOf(other, 'frozen')[0]!;
    expect((await world.approve(id, 'dave')).code).toBe(0);
  }, slow);

  it('copied as it is, it belongs to the other ceremony (event-wrong-ceremony)', async () => {
    drop(world.eventsDir(other), aliceApproval);
    const view = await world.show(other);
    expect(codesFor(view, aliceApproval.name)).toEqual(['event-wrong-ceremony']);
    expect(view.approvals).toEqual([]);
  }, slow);

  it('rewritten for this ceremony by its own approver, it approves another statement (decision-other-statement), or its signature fails (decision-signature-invalid)', async () => {
    const daves = world.filesOf(id, 'approved').find((file) => file.event.keyId === world.keyIds.dave)!;
    const at = shifted(otherFrozen.event.at, 1000);
    const asIs = forgeEvent({ ...daves.event, ceremonyId: other, at }, { signWith: world.attackers.dave });
    const retargeted = forgeEvent({ ...daves.event, ceremonyId: other, at: shifted(at, 1000), statementDigest: otherFrozen.event.statementDigest }, { signWith: world.attackers.dave });
    drop(world.eventsDir(other), asIs);
    drop(world.eventsDir(other), retargeted);
    const view = await world.show(other);
    expect(codesFor(view, asIs.name)).toEqual(['decision-other-statement']);
    expect(codesFor(view, retargeted.name)).toEqual(['decision-signature-invalid']);
    expect(view.approvals).toEqual([]);
    expect(view.state).toBe('frozen');
  }, slow);
});

describe('withdrawing an approval from a published release', () => {
  let ceremony: string;
  let published: StoredFile;
  let davesApproval: StoredFile;

  beforeAll(async () => {
    ceremony = await world.open({ release: 'app@1.3.0' });
    for (const who of ['dave', 'alice'] as const) expect((await world.approve(ceremony, who)).code).toBe(0);
    const out = join(world.work, 'out-published');
    const done = await world.cli(['ceremony', 'publish', ceremony, '--out', out, '--key', keyUri('rita'), '--pin-env', 'PIN']);
    expect(done.code, done.err).toBe(0);
    published = world.filesOf(ceremony, 'published')[0]!;
    davesApproval = world.filesOf(ceremony, 'approved').find((file) => file.event.keyId === world.keyIds.dave)!;
  }, slow);

  const withdrawalByDave = (at: string) => {
    const frozenDigest = davesApproval.event.statementDigest as string;
    const reason = 'too late';
    return forgeEvent(
      { ceremonyId: ceremony, type: 'withdrawn', at, statementDigest: frozenDigest, keyId: world.keyIds.dave, reason, signature: signWithdrawal(world.attackers.dave, ceremony, frozenDigest, reason) },
      { signWith: world.attackers.dave },
    );
  };

  it('the CLI refuses it and writes nothing; a withdrawal written by hand does not count (withdrawal-after-publication)', async () => {
    const before = world.files(ceremony).map((file) => file.name);
    const refused = await world.cli(['ceremony', 'withdraw', ceremony, '--key', keyUri('alice'), '--pin-env', 'PIN', '--reason', 'too late']);
    expect(refused.timedOut).toBe(false);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/published: an approval cannot be withdrawn/);
    expect(world.files(ceremony).map((file) => file.name)).toEqual(before);

    const late = withdrawalByDave(shifted(published.event.at, 1000));
    drop(world.eventsDir(ceremony), late);
    const view = await world.show(ceremony);
    expect(codesFor(view, late.name)).toEqual(['withdrawal-after-publication']);
    expect(view.state).toBe('published');
    expect(view.approvals.map((approval) => approval.keyId).sort()).toEqual([world.keyIds.alice, world.keyIds.dave].sort());
  }, slow);

  // An event's time is what its author writes: dave dates his withdrawal between his approval and the publication. A
  // publication names the approvals it carries, so the withdrawal came too late to stop it and the release stands.
  it('a withdrawal backdated to before the publication does not unmake it', async () => {
    const backdated = withdrawalByDave(shifted(published.event.at, -1));
    drop(world.eventsDir(ceremony), backdated);
    const view = await world.show(ceremony);
    expect(view.state).toBe('published');
    expect(codesFor(view, backdated.name)).toEqual(['withdrawal-too-late']);
  }, slow);
});
