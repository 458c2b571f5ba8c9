/**
 * What one sync costs, counted rather than timed (issue 15; the times are in
 * `npm run bench`). A sync that sends Conclave's own files looks at a share
 * of the store for files another program put there, and the next sync goes
 * on where it stopped, so every folder gets its turn; a sync with nothing of
 * Conclave's to send looks at every folder. Placing an event reads the trees
 * of its folders through one git and writes them through one, and no git of
 * the sync but the index update reads the work tree's index (at 400,000
 * files, 0.4 s each time).
 *
 * The built command, run as a process (`npm run build` first), against a
 * real bare repository.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { repositoryFiles } from '../../electron/core/repository/layout';
import { ceremoniesLookedAtBesideOwnFiles } from '../../electron/core/repository/repository-service';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';
import { builtCli, conclave, type Run } from '../cli-process/support';
import { inheritedEnvironment, largeFixtureGitEnvironment } from '../support/environment';
import { generateCeremonies } from '../support/generate-ceremonies';
import { makeDataDir } from '../support/softhsm';
import { nameSortingFirst, withSignatureChanged } from '../support/tampered-copy';

let home: ReturnType<typeof makeDataDir>;
let env: Record<string, string>;
let remote: string;
let store: string;
let ids: string[];
/** Event files taken out of the store before its first sync, as a backup holds them: put back later by "another program". */
let backup: string;

const git = (cwd: string, args: string[]) => execFileSync('git', args, { cwd, env: { ...env, ...largeFixtureGitEnvironment }, encoding: 'utf8' });
const remoteFiles = () => new Set(git(remote, ['ls-tree', '-r', '--name-only', 'main']).split('\n').filter(Boolean));
const run = async (args: string[], extra: Record<string, string> = {}): Promise<Run> => {
  const result = await conclave(args, { ...env, ...extra });
  expect(result.hung, `conclave ${args.join(' ')} did not end`).toBe(false);
  expect(result.leftovers).toEqual([]);
  expect(result.code, result.err).toBe(0);
  return result;
};

/** Takes the newest event file of a ceremony out of the store, into the backup; answers its store path. */
function setAside(id: string): string {
  const events = join(store, ceremonyFolder(id), 'events');
  const name = readdirSync(events).sort().at(-1)!;
  renameSync(join(events, name), join(backup, name));
  return `${ceremonyFolder(id)}/events/${name}`;
}

/** Another program puts a file set aside back (copies it from the backup): nothing notes it for the next sync. */
function putBack(path: string): void {
  const name = path.split('/').at(-1)!;
  copyFileSync(join(backup, name), join(store, path));
}

/** Conclave writes an event (a new ceremony's opening), noting its folder for the next sync, as the app and every command do. */
async function conclaveWrites(): Promise<string> {
  const scratch = join(home.dir, `scratch-${Math.random().toString(36).slice(2)}`);
  const [id] = (await generateCeremonies(scratch, 1)).ids;
  const events = join(scratch, ceremonyFolder(id!), 'events');
  const opened = readdirSync(events).find((name) => name.includes('-opened-'))!;
  await new CeremonyStore(store).putEventFile(id!, opened, readFileSync(join(events, opened), 'utf8'));
  return `${ceremonyFolder(id!)}/events/${opened}`;
}

beforeAll(async () => {
  expect(existsSync(builtCli), `${builtCli} is missing: run "npm run build" before these tests.`).toBe(true);
  home = makeDataDir();
  const inherited = inheritedEnvironment((name) => name.startsWith('GIT_'));
  env = { ...inherited, HOME: home.dir, GIT_CONFIG_NOSYSTEM: '1', CONCLAVE_HOME: home.dir, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.org', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.org' };
  remote = join(home.dir, 'remote.git');
  store = join(home.dir, 'store');
  backup = join(home.dir, 'backup');
  mkdirSync(backup);
  git(home.dir, ['init', '-q', '--bare', '-b', 'main', remote]);
  // More ceremonies than one sync's share: the look cannot reach every folder in one sync that sends its own files.
  ids = (await generateCeremonies(store, ceremoniesLookedAtBesideOwnFiles + 100)).ids.sort();
}, 240_000);

