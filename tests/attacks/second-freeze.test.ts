/**
 * Attack 2 (issue 10): two valid frozen events. The release manager writes a
 * second freeze of her own, the statement the opening determines but with
 * another frozenAt, dated later, or dated earlier under a file name that sorts
 * after the honest one. Exactly one freeze may count (the other is
 * `freeze-second`): the one whose statement the most approvers signed, the
 * earliest in time on a tie (shared/ceremony/judge.ts, 'which freeze counts').
 * `ceremony show`, the statement approvers sign, the audit, the published
 * envelope and `conclave verify` must all use that same one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drop, sha256, shifted, type ForgedFile } from './support/forge';
import { openingLike, validFreeze } from './support/statements';
import { codesFor, keyUri, makeAttackWorld, type AttackWorld, type StoredFile } from './support/world';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

const slow = 240_000;
let world: AttackWorld;
/** A ceremony opened and frozen by the CLI; its opening is also the template rita copies to open ceremonies by hand. */
let firstId: string;
beforeAll(async () => {
  world = await makeAttackWorld();
  firstId = await world.open({ release: 'app@1.0.0' });
}, slow);
afterAll(() => world?.cleanup());

/** The whole second before a time with milliseconds ("…05:00:00Z" before "…05:00:00.123Z"): earlier, yet its file name sorts after. */
const wholeSecondOf = (iso: string): string => `${iso.slice(0, 19)}Z`;

/** The whole honest flow after the attack, checking that every path uses the freeze that counts, and flags the other. */
async function everyPathUses(id: string, counted: { name: string; digest: string }, other: string) {
  const view = await world.show(id);
  expect(view.frozen?.statementDigest).toBe(counted.digest);
  expect(codesFor(view, other)).toEqual(['freeze-second']);
  expect(codesFor(view, counted.name)).toEqual([]);

  // What alice is shown and signs: the statement that counts.
  const alice = await world.approve(id, 'alice');
  expect(alice.code, alice.err).toBe(0);
  expect(alice.err).toContain(`You are signing statement sha256:${counted.digest}`);
  expect(world.filesOf(id, 'approved').map((file) => file.event.statementDigest)).toEqual([counted.digest]);
  const bob = await world.approve(id, 'bob');
  expect(bob.code, bob.err).toBe(0);

  const audit = await world.audit(id);
  expect(audit.findings).toEqual([{ code: 'freeze-second', file: `${ceremonyFolder(id)}/events/${other}` }]);

  const out = join(world.work, `out-${id}`);
  const published = await world.cli(['ceremony', 'publish', id, '--out', out, '--key', keyUri('rita'), '--pin-env', 'PIN']);
  expect(published.code, published.err).toBe(0);
  const envelopePath = join(out, 'app-1.0.0.intoto.dsse.json');
  const envelope = JSON.parse(readFileSync(envelopePath, 'utf8')) as { payload: string; signatures: unknown[] };
  expect(sha256(Buffer.from(envelope.payload, 'base64'))).toBe(counted.digest);
  expect(envelope.signatures).toHaveLength(2);
  const verified = await world.cli(['verify', '--policy', world.policyPath, '--envelope', envelopePath, '--artifact', world.artifactPath]);
  expect(verified.code, verified.out).toBe(0);
  const final = await world.show(id);
  expect(final.state).toBe('published');
  expect(final.frozen?.statementDigest).toBe(counted.digest);
}

describe('the release manager adds a second valid freeze, dated later', () => {
  it('the first freeze counts everywhere; hers is freeze-second', async () => {
    const id = firstId;
    const [opening] = world.filesOf(id, 'opened');
    const [honest] = world.filesOf(id, 'frozen') as [StoredFile];
    const second = validFreeze(opening!.event, world.policy, shifted(honest.event.at, 60_000), world.attackers.rita);
    expect(second.event.statementDigest).not.toBe(honest.event.statementDigest);
    drop(world.eventsDir(id), second);
    await everyPathUses(id, { name: honest.name, digest: honest.event.statementDigest as string }, second.name);
  }, slow);
});

/** Rita opens a ceremony by hand, ten minutes ago (her key may open ceremonies), and carol freezes it now with the CLI. */
async function openedByHandFrozenByCarol(): Promise<{ id: string; opening: ForgedFile; honest: StoredFile }> {
  const opening = openingLike(world.filesOf(firstId, 'opened')[0]!.event, { at: shifted(new Date().toISOString(), -600_000), openedBy: 'rita' }, world.attackers.rita);
  const id = opening.event.ceremonyId;
  drop(world.eventsDir(id), opening);
  const frozen = await world.cli(['ceremony', 'freeze', id, '--key', keyUri('carol'), '--pin-env', 'PIN']);
  expect(frozen.code, frozen.err).toBe(0);
  const [honest] = world.filesOf(id, 'frozen') as [StoredFile];
  return { id, opening, honest };
}

