/**
 * One pushed file must not stop sync for everyone (issue 12, point 3). An
 * outsider with push access to the shared repository adds, under event
 * names, a 70 MiB blob and a submodule link (gitlink). Every machine's sync
 * must still finish: the bad entries are left unread and reported, and each
 * machine's own new events keep being shared.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyUri, makeWorld, type World } from '../repository/support/machines';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

let world: World;
beforeEach(() => {
  world = makeWorld();
});
afterEach(() => world.cleanup());

describe('a poisoned shared repository', () => {
  it('a huge blob and a gitlink under event names are skipped and reported; honest events still travel both ways', async () => {
    const id = await world.open('a');
    expect((await world.remoteCommand('a', ['add', world.remote])).code).toBe(0);
    expect((await world.sync('a')).code).toBe(0);
    expect((await world.remoteCommand('b', ['add', world.remote])).code).toBe(0);
    expect((await world.sync('b')).code).toBe(0);

    // The outsider's push: built with git alone, as anyone with write access can.
    const clone = join(world.dir, 'outsider');
    world.git(world.dir, ['clone', '-q', '-b', 'main', world.remote, clone]);
    const events = join(clone, ceremonyFolder(id), 'events');
    const huge = '20260101T000000000Z-approved-00000000000000aa.json';
    writeFileSync(join(events, huge), Buffer.alloc(70 * 1024 * 1024, 0x20));
    world.git(clone, ['add', '.']);
    const linked = '20260101T000000000Z-approved-00000000000000bb.json';
    const someCommit = world.git(clone, ['rev-parse', 'HEAD']).trim();
    world.git(clone, ['update-index', '--add', '--cacheinfo', `160000,${someCommit},${ceremonyFolder(id)}/events/${linked}`]);
    world.git(clone, ['commit', '-q', '-m', 'poison']);
    world.git(clone, ['push', '-q', 'origin', 'main']);

    // b approves and syncs: the poison is left out, b's approval goes up.
    await world.service('b').approve(id, keyUri('bob'));
    const synced = await world.sync('b', ['--json']);
    expect(synced.code, synced.out).toBe(0);
    const report = JSON.parse(synced.out) as { outcome: string; pushed: number; skipped: { path: string; reason: string }[] };
    expect(report.outcome).toBe('synced');
    expect(report.pushed).toBe(1);
    expect(report.skipped.map((entry) => entry.path.split('/').pop()).sort()).toEqual([huge, linked]);
    expect(report.skipped.find((entry) => entry.path.endsWith(huge))!.reason).toMatch(/70\.0 MiB, more than the 16 MiB/);
    expect(report.skipped.find((entry) => entry.path.endsWith(linked))!.reason).toMatch(/submodule link/);

    // a syncs later, as people do: it gets bob's approval, says what it skipped, and its own approval goes up too.
    await world.service('a').approve(id, keyUri('alice'));
    const later = await world.sync('a');
    expect(later.code, later.out).toBe(0);
    expect(later.out).toMatch(/left out/);
    expect((await world.service('a').load(id)).view.approvals).toHaveLength(2);
    expect((await world.sync('b')).code).toBe(0);
    expect((await world.service('b').load(id)).view.approvals).toHaveLength(2);
  }, 120_000);
});
