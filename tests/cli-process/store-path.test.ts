/**
 * How the store is named: by a relative path (`--store store`,
 * CONCLAVE_STORE=store), as a person types it in the folder above it; by an
 * empty --store, as a script's unset "$STORE" gives it; by the path of a
 * file. git runs inside the store with paths Conclave hands it: with the
 * relative name kept, `conclave sync` asked git for store/.git/… from within
 * store/ and failed on every commit; an empty name was the working folder,
 * which a sync made a git repository.
 *
 * Runs the built command (`npm run build` first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';
import { generateCeremonies } from '../support/generate-ceremonies';
import { builtCommandWithGit, conclave, hangBoundMs } from './support';

const t = builtCommandWithGit();

const git = (cwd: string, args: string[]) => execFileSync('git', args, { cwd, env: t.env, encoding: 'utf8' });

/** Runs conclave in the data folder, where "store" names the store; it must end, leave nothing running and exit 0. */
async function inHome(args: string[], extraEnv: Record<string, string> = {}) {
  const run = await conclave(args, { ...t.env, ...extraEnv }, { cwd: t.home.dir });
  expect(run.hung, `conclave ${args.join(' ')} did not end within ${hangBoundMs / 1000} s`).toBe(false);
  expect(run.leftovers).toEqual([]);
  expect(run.code, `conclave ${args.join(' ')}: ${run.err}`).toBe(0);
  return run;
}

/** The event files main holds on the remote. */
const eventsOnRemote = (remote: string) => git(remote, ['ls-tree', '-r', '--name-only', 'main']).split('\n').filter((path) => path.includes('/events/'));