/**
 * The store and its remote as earlier syncs left them, most files shared: committed and pushed with git itself, which
 * takes seconds where a first sync reads and checks every one of 8,000 files.
 */
function sharedBefore(): void {
  for (const [file, text] of Object.entries(repositoryFiles)) writeFileSync(join(store, file), text);
  git(store, ['init', '-q', '-b', 'main']);
  git(store, ['add', '-A']);
  git(store, ['commit', '-q', '-m', 'shared before']);
  git(store, ['push', '-q', remote, 'main']);
}
afterAll(() => home?.cleanup());

describe('a sync of more ceremonies than one look at a share reaches', () => {
  it('looks at a share beside its own files, goes on from there at the next sync, and looks at every folder with nothing of its own', async () => {
    const share = ceremoniesLookedAtBesideOwnFiles;
    // Ceremonies, by id, whose newest event file is set aside before the first sync and put back later.
    const within = setAside(ids[share + 50]!);
    const beyond = setAside(ids[share - 50]!);
    const middle = setAside(ids[1000]!);
    sharedBefore();
    await run(['remote', 'add', remote, '--store', store]);
    await run(['sync', '--store', store]);
    expect(remoteFiles().size).toBeGreaterThan(ids.length);
    expect(remoteFiles().has(within)).toBe(false);

    // Conclave's own event alone: what placing it and sending it cost, in gits (each git's command, and which read the
    // work tree's index). The look beside it reaches the first `share` ceremonies.
    const own = await conclaveWrites();
    const trace = join(home.dir, 'trace.json');
    await run(['sync', '--store', store], { GIT_TRACE2_EVENT: trace });
    expect(remoteFiles().has(own)).toBe(true);
    const records = readFileSync(trace, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { event: string; sid: string; argv?: string[]; label?: string; msg?: string });
    const started = new Map(records.filter((record) => record.event === 'start' && !record.sid.includes('/')).map((record) => [record.sid, record.argv!.slice(1)]));
    const command = (argv: string[]) => argv.find((arg, index) => !arg.startsWith('-') && argv[index - 1] !== '-c')!;
    const readIndex = records.filter((record) => record.event === 'region_enter' && record.label === 'do_read_index' && record.msg === '.git/index' && started.has(record.sid));
    expect(readIndex.map((record) => command(started.get(record.sid)!))).toEqual(['update-index']);
    const argvs = [...started.values()];
    expect(argvs.filter((argv) => command(argv) === 'cat-file')).toEqual([['cat-file', '--batch']]);
    expect(argvs.filter((argv) => command(argv) === 'hash-object' && argv.includes('tree'))).toHaveLength(1);
    // Before git's own push, the sync waits on each git it starts (about 10 ms each on the bench machine, most of it
    // git's own start): the version, the identity, HEAD and main (once, under the lock), the remote's URL, the folder's
    // part of main, its blob and trees (with the tree reader), the commit, main moved, then where the remote was seen
    // and main again (the look beside the push may have committed).
    // The work tree's index follows main beside the push, and may start a moment before it.
    const beforePush = argvs.slice(0, argvs.findIndex((argv) => command(argv) === 'push')).filter((argv) => command(argv) !== 'update-index');
    // Some run side by side, so their order varies: counted by command.
    const byCommand = (names: string[]) => [...names].sort();
    expect(byCommand(beforePush.map((argv) => command(argv) ?? argv[0]!))).toEqual(
      byCommand(['--version', 'config', 'symbolic-ref', 'rev-parse', 'config', 'ls-tree', 'ls-tree', 'hash-object', 'cat-file', 'hash-object', 'commit-tree', 'update-ref', 'rev-parse', 'rev-parse']),
    );

    // Files put back by another program: the next look starts where that one stopped, round to the start of the store,
    // and reaches the one within its share; the one beyond waits for the sync after.
    putBack(within);
    putBack(beyond);
    await conclaveWrites();
    await run(['sync', '--store', store]);
    let shared = remoteFiles();
    expect(shared.has(within)).toBe(true);
    expect(shared.has(beyond)).toBe(false);
    await conclaveWrites();
    await run(['sync', '--store', store]);
    shared = remoteFiles();
    expect(shared.has(beyond)).toBe(true);

    // With nothing of its own to send, a sync looks at every folder, wherever the last look stopped.
    putBack(middle);
    await run(['sync', '--store', store]);
    expect(remoteFiles().has(middle)).toBe(true);
    expect(git(store, ['status', '--porcelain'])).toBe('');
  }, 240_000);
});