describe('the release manager adds a second valid freeze, dated earlier, under a file name that sorts after the honest one', () => {
  let id: string;
  let honest: StoredFile;
  let earlier: ForgedFile;

  beforeAll(async () => {
    let opening: ForgedFile | undefined;
    // A freeze made on a whole second (one time in a thousand) has no earlier time within its second: freeze another.
    for (let attempt = 0; attempt < 3 && (!opening || honest.event.at.endsWith('.000Z')); attempt++) ({ id, opening, honest } = await openedByHandFrozenByCarol());
    earlier = validFreeze(opening!.event, world.policy, wholeSecondOf(honest.event.at), world.attackers.rita);
    // Earlier in time, later by file name.
    expect(Date.parse(earlier.event.at)).toBeLessThan(Date.parse(honest.event.at));
    expect(earlier.name > honest.name).toBe(true);
    drop(world.eventsDir(id), earlier);
  }, slow);

  it('exactly one freeze counts, and show, approve, audit, publish and verify all use it', async () => {
    const view = await world.show(id);
    const freezes = [
      { name: honest.name, digest: honest.event.statementDigest as string },
      { name: earlier.name, digest: earlier.event.statementDigest as string },
    ];
    const counted = freezes.find((freeze) => freeze.digest === view.frozen?.statementDigest);
    expect(counted).toBeDefined();
    const other = freezes.find((freeze) => freeze !== counted)!;
    await everyPathUses(id, counted!, other.name);
  }, slow);

  // Neither has approvals yet, so the earliest counts: by the instant (Date.parse), not the text, where "…:00Z" sorts
  // after "…:00.123Z" although it is the earlier instant.
  it('the freeze that counts is the earliest in time, as the judge documents', async () => {
    const view = await world.show(id);
    expect(view.frozen?.statementDigest).toBe(earlier.event.statementDigest);
  }, slow);
});

describe('the release manager adds a valid freeze dated before the honest one after the approvals are in', () => {
  let id: string;
  const bundlePath = () => join(world.work, 'approved.conclave-bundle.json');
  let honest: StoredFile;
  let backdated: ForgedFile;

  beforeAll(async () => {
    let opening: ForgedFile;
    ({ id, opening, honest } = await openedByHandFrozenByCarol());
    for (const who of ['alice', 'bob'] as const) expect((await world.approve(id, who)).code).toBe(0);
    expect((await world.show(id)).state).toBe('approved');
    const exported = await world.cli(['ceremony', 'export', id, '--out', bundlePath()]);
    expect(exported.code, exported.err).toBe(0);
    backdated = validFreeze(opening.event, world.policy, shifted(opening.event.at, 60_000), world.attackers.rita);
    drop(world.eventsDir(id), backdated);
  }, slow);

  it('carried in a bundle to a machine that has the ceremony, the backdated freeze is refused (freeze-second)', async () => {
    const laptop = await world.machine('laptop', [world.policyPath]);
    const laptopStore = join(world.dir, 'laptop-store');
    const first = await world.cli(['ceremony', 'import', bundlePath()], { home: laptop, store: laptopStore });
    expect(first.code, first.err).toBe(0);
    const bundle = JSON.parse(readFileSync(bundlePath(), 'utf8')) as { events: { name: string; envelope: string }[] };
    bundle.events.push({ name: backdated.name, envelope: backdated.text });
    const withFreeze = join(world.work, 'with-backdated-freeze.conclave-bundle.json');
    writeFileSync(withFreeze, JSON.stringify(bundle));
    const second = await world.cli(['ceremony', 'import', withFreeze, '--json'], { home: laptop, store: laptopStore });
    expect(second.code).toBe(1);
    const report = JSON.parse(second.out) as { refused: { name: string; code: string }[] };
    expect(report.refused).toEqual([expect.objectContaining({ name: backdated.name, code: 'freeze-second' })]);
    const there = await world.show(id, { home: laptop, store: laptopStore });
    expect(there.state).toBe('approved');
    expect(there.frozen?.statementDigest).toBe(honest.event.statementDigest);
  }, slow);

  it('exactly one freeze counts; the other is freeze-second', async () => {
    const view = await world.show(id);
    const digests = [honest.event.statementDigest, backdated.event.statementDigest];
    expect(digests).toContain(view.frozen?.statementDigest);
    const other = view.frozen?.statementDigest === honest.event.statementDigest ? backdated.name : honest.name;
    expect(codesFor(view, other)).toEqual(['freeze-second']);
  }, slow);

  // Once fixed weakness: when the earliest freeze counted whenever it arrived, a valid freeze backdated after the
  // approvals made every honest approval "decision-other-statement", so one key discarded everyone else's approvals.
  // Import refuses such a freeze (above), but a file that arrives by git sync, or is written to the store, is loaded:
  // the freeze that counts is the one the most approvers signed, so the backdated one, which nobody approved, is the second.
  it('the honest approvals keep counting', async () => {
    const view = await world.show(id);
    expect(view.frozen?.statementDigest).toBe(honest.event.statementDigest);
    expect(codesFor(view, backdated.name)).toEqual(['freeze-second']);
    expect(view.state).toBe('approved');
    expect(view.approvals.map((approval) => approval.keyId).sort()).toEqual([world.keyIds.alice, world.keyIds.bob].sort());
  }, slow);
});