describe('a store named by a relative path', () => {
  it('is shared by remote add and sync with --store store, from the folder above it', async () => {
    const remote = join(t.home.dir, 'remote.git');
    git(t.home.dir, ['init', '-q', '--bare', remote]);
    const { ids } = await generateCeremonies(join(t.home.dir, 'store'), 2);
    const added = await inHome(['remote', 'add', remote, '--store', 'store']);
    // Said as the absolute folder it is, so the message holds wherever it is read.
    expect(added.out).toContain(`(${join(t.home.dir, 'store')})`);
    await inHome(['sync', '--store', 'store']);
    expect(eventsOnRemote(remote).filter((path) => path.includes(ids[0]!)).length).toBeGreaterThan(0);

    // A second sync, of one more ceremony, commits it as the first did.
    const more = await generateCeremonies(join(t.home.dir, 'store'), 1);
    await inHome(['sync', '--store', 'store']);
    expect(eventsOnRemote(remote).filter((path) => path.includes(more.ids[0]!)).length).toBeGreaterThan(0);
  });

  it('is shared when CONCLAVE_STORE names it relatively', async () => {
    const remote = join(t.home.dir, 'remote.git');
    git(t.home.dir, ['init', '-q', '--bare', remote]);
    const { ids } = await generateCeremonies(join(t.home.dir, 'store'), 1);
    await inHome(['remote', 'add', remote], { CONCLAVE_STORE: 'store' });
    await inHome(['sync'], { CONCLAVE_STORE: 'store' });
    expect(eventsOnRemote(remote).filter((path) => path.includes(ids[0]!)).length).toBeGreaterThan(0);
  });

  it('is refused when --store is empty, and nothing is made in the working folder', async () => {
    for (const args of [['sync', '--store', ''], ['ceremony', 'list', '--store', ''], ['remote', 'add', join(t.home.dir, 'remote.git'), '--store', ' ']]) {
      const run = await conclave(args, t.env, { cwd: t.home.dir });
      expect(run.hung).toBe(false);
      expect(run.leftovers).toEqual([]);
      // A command-line mistake (exit 2), said as one.
      expect(run.code, `conclave ${args.join(' ')}: ${run.err}`).toBe(2);
      expect(run.err).toContain('--store is empty');
      expect(readdirSync(t.home.dir).filter((name) => name === '.git' || name.startsWith('.git'))).toEqual([]);
    }
  });

  it('is refused when it is a file, by every command that reads or shares the store, and the file is left as it was', async () => {
    const file = join(t.home.dir, 'notes.txt');
    writeFileSync(file, 'not a store\n');
    for (const args of [['sync', '--store', 'notes.txt'], ['ceremony', 'list', '--store', 'notes.txt'], ['remote', 'show', '--store', 'notes.txt'], ['audit', 'verify', '--store', 'notes.txt']]) {
      const run = await conclave(args, t.env, { cwd: t.home.dir });
      expect(run.hung).toBe(false);
      expect(run.code, `conclave ${args.join(' ')}: ${run.err}`).toBe(1);
      expect(run.err).toContain(`${file} (named by --store) is a file, not a ceremony store folder`);
    }
    const byVariable = await conclave(['ceremony', 'list'], { ...t.env, CONCLAVE_STORE: file });
    expect(byVariable.code).toBe(1);
    expect(byVariable.err).toContain('(named by CONCLAVE_STORE) is a file');
    expect(readFileSync(file, 'utf8')).toBe('not a store\n');
    expect(existsSync(join(t.home.dir, '.git'))).toBe(false);
  });

  it('is the data folder\'s store/ when CONCLAVE_STORE is set but empty, as shells treat an empty variable', async () => {
    const { ids } = await generateCeremonies(join(t.home.dir, 'store'), 1);
    const listed = await inHome(['ceremony', 'list', '--json'], { CONCLAVE_STORE: '' });
    expect(listed.out).toContain(ids[0]!);
  });

  it('is refused when it is a linked git checkout (its .git a file), by sync and audit, and the linked repository is left alone', async () => {
    const main = join(t.home.dir, 'main-repository');
    git(t.home.dir, ['init', '-q', '-b', 'main', main]);
    writeFileSync(join(main, 'README'), 'elsewhere\n');
    git(main, ['add', 'README']);
    git(main, ['-c', 'user.name=T', '-c', 'user.email=t@example.org', 'commit', '-q', '-m', 'first']);
    git(main, ['worktree', 'add', '-q', '-b', 'ceremonies', join(t.home.dir, 'linked')]);
    const refsBefore = git(main, ['for-each-ref']);
    for (const args of [['sync', '--store', 'linked'], ['remote', 'show', '--store', 'linked'], ['audit', 'verify', '--store', 'linked']]) {
      const run = await conclave(args, t.env, { cwd: t.home.dir });
      expect(run.hung).toBe(false);
      expect(run.code, `conclave ${args.join(' ')}: ${run.err}`).toBe(1);
      expect(run.err).toContain('is a linked git checkout: its .git is a file');
    }
    expect(git(main, ['for-each-ref'])).toBe(refsBefore);
    const recordsOfConclave = (dir: string) => readdirSync(dir, { recursive: true }).map(String).filter((name) => name.includes('conclave'));
    expect(recordsOfConclave(join(main, '.git'))).toEqual([]);
  });

  it('shares with a remote named by a relative path from where the command was typed, as git clone reads it', async () => {
    const work = join(t.home.dir, 'work');
    mkdirSync(work);
    git(t.home.dir, ['init', '-q', '--bare', 'shared.git']);
    const { ids } = await generateCeremonies(join(work, 'store'), 1);
    const inWork = async (args: string[]) => {
      const run = await conclave(args, t.env, { cwd: work });
      expect(run.code, `conclave ${args.join(' ')}: ${run.err}`).toBe(0);
      return run;
    };
    const added = await inWork(['remote', 'add', '../shared.git', '--store', 'store']);
    // Kept as the absolute path it names, which git reads the same from the store folder.
    expect(added.out).toContain(`now shares its ceremonies with ${join(t.home.dir, 'shared.git')}.`);
    expect(git(join(work, 'store'), ['config', 'remote.origin.url']).trim()).toBe(join(t.home.dir, 'shared.git'));
    await inWork(['sync', '--store', 'store']);
    expect(eventsOnRemote(join(t.home.dir, 'shared.git')).filter((path) => path.includes(ids[0]!)).length).toBeGreaterThan(0);
  });
});

