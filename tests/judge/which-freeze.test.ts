/**
 * Which of two valid freezes counts (shared/ceremony/judge.ts, 'which freeze
 * counts'): each statement is judged on its own, and the one that counts is
 * the one with the most approvals the policy counts; on a tie, the one with
 * the most by people other than whoever froze it; then the earliest instant.
 * The other freeze is `freeze-second`, and approvals of its statement stay in
 * the store as `decision-other-statement`. So a key that writes a valid
 * freeze of its own, dated before the honest one, after the approvals are in,
 * cannot discard them. Stores here are an honest ceremony (support/world.ts:
 * rita, a release manager, opens it under a 2-of-3 policy of alice, bob and
 * carol) and events written by hand, as an insider with a key would.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeCeremony, type JudgedCeremony } from '../../shared/ceremony/judge';
import { decisionPayloadTypeOf, eventPayloadType, rejectionDocument, type CeremonyEvent } from '../../shared/ceremony/events';
import { statementFromOpening } from '../../shared/ceremony/release-statement';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { canonicalJsonBytes } from '../../shared/json/canonical';
import { inTotoPayloadType, pae } from '../../shared/dsse/pae';
import { readFiles } from './support/operations';
import { openedAt, World, type BaseFile, type Holder, type HonestCeremony } from './support/world';

const hour = 3_600_000;
const at = (hours: number) => new Date(openedAt.getTime() + hours * hour).toISOString();
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

let world: World;
let ceremony: HonestCeremony;
beforeAll(async () => {
  world = new World();
  ceremony = await world.ceremony({ openerMayApprove: false, securityRole: false, aliceTwoKeys: false }, 'rita');
});
afterAll(() => world.cleanup());

/** An event file as the store writes it, signed by `who`. */
function signed(event: CeremonyEvent, who: Holder): BaseFile {
  const key = world.keys[who];
  const payload = new TextEncoder().encode(JSON.stringify({ ...event, actorKeyId: key.keyId }));
  const envelope = makeEnvelope(eventPayloadType, payload, [{ keyid: key.keyId, signature: key.sign(pae(eventPayloadType, payload)) }]);
  return { name: `${event.at.replace(/[-:.]/g, '')}-${event.type}-${sha256(payload).slice(0, 16)}.json`, text: `${JSON.stringify(envelope, null, 2)}\n` };
}

interface Freeze {
  file: BaseFile;
  statement: Uint8Array;
  digest: string;
}

/** A valid freeze by `who` at `when` hours after the opening: the statement the opening determines at that time. */
function freeze(when: number, who: Holder): Freeze {
  const statement = statementFromOpening(ceremony.opened, ceremony.policy, [], at(when));
  const digest = sha256(statement);
  const file = signed({ ceremonyId: ceremony.id, type: 'frozen', at: at(when), payloadType: inTotoPayloadType, statement: Buffer.from(statement).toString('base64'), statementDigest: digest, overrides: [] }, who);
  return { file, statement, digest };
}

/** The honest freeze the service wrote when rita opened the ceremony. */
const honestFreeze = (): Freeze => ({ file: ceremony.frozenFile, statement: ceremony.statement, digest: sha256(ceremony.statement) });

/** `who`'s approval of a freeze's statement, `when` hours after the opening. */
function approval(of: Freeze, who: Holder, when: number): BaseFile {
  const key = world.keys[who];
  const signature = Buffer.from(key.sign(pae(inTotoPayloadType, of.statement))).toString('base64');
  return signed({ ceremonyId: ceremony.id, type: 'approved', at: at(when), statementDigest: of.digest, keyId: key.keyId, signature, noTrustedTime: 'the policy names no time-stamping authority' }, who);
}

/** `who`'s withdrawal of their approval of a freeze's statement, `when` hours after the opening. */
function withdrawal(of: Freeze, who: Holder, when: number): BaseFile {
  const key = world.keys[who];
  const reason = 'second thoughts';
  const document = rejectionDocument({ ceremonyId: ceremony.id, statementDigest: of.digest, reason });
  const signature = Buffer.from(key.sign(pae(decisionPayloadTypeOf('withdrawn', inTotoPayloadType), canonicalJsonBytes(document)))).toString('base64');
  return signed({ ceremonyId: ceremony.id, type: 'withdrawn', at: at(when), statementDigest: of.digest, keyId: key.keyId, reason, signature }, who);
}

function judge(files: BaseFile[]): Promise<JudgedCeremony> {
  return judgeCeremony({ ceremonyId: ceremony.id, files: readFiles([ceremony.openingFile, ...files]), now: new Date(at(10)) }, world.dependencies);
}

const code = (judged: JudgedCeremony, file: BaseFile) => {
  const verdict = judged.verdicts.get(file.name);
  return verdict?.counts ? 'counts' : verdict?.problem.code;
};

