/**
 * What Conclave wrote since the last sync goes out first (issue 15): the
 * store notes the folders it writes into, a sync commits what they hold and
 * pushes it while every other folder is looked at, then commits and pushes
 * what that look found. The list is only a hint: a file it does not name
 * (another program's), a list left by a sync that was killed, or a list
 * someone wrote by hand, never changes what is shared, only when.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { noteWritten, takeWritten } from '../../electron/core/ceremony/written-folders';
import { generateCeremonies } from '../support/generate-ceremonies';
import { makeWorld, type World } from './support/machines';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

let world: World;
beforeEach(() => {
  world = makeWorld();
});
afterEach(() => world.cleanup());

const list = (store: string) => join(store, '.git', 'conclave-written');
const taken = (store: string) => join(store, '.git', 'conclave-written.taken');
const filesOfCommit = (commit: string) =>
  world
    .git(world.remote, ['diff-tree', '-r', '--no-commit-id', '--name-only', `${commit}^1`, commit])
    .split('\n')
    .filter(Boolean)
    .sort();
const storeFiles = (store: string, id: string) =>
  ['events', 'evidence']
    .flatMap((folder) => (existsSync(join(store, ceremonyFolder(id), folder)) ? readdirSync(join(store, ceremonyFolder(id), folder)).map((name) => `${ceremonyFolder(id)}/${folder}/${name}`) : []))
    .sort();

/** One event of a ceremony made elsewhere, copied into the store as another program would (Conclave notes nothing). */
async function copiedIn(store: string): Promise<string> {
  const elsewhere = join(world.dir, 'elsewhere');
  const [id] = (await generateCeremonies(elsewhere, 1)).ids;
  const name = readdirSync(join(elsewhere, ceremonyFolder(id!), 'events')).find((entry) => entry.includes('-opened-'))!;
  mkdirSync(join(store, ceremonyFolder(id!), 'events'), { recursive: true });
  copyFileSync(join(elsewhere, ceremonyFolder(id!), 'events', name), join(store, ceremonyFolder(id!), 'events', name));
  return `${ceremonyFolder(id!)}/events/${name}`;
}