describe('a remote named from the home folder, as ~/team.git', () => {
  it('is the repository under the home folder when the ~ reaches conclave unexpanded (quoted, or from a script)', async () => {
    const work = join(t.home.dir, 'work');
    mkdirSync(work);
    git(t.home.dir, ['init', '-q', '--bare', 'team.git']);
    const { ids } = await generateCeremonies(join(work, 'store'), 1);
    const env = { ...t.env, HOME: t.home.dir };
    const added = await conclave(['remote', 'add', '~/team.git', '--store', 'store'], env, { cwd: work });
    expect(added.code, added.err).toBe(0);
    // It had become <work>/~/team.git, a folder that does not exist.
    expect(git(join(work, 'store'), ['config', 'remote.origin.url']).trim()).toBe(join(t.home.dir, 'team.git'));
    const synced = await conclave(['sync', '--store', 'store'], env, { cwd: work });
    expect(synced.code, synced.err).toBe(0);
    expect(eventsOnRemote(join(t.home.dir, 'team.git')).filter((path) => path.includes(ids[0]!)).length).toBeGreaterThan(0);
  });

  it('is refused with what to type instead when it names another account\u2019s home (~name/…)', async () => {
    const work = join(t.home.dir, 'work');
    mkdirSync(work, { recursive: true });
    await generateCeremonies(join(work, 'store'), 1);
    const refused = await conclave(['remote', 'add', '~ana/team.git', '--store', 'store'], t.env, { cwd: work });
    expect(refused.hung).toBe(false);
    expect(refused.code, refused.err).toBe(1);
    expect(refused.err).toContain('"~ana/team.git" names another account\'s home folder');
    expect(refused.err).toContain('Give the repository\'s full path');
    expect(() => git(join(work, 'store'), ['config', 'remote.origin.url'])).toThrow();
  });
});

describe('a store folder with a file where a ceremony\u2019s folder should be', () => {
  it('is synced once the file is moved, and until then the sync names the file, not a bare ENOTDIR', async () => {
    // The team's store, on its remote; this machine's store has a file (put there by hand) at one ceremony's folder.
    const remote = join(t.home.dir, 'remote.git');
    git(t.home.dir, ['init', '-q', '--bare', remote]);
    const { ids } = await generateCeremonies(join(t.home.dir, 'team'), 2);
    await inHome(['remote', 'add', remote, '--store', 'team']);
    await inHome(['sync', '--store', 'team']);
    const inTheWay = join(t.home.dir, 'store', ceremonyFolder(ids[0]!));
    mkdirSync(join(inTheWay, '..'), { recursive: true });
    writeFileSync(inTheWay, 'notes\n');
    await inHome(['remote', 'add', remote, '--store', 'store']);

    const refused = await conclave(['sync', '--store', 'store'], t.env, { cwd: t.home.dir });
    expect(refused.hung).toBe(false);
    expect(refused.leftovers).toEqual([]);
    expect(refused.code, refused.err).toBe(1);
    expect(refused.err).toContain(`${ceremonyFolder(ids[0]!)} is a file in the store folder, where Conclave keeps a ceremony's folder`);
    expect(refused.err).toContain('Move that file out of the store folder and run "conclave sync" again');
    expect(refused.err).not.toContain('ENOTDIR');
    expect(readFileSync(inTheWay, 'utf8')).toBe('notes\n');

    renameSync(inTheWay, join(t.home.dir, 'notes.txt'));
    await inHome(['sync', '--store', 'store']);
    for (const id of ids) expect(readdirSync(join(t.home.dir, 'store', ceremonyFolder(id), 'events')).length).toBeGreaterThan(0);
  });
});
