/**
 * Attack 6 (issue 10): the release manager opens a ceremony by hand that
 * expires in a hundred years, although the policy keeps a ceremony open at
 * most `ceremony.maxOpenHours` (72 by default), so that approvals could be
 * collected, and used, forever. The opening must not count
 * (`opening-expiry-invalid`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleText, drop, shifted, type EventJson, type ForgedFile } from './support/forge';
import { openingLike, validFreeze } from './support/statements';
import { codesFor, makeAttackWorld, type AttackWorld } from './support/world';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

const slow = 240_000;
const century = 100 * 365.25 * 24 * 3600_000;
let world: AttackWorld;
let template: EventJson;

beforeAll(async () => {
  world = await makeAttackWorld();
  template = world.filesOf(await world.open({ release: 'app@1.0.0' }), 'opened')[0]!.event;
}, slow);
afterAll(() => world?.cleanup());

describe('a release manager opens a ceremony that expires in a hundred years', () => {
  let id: string;
  let opening: ForgedFile;
  let freeze: ForgedFile;

  beforeAll(() => {
    const at = shifted(new Date().toISOString(), -300_000);
    opening = openingLike(template, { at, expiresAt: shifted(at, century), openedBy: 'rita' }, world.attackers.rita);
    id = opening.event.ceremonyId;
    freeze = validFreeze(opening.event, world.policy, shifted(at, 1000), world.attackers.rita);
    drop(world.eventsDir(id), opening);
    drop(world.eventsDir(id), freeze);
  });

  it('the opening does not count: the ceremony cannot be shown, listed or approved', async () => {
    const shown = await world.cli(['ceremony', 'show', id]);
    expect(shown.timedOut).toBe(false);
    expect(shown.code).toBe(1);
    expect(shown.err).toContain(`expires at ${opening.event.expiresAt as string}, but the policy keeps a ceremony open at most 72 hours`);
    const listed = await world.cli(['ceremony', 'list', '--json']);
    expect((JSON.parse(listed.out) as { id: string }[]).map((view) => view.id)).not.toContain(id);

    const before = world.files(id).map((file) => file.name);
    const alice = await world.approve(id, 'alice');
    expect(alice.timedOut).toBe(false);
    expect(alice.code).toBe(1);
    expect(world.files(id).map((file) => file.name)).toEqual(before);
    const audit = await world.audit(id);
    expect(audit.findings).toEqual([{ code: 'opening-expiry-invalid', file: `${ceremonyFolder(id)}/events/${opening.name}` }, { code: 'ceremony-unloadable' }]);
  }, slow);

  it('carried in a bundle, the opening is refused with opening-expiry-invalid and nothing is written', async () => {
    const bundlePath = join(world.work, 'century.conclave-bundle.json');
    writeFileSync(bundlePath, bundleText(id, opening.event as never, [opening, freeze]));
    const laptop = await world.machine('laptop', [world.policyPath]);
    const laptopStore = join(world.dir, 'laptop-store');
    const imported = await world.cli(['ceremony', 'import', bundlePath, '--json'], { home: laptop, store: laptopStore });
    expect(imported.code).toBe(1);
    const report = JSON.parse(imported.out) as { refused: { name: string; code: string }[]; added: unknown[] };
    expect(report.added).toEqual([]);
    expect(report.refused.find((refusal) => refusal.name === opening.name)?.code).toBe('opening-expiry-invalid');
    expect(world.files(id, laptopStore)).toEqual([]);
  }, slow);
});

describe('openings with an expiry out of bounds added to a ceremony the team runs', () => {
  it('do not count (opening-expiry-invalid) and contest nothing', async () => {
    const id = await world.open({ release: 'app@1.1.0' });
    const honest = world.filesOf(id, 'opened')[0]!;
    const at = shifted(honest.event.at, -60_000);
    const forever = openingLike(honest.event, { ceremonyId: id, at, expiresAt: shifted(at, century) }, world.attackers.rita);
    const backwards = openingLike(honest.event, { ceremonyId: id, at: shifted(at, 1), expiresAt: shifted(at, -1000) }, world.attackers.rita);
    drop(world.eventsDir(id), forever);
    drop(world.eventsDir(id), backwards);
    const view = await world.show(id);
    expect(codesFor(view, forever.name)).toEqual(['opening-expiry-invalid']);
    expect(codesFor(view, backwards.name)).toEqual(['opening-expiry-invalid']);
    expect(view.state).toBe('frozen');
    expect(view.expiresAt).toBe(honest.event.expiresAt);
    expect(Date.parse(view.expiresAt) - Date.parse(view.openedAt)).toBe(72 * 3600_000);
  }, slow);
});