describe('a first sync that brings a whole store', () => {
  it('reads every arriving file through one git, whatever their number, and places each where the remote has it', async () => {
    // A team's store on its remote, and a new machine's empty store: the first sync brings every file.
    const origin = join(home.dir, 'origin');
    const teamRemote = join(home.dir, 'team.git');
    const newStore = join(home.dir, 'new-store');
    // More than 64 ceremonies: the built command checks them on threads (arrival-threads.ts).
    const count = 70;
    const { ids } = await generateCeremonies(origin, count);
    for (const [file, text] of Object.entries(repositoryFiles)) writeFileSync(join(origin, file), text);
    // An approval copied by an outsider with one character of its signature changed, under a name that sorts first.
    const events = join(origin, ceremonyFolder(ids[0]!), 'events');
    const approval = readdirSync(events).find((name) => name.includes('-approved-'))!;
    const tampered = nameSortingFirst(approval);
    writeFileSync(join(events, tampered), withSignatureChanged(readFileSync(join(events, approval), 'utf8')));
    git(home.dir, ['init', '-q', '--bare', '-b', 'main', teamRemote]);
    git(origin, ['init', '-q', '-b', 'main']);
    git(origin, ['add', '-A']);
    git(origin, ['commit', '-q', '-m', 'the team so far']);
    git(origin, ['push', '-q', teamRemote, 'main']);
    const teamFiles = git(teamRemote, ['ls-tree', '-r', '--name-only', 'main']).split('\n').filter((path) => path.startsWith('ceremonies/'));
    expect(teamFiles.length).toBeGreaterThan(3 * count);

    await run(['remote', 'add', teamRemote, '--store', newStore]);
    const trace = join(home.dir, 'first-sync-trace.json');
    const synced = await run(['sync', '--store', newStore, '--json'], { GIT_TRACE2_EVENT: trace });
    const report = JSON.parse(synced.out) as { arrivals: { events: { name: string; by?: string; problem?: string }[]; problems: string[] } };
    expect(report.arrivals.events).toHaveLength(teamFiles.length);
    // The tampered copy alone does not count; the approval it was copied from does.
    expect(report.arrivals.problems).toHaveLength(1);
    expect(report.arrivals.problems[0]).toContain(`${tampered} (ceremony ${ids[0]}): the signature of`);
    expect(report.arrivals.events.filter((event) => event.by === undefined).map((event) => event.name)).toEqual([tampered]);
    expect(report.arrivals.events.find((event) => event.name === approval)?.problem).toBeUndefined();
    // Each file in the store folder, byte for byte the remote's.
    for (const path of teamFiles) expect(readFileSync(join(newStore, path), 'utf8')).toBe(git(teamRemote, ['show', `main:${path}`]));
    expect(git(newStore, ['status', '--porcelain'])).toBe('');

    // A git per arriving file (about 10 ms each) made a first sync of 10,000 ceremonies take 11 minutes: gits that read
    // many objects each (their sizes, their bytes, the trees), and a few dozen gits in all, not one per file.
    const records = readFileSync(trace, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { event: string; sid: string; argv?: string[] });
    const argvs = records.filter((record) => record.event === 'start' && !record.sid.includes('/')).map((record) => record.argv!.slice(1));
    const catFiles = argvs.filter((argv) => argv.includes('cat-file'));
    expect(catFiles.every((argv) => argv.some((arg) => arg.startsWith('--batch')))).toBe(true);
    expect(catFiles.length).toBeLessThanOrEqual(3);
    expect(argvs.length).toBeLessThan(count);
  }, 240_000);
});