describe('of two valid freezes, the one whose statement the most approvers signed counts, the earliest on a tie', () => {
  it('with no approvals, the earliest freeze counts', async () => {
    const first = honestFreeze();
    const later = freeze(1, 'rita');
    const judged = await judge([first.file, later.file]);
    expect(judged.frozenSource).toBe(first.file.name);
    expect(judged.view.frozen?.statementDigest).toBe(first.digest);
    expect(code(judged, later.file)).toBe('freeze-second');
  });

  it('with approvals on the later one only, the later one counts, and approvals are reported against the earlier one', async () => {
    const first = honestFreeze();
    const later = freeze(1, 'rita');
    const alice = approval(later, 'alice', 2);
    const judged = await judge([first.file, later.file, alice]);
    expect(judged.frozenSource).toBe(later.file.name);
    expect(judged.view.frozen?.statementDigest).toBe(later.digest);
    expect(code(judged, first.file)).toBe('freeze-second');
    expect(code(judged, alice)).toBe('counts');
    expect(judged.evaluation.counted).toEqual(['alice']);
  });

  it('with as many approvals on each, the earliest counts; the approvals of the other stay, as decision-other-statement', async () => {
    const first = honestFreeze();
    const later = freeze(1, 'rita');
    const alice = approval(later, 'alice', 2);
    const bob = approval(first, 'bob', 3);
    const judged = await judge([first.file, later.file, alice, bob]);
    expect(judged.frozenSource).toBe(first.file.name);
    expect(code(judged, later.file)).toBe('freeze-second');
    expect(code(judged, bob)).toBe('counts');
    expect(code(judged, alice)).toBe('decision-other-statement');
    // One more approval of the later statement, and it counts instead: what counts changes, nothing is lost.
    const carol = approval(later, 'carol', 4);
    const after = await judge([first.file, later.file, alice, bob, carol]);
    expect(after.frozenSource).toBe(later.file.name);
    expect(after.view.state).toBe('approved');
    expect(after.evaluation.counted).toEqual(['alice', 'carol']);
    expect(code(after, bob)).toBe('decision-other-statement');
  });

  it('a withdrawal that takes the only approval off the later statement makes the earliest count again; it is then over the statement that lost', async () => {
    const first = honestFreeze();
    const later = freeze(1, 'rita');
    const alice = approval(later, 'alice', 2);
    expect((await judge([first.file, later.file, alice])).frozenSource).toBe(later.file.name);
    const withdrawn = withdrawal(later, 'alice', 3);
    const judged = await judge([first.file, later.file, alice, withdrawn]);
    // Each statement alone has no approval now: a tie, and the earliest counts. Her approval counts nowhere, as she wanted.
    expect(judged.frozenSource).toBe(first.file.name);
    expect(judged.view.approvals).toEqual([]);
    expect(judged.view.actions).toContain('approve');
    // Both of her decisions are over the statement that lost, and reported as such, as every decision over it is.
    expect(code(judged, alice)).toBe('decision-other-statement');
    expect(code(judged, withdrawn)).toBe('decision-other-statement');
    expect(code(judged, later.file)).toBe('freeze-second');
  });

  it('a valid freeze dated before the honest one, written after the approvals are in, does not discard them', async () => {
    const honest = freeze(2, 'rita');
    const approvals = [approval(honest, 'alice', 3), approval(honest, 'bob', 3.5)];
    const backdated = freeze(1, 'rita');
    const judged = await judge([honest.file, ...approvals, backdated.file]);
    expect(judged.frozenSource).toBe(honest.file.name);
    expect(judged.view.state).toBe('approved');
    expect(judged.evaluation.counted).toEqual(['alice', 'bob']);
    expect(code(judged, backdated.file)).toBe('freeze-second');
  });

  it("an approver's own approval of the freeze they wrote does not break a tie with a statement someone else approved", async () => {
    const honest = freeze(2, 'rita');
    const alice = approval(honest, 'alice', 3);
    // Carol, an approver (one key), freezes a statement of her own dated earlier, and approves it.
    const backdated = freeze(1, 'carol');
    const carol = approval(backdated, 'carol', 4);
    const judged = await judge([honest.file, alice, backdated.file, carol]);
    expect(judged.frozenSource).toBe(honest.file.name);
    expect(code(judged, alice)).toBe('counts');
    expect(code(judged, backdated.file)).toBe('freeze-second');
    expect(code(judged, carol)).toBe('decision-other-statement');
  });

  it('the order the files are given in does not matter', async () => {
    const first = honestFreeze();
    const later = freeze(1, 'rita');
    const files = [first.file, later.file, approval(later, 'alice', 2), approval(first, 'bob', 3), approval(later, 'carol', 4)];
    const judged = await judge(files);
    const reversed = await judge([...files].reverse());
    expect(reversed.frozenSource).toBe(judged.frozenSource);
    expect([...reversed.verdicts].sort()).toEqual([...judged.verdicts].sort());
  });
});
