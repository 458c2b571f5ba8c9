/**
 * Ceremonies live in dated folders (`ceremonies/YYYY/MM/DD/<id>`, issue 15):
 * a store and a shared repository made before, with every ceremony at
 * `ceremonies/<id>`, move there at the first sync, in a commit that changes
 * no file's bytes, and other machines and the audit take that commit as a
 * move, not as lost files. What an outsider with push access might dress up
 * as such a move (other bytes, another day's folder, a move back) is still a
 * removal: refused by every sync, named by the audit.
 *
 * The older Conclave is played by plain git, the files built by hand as it
 * wrote them. The new one is the built command, run as a process
 * (`npm run build` first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repositoryFiles } from '../../electron/core/repository/layout';
import { ceremonyFolder, legacyCeremonyFolder } from '../../shared/ceremony/store-layout';
import { builtCli, conclave, type Run } from '../cli-process/support';
import { inheritedEnvironment } from '../support/environment';
import { generateCeremonies } from '../support/generate-ceremonies';
import { makeDataDir } from '../support/softhsm';
import { withSignatureChanged } from '../support/tampered-copy';

beforeAll(() => {
  expect(existsSync(builtCli), `${builtCli} is missing: run "npm run build" before these tests.`).toBe(true);
});

let home: ReturnType<typeof makeDataDir>;
let env: Record<string, string>;
let remote: string;
beforeEach(() => {
  home = makeDataDir();
  const inherited = inheritedEnvironment((name) => name.startsWith('GIT_'));
  env = { ...inherited, HOME: home.dir, GIT_CONFIG_NOSYSTEM: '1', CONCLAVE_HOME: home.dir, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.org', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.org' };
  remote = join(home.dir, 'remote.git');
  git(home.dir, ['init', '-q', '--bare', '-b', 'main', remote]);
});
afterEach(() => home.cleanup());

const git = (cwd: string, args: string[], input?: string) => execFileSync('git', args, { cwd, env, encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
const tree = (repository: string, ref = 'main') => git(repository, ['ls-tree', '-r', '--name-only', ref]).split('\n').filter((path) => path.startsWith('ceremonies/')).sort();
const run = async (args: string[]): Promise<Run> => {
  const result = await conclave(args, env);
  expect(result.hung, `conclave ${args.join(' ')} did not end`).toBe(false);
  expect(result.leftovers).toEqual([]);
  return result;
};

/** Ceremonies made elsewhere, their folders moved to `ceremonies/<id>` as a Conclave before the dated folders kept them. */
async function legacyCeremonies(dir: string, count: number): Promise<string[]> {
  const { ids, policyDocument } = await generateCeremonies(dir, count);
  // This machine's people trust the team's policy, as in any real store: the audit then checks every decision.
  const policyFile = join(home.dir, `policy-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(policyFile, JSON.stringify(policyDocument));
  const trusted = await run(['policy', 'trust', policyFile, '--yes']);
  expect(trusted.code, trusted.err).toBe(0);
  for (const id of ids) renameSync(join(dir, ceremonyFolder(id)), join(dir, legacyCeremonyFolder(id)));
  for (const year of readdirSync(join(dir, 'ceremonies')).filter((name) => /^\d{4}$/.test(name))) rmSync(join(dir, 'ceremonies', year), { recursive: true });
  return ids;
}

/** A machine of the older Conclave: the store a git work tree on main, shared with the remote. */
async function olderMachine(name: string, count: number): Promise<{ store: string; ids: string[] }> {
  const store = join(home.dir, name);
  const ids = await legacyCeremonies(store, count);
  git(store, ['init', '-q', '-b', 'main']);
  for (const [file, text] of Object.entries(repositoryFiles)) writeFileSync(join(store, file), text);
  git(store, ['add', '-A']);
  git(store, ['commit', '-q', '-m', 'an older Conclave']);
  git(store, ['remote', 'add', 'origin', remote]);
  git(store, ['push', '-q', 'origin', 'main']);
  return { store, ids };
}

/** A clone of the remote as an older Conclave would have made it (the files, the remote named origin). */
function olderClone(name: string): string {
  const store = join(home.dir, name);
  git(home.dir, ['clone', '-q', remote, store]);
  return store;
}

/** Builds a commit on the remote's main as an outsider with push access would, from a tree edited by hand. */
function pushByHand(edit: (work: string) => void, message: string): void {
  const work = join(home.dir, `outsider-${Math.random().toString(36).slice(2)}`);
  git(home.dir, ['clone', '-q', remote, work]);
  edit(work);
  git(work, ['add', '-A']);
  git(work, ['commit', '-q', '-m', message]);
  git(work, ['push', '-q', 'origin', 'main']);
}

const eventFiles = (store: string, id: string) => readdirSync(join(store, ceremonyFolder(id), 'events')).sort();

describe('a store and repository made before the dated folders', () => {
  it('move there at the first sync, in a commit of their own that changes no file; the other machines and the audit take it as a move', async () => {
    const a = await olderMachine('a', 3);
    const b = olderClone('b');
    const before = tree(remote);
    expect(before.every((path) => /^ceremonies\/c-\d{8}-[a-z2-7]{10}\/events\//.test(path))).toBe(true);

    const synced = await run(['sync', '--store', a.store, '--json']);
    expect(synced.code, synced.err).toBe(0);
    expect(JSON.parse(synced.out)).toMatchObject({ outcome: 'synced', leftOut: [] });
    // The store folder and the shared history hold every file at its dated path, and nothing at the old one.
    for (const id of a.ids) {
      expect(existsSync(join(a.store, legacyCeremonyFolder(id)))).toBe(false);
      expect(eventFiles(a.store, id).length).toBeGreaterThan(0);
    }
    const after = tree(remote);
    expect(after).toEqual(before.map((path) => path.replace(/^ceremonies\/(c-(\d{4})(\d{2})(\d{2})-[a-z2-7]{10})\//, 'ceremonies/$2/$3/$4/$1/')).sort());
    // One commit, every removal paired with the same blob at the dated path.
    const raw = git(remote, ['diff-tree', '-r', '--no-renames', 'main~1', 'main']).trim().split('\n');
    const removed = raw.filter((line) => / D\t/.test(line)).map((line) => line.split(' ')[2]);
    const added = raw.filter((line) => / A\t/.test(line)).map((line) => line.split(' ')[3]);
    expect(removed.length).toBe(before.length);
    expect(added.sort()).toEqual(removed.sort());
    expect(git(remote, ['log', '-1', '--format=%s', 'main'])).toMatch(/moved to dated folders .*no file changed/);
    // No emptied folder is left behind in the tree (ls-tree -r shows files only), and git finds the repository sound.
    expect(git(remote, ['ls-tree', '--name-only', 'main:ceremonies']).trim().split('\n').every((name) => /^\d{4}$/.test(name))).toBe(true);
    git(remote, ['fsck', '--no-progress', '--strict']);

    const audit = await run(['audit', 'verify', '--store', a.store, '--json']);
    expect(audit.code, audit.out).toBe(0);
    expect(JSON.parse(audit.out)).toMatchObject({ ok: true, findings: [], counts: { ceremonies: 3 } });

    // The other machine, still in the older layout, upgrades: its own move and the remote's meet as one.
    const other = await run(['sync', '--store', b, '--json']);
    expect(other.code, other.err).toBe(0);
    expect(tree(b)).toEqual(after);
    for (const id of a.ids) expect(eventFiles(b, id)).toEqual(eventFiles(a.store, id));
    const otherAudit = await run(['audit', 'verify', '--store', b, '--json']);
    expect(otherAudit.code, otherAudit.out).toBe(0);
    expect(JSON.parse(otherAudit.out)).toMatchObject({ ok: true, findings: [] });
  });

  it('what an older Conclave adds later is kept in its dated folder and moved there in the repository too', async () => {
    const a = await olderMachine('a', 1);
    const old = olderClone('old');
    expect((await run(['sync', '--store', a.store])).code).toBe(0);
    // The older machine adds a ceremony at ceremonies/<id>, merging the remote's move with git as a person would.
    const [late] = await legacyCeremonies(join(home.dir, 'late'), 1);
    git(old, ['pull', '-q', '--no-rebase', 'origin', 'main']);
    mkdirSync(join(old, 'ceremonies'), { recursive: true });
    renameSync(join(home.dir, 'late', legacyCeremonyFolder(late!)), join(old, legacyCeremonyFolder(late!)));
    git(old, ['add', '-A']);
    git(old, ['commit', '-q', '-m', 'an older Conclave, later']);
    git(old, ['push', '-q', 'origin', 'main']);

    const synced = await run(['sync', '--store', a.store, '--json']);
    expect(synced.code, synced.err).toBe(0);
    expect(eventFiles(a.store, late!).length).toBeGreaterThan(0);
    expect(existsSync(join(a.store, legacyCeremonyFolder(late!)))).toBe(false);
    expect(tree(remote).filter((path) => path.includes(late!)).every((path) => path.startsWith(`${ceremonyFolder(late!)}/`))).toBe(true);
    expect(git(remote, ['ls-tree', '--name-only', 'main:ceremonies']).trim().split('\n').every((name) => /^\d{4}$/.test(name))).toBe(true);
    git(remote, ['fsck', '--no-progress', '--strict']);
    const audit = await run(['audit', 'verify', '--store', a.store, '--json']);
    expect(JSON.parse(audit.out)).toMatchObject({ ok: true, findings: [], counts: { ceremonies: 2 } });
  });
});

describe('what an outsider with push access dresses up as a move', () => {
  /** A dated machine and the remote after its first sync, with one legacy file left to play with on an older clone. */
  async function movedWorld() {
    const a = await olderMachine('a', 1);
    const id = a.ids[0]!;
    const legacyFiles = readdirSync(join(a.store, legacyCeremonyFolder(id), 'events')).sort();
    return { a, id, legacyFiles };
  }

  const refusedBy = async (store: string, file: string) => {
    const synced = await run(['sync', '--store', store]);
    expect(synced.code, `${synced.out}\n${synced.err}`).toBe(1);
    expect(synced.out).toMatch(/^REFUSED: The remote's history removes or edits files that are never changed once written/);
    expect(synced.out).toContain(file);
    expect(synced.out).toContain('Nothing was merged and nothing was pushed');
    return synced;
  };

  it('a move that changes the bytes is a removal: refused by the sync, named by the audit', async () => {
    const { a, id, legacyFiles } = await movedWorld();
    const victim = legacyFiles.find((name) => name.includes('-approved-'))!;
    pushByHand((work) => {
      const dated = join(work, ceremonyFolder(id), 'events');
      mkdirSync(dated, { recursive: true });
      const text = readFileSync(join(work, legacyCeremonyFolder(id), 'events', victim), 'utf8');
      writeFileSync(join(dated, victim), withSignatureChanged(text));
      rmSync(join(work, legacyCeremonyFolder(id), 'events', victim));
    }, 'Conclave: 1 file moved to dated folders, no file changed');
    const kept = readFileSync(join(a.store, legacyCeremonyFolder(id), 'events', victim), 'utf8');
    await refusedBy(a.store, victim);
    // Nothing merged: the store keeps its own bytes (moved to the dated folder by the store, not by the remote).
    expect(readFileSync(join(a.store, ceremonyFolder(id), 'events', victim), 'utf8')).toBe(kept);

    const auditor = join(home.dir, 'auditor');
    git(home.dir, ['clone', '-q', remote, auditor]);
    const audit = await run(['audit', 'verify', '--store', auditor, '--json']);
    expect(audit.code).toBe(1);
    expect(JSON.parse(audit.out).findings).toContainEqual(expect.objectContaining({ code: 'history-deleted', file: `${legacyCeremonyFolder(id)}/events/${victim}` }));
  });

  it('a move into another day\u2019s folder, or back out of the dated one, is a removal too', async () => {
    const { a, id, legacyFiles } = await movedWorld();
    const [first] = legacyFiles;
    // Another day: the id says 2026/…, the folder says otherwise.
    const wrongDay = `ceremonies/1999/01/01/${id}/events`;
    pushByHand((work) => {
      mkdirSync(join(work, wrongDay), { recursive: true });
      renameSync(join(work, legacyCeremonyFolder(id), 'events', first!), join(work, wrongDay, first!));
    }, 'moved to the wrong day');
    await refusedBy(a.store, first!);

    // Back out: a dated repository whose file goes back to ceremonies/<id>.
    rmSync(remote, { recursive: true });
    git(home.dir, ['init', '-q', '--bare', '-b', 'main', remote]);
    const b = await olderMachine('b', 1);
    expect((await run(['sync', '--store', b.store])).code).toBe(0);
    const [back] = eventFiles(b.store, b.ids[0]!);
    pushByHand((work) => {
      mkdirSync(join(work, legacyCeremonyFolder(b.ids[0]!), 'events'), { recursive: true });
      renameSync(join(work, ceremonyFolder(b.ids[0]!), 'events', back!), join(work, legacyCeremonyFolder(b.ids[0]!), 'events', back!));
    }, 'moved back');
    await refusedBy(b.store, back!);
    expect(eventFiles(b.store, b.ids[0]!)).toContain(back);
  });

  it('a file of the older layout under a name the store holds with other bytes is refused, and nothing is written', async () => {
    const a = await olderMachine('a', 1);
    const id = a.ids[0]!;
    const old = olderClone('old');
    expect((await run(['sync', '--store', a.store])).code).toBe(0);
    const name = eventFiles(a.store, id).find((entry) => entry.includes('-approved-'))!;
    const mine = readFileSync(join(a.store, ceremonyFolder(id), 'events', name), 'utf8');
    git(old, ['pull', '-q', '--no-rebase', 'origin', 'main']);
    // The older layout again, the same name, other bytes: it would land on the store's own file.
    mkdirSync(join(old, legacyCeremonyFolder(id), 'events'), { recursive: true });
    writeFileSync(join(old, legacyCeremonyFolder(id), 'events', name), withSignatureChanged(mine));
    git(old, ['add', '-A']);
    git(old, ['commit', '-q', '-m', 'same name, other bytes']);
    git(old, ['push', '-q', 'origin', 'main']);

    const synced = await run(['sync', '--store', a.store]);
    expect(synced.code).toBe(1);
    expect(synced.out).toMatch(/other content under names this store already uses/);
    expect(synced.out).toContain(name);
    expect(readFileSync(join(a.store, ceremonyFolder(id), 'events', name), 'utf8')).toBe(mine);
    expect(existsSync(join(a.store, legacyCeremonyFolder(id)))).toBe(false);
  });

  it('files of the older layout with the bytes the store holds under their names are no news: merged, not written again', async () => {
    const a = await olderMachine('a', 2);
    const old = olderClone('old');
    expect((await run(['sync', '--store', a.store])).code).toBe(0);
    git(old, ['pull', '-q', '--no-rebase', 'origin', 'main']);
    // An older Conclave puts back, in its own layout, the files it still has: the same names, the same bytes.
    const returned = a.ids.map((id) => ({ id, name: eventFiles(a.store, id)[0]! }));
    for (const { id, name } of returned) {
      mkdirSync(join(old, legacyCeremonyFolder(id), 'events'), { recursive: true });
      writeFileSync(join(old, legacyCeremonyFolder(id), 'events', name), readFileSync(join(a.store, ceremonyFolder(id), 'events', name)));
    }
    git(old, ['add', '-A']);
    git(old, ['commit', '-q', '-m', 'the same files again, the older layout']);
    git(old, ['push', '-q', 'origin', 'main']);

    const synced = await run(['sync', '--store', a.store, '--json']);
    expect(synced.code, `${synced.out}\n${synced.err}`).toBe(0);
    const report = JSON.parse(synced.out) as { arrivals: { events: unknown[]; problems: string[] } };
    expect(report.arrivals).toMatchObject({ events: [], problems: [] });
    for (const { id } of returned) expect(existsSync(join(a.store, legacyCeremonyFolder(id)))).toBe(false);
    expect(git(a.store, ['status', '--porcelain'])).toBe('');
  });
});