describe('the folders Conclave wrote since the last sync', () => {
  it('are committed and pushed first; a file another program put in the store follows in the same sync', async () => {
    const store = world.store('a');
    await world.remoteCommand('a', ['add', world.remote]);
    expect((await world.sync('a')).code).toBe(0);

    const opened = await world.open('a');
    // Noted before the files were written: its events and its evidence.
    expect(readFileSync(list(store), 'utf8').split('\n').filter(Boolean).sort()).toEqual([`${opened}/events`, `${opened}/evidence`]);
    const copied = await copiedIn(store);

    const report = JSON.parse((await world.sync('a', ['--json'])).out) as { outcome: string; committed: string[]; pushed: number };
    expect(report.outcome).toBe('synced');
    expect(report.committed.sort()).toEqual([...storeFiles(store, opened), copied].sort());
    expect(report.pushed).toBe(storeFiles(store, opened).filter((path) => path.includes('/events/')).length + 1);
    // Two commits on the remote: first what Conclave wrote, then what the look at every folder found.
    const [last, before] = world.git(world.remote, ['rev-list', '-2', 'main']).trim().split('\n');
    expect(filesOfCommit(before!)).toEqual(storeFiles(store, opened));
    expect(filesOfCommit(last!)).toEqual([copied]);
    // The list is used up; nothing is left to send.
    expect(existsSync(list(store))).toBe(false);
    expect(existsSync(taken(store))).toBe(false);
    expect(JSON.parse((await world.sync('a', ['--json'])).out)).toMatchObject({ committed: [], pushed: 0 });

    // One more event in a ceremony main already has: the list names its folder, and only the new file is committed.
    const events = join(store, ceremonyFolder(opened), 'events');
    const own = readdirSync(events)[0]!;
    const added = own.replace(/-[0-9a-f]{16}\.json$/, '-00000000000000bb.json');
    await new CeremonyStore(store).putEventFile(opened, added, readFileSync(join(events, own), 'utf8'));
    expect(readFileSync(list(store), 'utf8')).toBe(`${opened}/events\n`);
    expect(JSON.parse((await world.sync('a', ['--json'])).out)).toMatchObject({ committed: [`${ceremonyFolder(opened)}/events/${added}`], pushed: 1 });
  });

  it('takes up the list a killed sync had taken, with the one written since', async () => {
    const store = world.store('a');
    await world.remoteCommand('a', ['add', world.remote]);
    expect((await world.sync('a')).code).toBe(0);
    const first = await world.open('a');
    // A sync killed after it took the list (renamed it) and before it committed: the list it took is still there.
    const lines = readFileSync(list(store), 'utf8');
    writeFileSync(taken(store), lines);
    writeFileSync(list(store), '');
    const second = await world.open('a');

    const report = JSON.parse((await world.sync('a', ['--json'])).out) as { committed: string[] };
    expect(report.committed.sort()).toEqual([...storeFiles(store, first), ...storeFiles(store, second)].sort());
    // Both ceremonies in the first commit, not left for the look at every folder.
    const [only] = world.git(world.remote, ['rev-list', '-1', 'main']).trim().split('\n');
    expect(filesOfCommit(only!)).toEqual([...storeFiles(store, first), ...storeFiles(store, second)].sort());
    expect(existsSync(taken(store))).toBe(false);
  });

  it('ignores lines that name no folder of the store, and reports a bad file it names once', async () => {
    const store = world.store('a');
    await world.remoteCommand('a', ['add', world.remote]);
    expect((await world.sync('a')).code).toBe(0);
    const id = await world.open('a');
    const broken = `${ceremonyFolder(id)}/events/29990101T000000000Z-approved-00000000000000ff.json`;
    writeFileSync(join(store, broken), '{"payload":');
    // Written by hand or by something hostile: outside the store, through "..", not a ceremony, a folder that is not there.
    writeFileSync(join(store, '.git', 'outside-events.json'), '{}');
    writeFileSync(list(store), [`../../etc/events`, `${id}/../../.git`, `${id}/events/../../x`, 'not-a-ceremony/events', 'c-20991231-aaaaaaaaaa/events', `${id}/events`, ''].join('\n'));

    const report = JSON.parse((await world.sync('a', ['--json'])).out) as { outcome: string; committed: string[]; leftOut: string[] };
    expect(report.outcome).toBe('synced');
    expect(report.committed.sort()).toEqual(storeFiles(store, id).filter((path) => path !== broken));
    expect(report.leftOut).toHaveLength(1);
    expect(report.leftOut[0]).toContain(broken);
    expect(world.git(world.remote, ['ls-tree', '-r', '--name-only', 'main']).split('\n').filter((path) => !path.startsWith('ceremonies/'))).toEqual(['.gitattributes', '.gitignore', '']);
  });

  it('is not kept for a store that is not a git repository yet (its first sync reads every folder)', async () => {
    const dir = join(world.dir, 'plain');
    mkdirSync(dir, { recursive: true });
    await noteWritten(dir, [{ ceremonyId: 'c-20261206-aaaaaaaaaa', folder: 'events' }]);
    expect(readdirSync(dir)).toEqual([]);
    mkdirSync(join(dir, '.git'));
    await noteWritten(dir, [{ ceremonyId: 'c-20261206-aaaaaaaaaa', folder: 'events' }]);
    await noteWritten(dir, [{ ceremonyId: 'c-20261206-aaaaaaaaaa', folder: 'events' }, { ceremonyId: 'c-20261206-bbbbbbbbbb', folder: 'evidence' }]);
    const took = await takeWritten(dir);
    expect(took.folders).toEqual(['ceremonies/2026/12/06/c-20261206-aaaaaaaaaa/events', 'ceremonies/2026/12/06/c-20261206-bbbbbbbbbb/evidence']);
    // Writers meanwhile start a new list, which the next sync takes; this one's is forgotten only when it is done.
    await noteWritten(dir, [{ ceremonyId: 'c-20261206-cccccccccc', folder: 'events' }]);
    await took.done();
    const next = await takeWritten(dir);
    expect(next.folders).toEqual(['ceremonies/2026/12/06/c-20261206-cccccccccc/events']);
    await next.done();

    // A store never synced: past what a sync reads, the list is ignored and no longer grows.
    writeFileSync(join(dir, '.git', 'conclave-written'), 'c-20261206-dddddddddd/events\n'.repeat(40_000));
    const size = statSync(join(dir, '.git', 'conclave-written')).size;
    await noteWritten(dir, [{ ceremonyId: 'c-20261206-eeeeeeeeee', folder: 'events' }]);
    expect(statSync(join(dir, '.git', 'conclave-written')).size).toBe(size);
    expect((await takeWritten(dir)).folders).toEqual([]);
  });
});
