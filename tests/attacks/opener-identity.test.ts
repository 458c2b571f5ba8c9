/**
 * Attack 4 (issue 10): the opener claims another name. Dave, an approver,
 * opens a ceremony by hand signed with his own key but naming rita (a release
 * manager) in `openedBy`, so that separation of duties would not see him as
 * the opener and his own approval would count. The opening must not count
 * (`opening-opener-mismatch`), wherever it is read; and an honest opening by
 * dave keeps him from approving his own ceremony.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBy, bundleText, drop, shifted, type EventJson, type ForgedFile } from './support/forge';
import { openingLike, validFreeze } from './support/statements';
import { codesFor, makeAttackWorld, type AttackWorld } from './support/world';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

const slow = 240_000;
let world: AttackWorld;
let template: EventJson;

beforeAll(async () => {
  world = await makeAttackWorld();
  template = world.filesOf(await world.open({ release: 'app@1.0.0' }), 'opened')[0]!.event;
}, slow);
afterAll(() => world?.cleanup());

describe('dave opens a ceremony signed with his key but naming rita as its opener', () => {
  let id: string;
  let opening: ForgedFile;
  let freeze: ForgedFile;

  beforeAll(() => {
    opening = openingLike(template, { at: shifted(new Date().toISOString(), -300_000), openedBy: 'rita' }, world.attackers.dave);
    id = opening.event.ceremonyId;
    freeze = validFreeze(opening.event, world.policy, shifted(opening.event.at, 1000), world.attackers.dave);
    drop(world.eventsDir(id), opening);
    drop(world.eventsDir(id), freeze);
  });

  it('the opening does not count, so nothing in the ceremony can be believed, shown or listed', async () => {
    const shown = await world.cli(['ceremony', 'show', id, '--json']);
    expect(shown.timedOut).toBe(false);
    expect(shown.code).toBe(1);
    expect(shown.err).toContain('names "rita" as its opener but is signed by dave');
    const listed = await world.cli(['ceremony', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.out) as { id: string }[]).map((view) => view.id)).not.toContain(id);
  }, slow);

  it('dave cannot approve it: nothing is signed or written', async () => {
    const before = world.files(id).map((file) => file.name);
    const dave = await world.approve(id, 'dave');
    expect(dave.timedOut).toBe(false);
    expect(dave.code).toBe(1);
    expect(world.files(id).map((file) => file.name)).toEqual(before);
  }, slow);

  it('carried in a bundle, the opening is refused with opening-opener-mismatch and nothing is written', async () => {
    // His own approval too: had the opening counted, it would have been one of two.
    const statement = Buffer.from(freeze.event.statement as string, 'base64');
    const approval = approvalBy(world.attackers.dave, id, shifted(opening.event.at, 2000), statement);
    const bundlePath = join(world.work, 'dave.conclave-bundle.json');
    writeFileSync(bundlePath, bundleText(id, opening.event as never, [opening, freeze, approval]));
    const laptop = await world.machine('laptop', [world.policyPath]);
    const laptopStore = join(world.dir, 'laptop-store');
    const imported = await world.cli(['ceremony', 'import', bundlePath, '--json'], { home: laptop, store: laptopStore });
    expect(imported.timedOut).toBe(false);
    expect(imported.code).toBe(1);
    const report = JSON.parse(imported.out) as { refused: { name: string; code: string }[]; added: unknown[] };
    expect(report.added).toEqual([]);
    expect(Object.fromEntries(report.refused.map((refusal) => [refusal.name, refusal.code]))).toEqual({
      [opening.name]: 'opening-opener-mismatch',
      [freeze.name]: 'no-opening',
      [approval.name]: 'no-opening',
    });
    expect(world.files(id, laptopStore)).toEqual([]);
  }, slow);

  it('the audit names the opening by the judge\'s code, as import does, and flags the ceremony', async () => {
    const audit = await world.audit(id);
    expect(audit.code).toBe(1);
    expect(audit.findings).toEqual([{ code: 'opening-opener-mismatch', file: `${ceremonyFolder(id)}/events/${opening.name}` }, { code: 'ceremony-unloadable' }]);
  }, slow);
});

describe('dave adds an opening naming rita to a ceremony rita opened', () => {
  it('does not count (opening-opener-mismatch) and contests nothing', async () => {
    const id = await world.open({ release: 'app@1.1.0' });
    const honest = world.filesOf(id, 'opened')[0]!;
    const claim = openingLike(honest.event, { ceremonyId: id, at: shifted(honest.event.at, -60_000), openedBy: 'rita' }, world.attackers.dave);
    drop(world.eventsDir(id), claim);
    const view = await world.show(id);
    expect(codesFor(view, claim.name)).toEqual(['opening-opener-mismatch']);
    expect(view.state).toBe('frozen');
    expect(view.openedBy).toBe('rita');
    expect(view.actions).toContain('approve');
  }, slow);
});

describe('dave opens a ceremony honestly and tries to approve it himself', () => {
  it('the CLI refuses, and his hand-written approval does not count toward the threshold', async () => {
    const id = await world.open({ opener: 'dave', release: 'app@1.2.0' });
    const before = world.files(id).map((file) => file.name);
    const refused = await world.approve(id, 'dave');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/dave opened this ceremony/);
    expect(world.files(id).map((file) => file.name)).toEqual(before);

    const frozen = world.filesOf(id, 'frozen')[0]!;
    drop(world.eventsDir(id), approvalBy(world.attackers.dave, id, shifted(frozen.event.at, 1000), Buffer.from(frozen.event.statement as string, 'base64')));
    expect((await world.show(id)).tally).toMatch(/^0 of 2 approvals/);

    expect((await world.approve(id, 'alice')).code).toBe(0);
    const one = await world.show(id);
    expect(one.state).toBe('frozen');
    expect(one.tally).toMatch(/^1 of 2 approvals/);
    expect((await world.approve(id, 'bob')).code).toBe(0);
    const two = await world.show(id);
    expect(two.state).toBe('approved');
    expect(two.tally).toBe('2 of 2 approvals: alice, bob');
  }, slow);
});
