/**
 * A sync whose size is a store's, not a day's (issue 15): what broke at
 * 400,000 event files, reproduced with the same mechanisms at a few thousand
 * (an argument over the system's per-argument limit, an answer over the
 * output buffer), and the shortcut that makes a one-event sync cheap (only the
 * folders changed since the last commit are read) kept honest.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitRunner } from '../../electron/core/repository/git';
import { RepositoryService } from '../../electron/core/repository/repository-service';
import { generateCeremonies } from '../support/generate-ceremonies';
import { makeWorld, type World } from './support/machines';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

let world: World;
beforeEach(() => {
  world = makeWorld();
});
afterEach(() => world.cleanup());

const remoteFiles = () => world.git(world.remote, ['ls-tree', '-r', '--name-only', 'main']).split('\n').filter((path) => path.includes('/events/'));
const storeEvents = (store: string) =>
  readdirSync(join(store, 'ceremonies'), { recursive: true, encoding: 'utf8' })
    .filter((path) => /\/events\/[^/]+\.json$/.test(path))
    .map((path) => `ceremonies/${path}`);

describe('a sync at the size of a store', () => {
  it('commits more files than one command-line argument can name (the message goes on standard input, and stays short)', async () => {
    // ~2,000 event files: their paths alone are over Linux's 128 KiB limit on one argument, where the message used to be.
    await generateCeremonies(world.store('a'), 500);
    const files = storeEvents(world.store('a'));
    expect(files.join('\n').length).toBeGreaterThan(128 * 1024);
    await world.remoteCommand('a', ['add', world.remote]);
    const synced = await world.sync('a');
    expect(synced.code, synced.out + synced.err).toBe(0);
    expect(synced.out).toContain(`Committed ${files.length} files of this store.`);
    expect(remoteFiles().sort()).toEqual(files.sort());
    const message = world.git(world.remote, ['log', '-1', '--format=%B', 'main']);
    expect(message).toMatch(new RegExp(`^Conclave: ${files.length.toLocaleString('en')} events \\(c-[^,]+, c-[^,]+, c-[^ ]+ and 497 more ceremonies\\)`));
    expect(message).toContain(`${files.length.toLocaleString('en')} files, the first 20:`);
    expect(message).toMatch(/… and [\d,]+ more/);
    expect(message.length).toBeLessThan(4096);
  });

  it('reads answers that grow with the tree whatever their size (streamed, not held in git\'s output buffer)', async () => {
    // A buffer of 4 KiB stands for the 64 MB that 400,000 files outgrew: 40 ceremonies' listing is several times larger.
    const small = (name: string) => new RepositoryService(world.service(name), new GitRunner(world.env, false, 'git', undefined, 4 * 1024));
    await generateCeremonies(world.store('a'), 40);
    const files = storeEvents(world.store('a'));
    await world.remoteCommand('a', ['add', world.remote]);
    const sent = await small('a').sync();
    expect(sent.outcome, sent.reason).toBe('synced');
    expect(sent.committed).toHaveLength(files.length);
    expect(sent.pushed).toBe(files.length);

    await world.remoteCommand('b', ['add', world.remote]);
    const b = small('b');
    expect(await b.status()).toMatchObject({ state: 'behind', behind: files.length });
    const received = await b.sync();
    expect(received.outcome, received.reason).toBe('synced');
    expect(received.arrivals.events).toHaveLength(files.length);
    expect(storeEvents(world.store('b')).sort()).toEqual(files.sort());
    expect(world.git(world.store('b'), ['status', '--porcelain'])).toBe('');
  });

  it('commits again what main lost, though the folders did not change since the last sync', async () => {
    await generateCeremonies(world.store('a'), 3);
    const files = storeEvents(world.store('a'));
    await world.remoteCommand('a', ['add', world.remote]);
    expect((await world.sync('a')).code).toBe(0);
    // Main set back to the repository's first commit by hand: the files are still in their folders, untouched.
    const first = world.git(world.store('a'), ['rev-list', '--max-parents=0', 'main']).trim();
    world.git(world.store('a'), ['update-ref', 'refs/heads/main', first]);
    // Without the remote, which would hand main the files back: only the store's own folders can.
    await world.remoteCommand('a', ['remove']);
    const again = await world.sync('a', ['--json']);
    const report = JSON.parse(again.out) as { committed: string[] };
    expect(report.committed.sort()).toEqual(files.sort());
    expect(world.git(world.store('a'), ['ls-tree', '-r', '--name-only', 'main']).split('\n').filter((path) => path.includes('/events/')).sort()).toEqual(files.sort());
  });

  it('commits a file put into a folder read by the last sync and one in a new ceremony, and only those', async () => {
    const generated = await generateCeremonies(world.store('a'), 3);
    await world.remoteCommand('a', ['add', world.remote]);
    expect((await world.sync('a')).code).toBe(0);
    // Two more ceremonies generated apart, as another program would write them; one event of each copied in.
    const elsewhere = join(world.dir, 'elsewhere');
    const more = await generateCeremonies(elsewhere, 2);
    const [known, fresh] = [generated.ids[0]!, more.ids[1]!];
    const eventOf = (id: string) => readdirSync(join(elsewhere, ceremonyFolder(id), 'events'))[0]!;
    // Into a folder the last sync recorded: an event of another ceremony there would be refused, so the file is one of its own, renamed as the store names files.
    const own = readdirSync(join(world.store('a'), ceremonyFolder(known), 'events'))[0]!;
    const renamed = own.replace(/-[0-9a-f]{16}\.json$/, '-00000000000000aa.json');
    writeFileSync(join(world.store('a'), ceremonyFolder(known), 'events', renamed), readFileSync(join(world.store('a'), ceremonyFolder(known), 'events', own)));
    mkdirSync(join(world.store('a'), ceremonyFolder(fresh), 'events'), { recursive: true });
    copyFileSync(join(elsewhere, ceremonyFolder(fresh), 'events', eventOf(fresh)), join(world.store('a'), ceremonyFolder(fresh), 'events', eventOf(fresh)));
    const synced = JSON.parse((await world.sync('a', ['--json'])).out) as { committed: string[]; pushed: number };
    expect(synced.committed.sort()).toEqual([`${ceremonyFolder(known)}/events/${renamed}`, `${ceremonyFolder(fresh)}/events/${eventOf(fresh)}`].sort());
    expect(synced.pushed).toBe(2);
    expect(world.git(world.store('a'), ['status', '--porcelain'])).toBe('');
  });
});
