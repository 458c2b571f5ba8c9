/**
 * Trees written in git's stored form (raw-tree.ts, issue 15) must be the
 * trees git itself writes: a tree out of order, or with an entry changed in
 * passing, would be a different commit on every machine (and `git fsck`
 * would refuse the repository). Checked against `git mktree` with the names
 * that order trees in surprising ways.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareEntries, folderMode, RawTree, type TreeEntry } from '../../electron/core/repository/raw-tree';

let repo: string;
const git = (args: string[], input?: string | Buffer) => execFileSync('git', args, { cwd: repo, input, stdio: ['pipe', 'pipe', 'pipe'] });
const hex = (args: string[], input?: string | Buffer) => git(args, input).toString('utf8').trim();

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'conclave-raw-tree-'));
  hex(['init', '-q']);
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

/** The tree git writes for these entries (name → "mode type id"), by `git mktree`. */
function mktree(entries: [string, string, string, string][]): string {
  return hex(['mktree', '-z'], entries.map(([mode, type, id, name]) => `${mode} ${type} ${id}\t${name}\0`).join(''));
}

describe('a git tree in its stored form', () => {
  let blob: string;
  let otherBlob: string;
  let sub: string;

  beforeAll(() => {
    blob = hex(['hash-object', '-w', '--stdin'], 'event\n');
    otherBlob = hex(['hash-object', '-w', '--stdin'], 'another event\n');
    sub = mktree([['100644', 'blob', blob, 'a.json']]);
  });

  it('reads back what git wrote, entry for entry, and writes it again byte for byte', () => {
    const tree = mktree([
      ['100644', 'blob', blob, '.gitattributes'],
      ['040000', 'tree', sub, 'ceremonies'],
      ['100755', 'blob', otherBlob, 'run.sh'],
    ]);
    const raw = git(['cat-file', 'tree', tree]);
    const parsed = RawTree.parse(raw, 20);
    expect(parsed.size).toBe(3);
    expect(parsed.get('ceremonies')).toMatchObject({ mode: folderMode });
    expect(parsed.get('ceremonies')!.id.toString('hex')).toBe(sub);
    expect(parsed.get('run.sh')).toMatchObject({ mode: '100755' });
    expect(parsed.with([]).equals(raw)).toBe(true);
  });

  it('places new entries where git does: a folder sorts as if its name ended in "/", a file as if it ended', () => {
    // "a" (folder) sorts after "a.b" and "a-b" ('/' is 0x2f, after '-' and '.'), but "a" as a file sorts first.
    const existing = mktree([
      ['100644', 'blob', blob, 'a-b'],
      ['100644', 'blob', blob, 'a.b'],
      ['100644', 'blob', blob, 'a0'],
      ['100644', 'blob', blob, 'é'],
    ]);
    const parsed = RawTree.parse(git(['cat-file', 'tree', existing]), 20);
    const added: TreeEntry[] = [
      { mode: folderMode, name: Buffer.from('a'), id: Buffer.from(sub, 'hex') },
      { mode: '100644', name: Buffer.from('Z'), id: Buffer.from(otherBlob, 'hex') },
      { mode: '100644', name: Buffer.from('zz'), id: Buffer.from(otherBlob, 'hex') },
    ];
    const written = hex(['hash-object', '-t', 'tree', '-w', '--stdin'], parsed.with(added));
    expect(written).toBe(
      mktree([
        ['100644', 'blob', blob, 'a-b'],
        ['100644', 'blob', blob, 'a.b'],
        ['100644', 'blob', blob, 'a0'],
        ['100644', 'blob', blob, 'é'],
        ['040000', 'tree', sub, 'a'],
        ['100644', 'blob', otherBlob, 'Z'],
        ['100644', 'blob', otherBlob, 'zz'],
      ]),
    );
    // git itself finds nothing wrong with it.
    expect(() => git(['fsck', '--strict', '--no-dangling'])).not.toThrow();
  });

  it('replaces an entry of the same name, and keeps every other one as it was', () => {
    const existing = mktree([
      ['100644', 'blob', blob, 'one.json'],
      ['100644', 'blob', blob, 'two.json'],
    ]);
    const parsed = RawTree.parse(git(['cat-file', 'tree', existing]), 20);
    const written = hex(['hash-object', '-t', 'tree', '-w', '--stdin'], parsed.with([{ mode: '100644', name: Buffer.from('two.json'), id: Buffer.from(otherBlob, 'hex') }]));
    expect(written).toBe(mktree([['100644', 'blob', blob, 'one.json'], ['100644', 'blob', otherBlob, 'two.json']]));
  });

  it('adds and replaces many entries at once, anywhere in a large tree, as git would write it', () => {
    const names = Array.from({ length: 500 }, (_, index) => `c-${String(index * 7919 % 100000).padStart(5, '0')}`);
    const existing = names.filter((_, index) => index % 2 === 0);
    const tree = mktree(existing.map((name) => ['040000', 'tree', sub, name]));
    const parsed = RawTree.parse(git(['cat-file', 'tree', tree]), 20);
    expect(parsed.size).toBe(existing.length);
    expect(parsed.get(existing[7]!)?.id.toString('hex')).toBe(sub);
    expect(parsed.get(names[7]!)).toBeUndefined();
    // Every other name added, and every tenth one already there pointed at another folder.
    const otherSub = mktree([['100644', 'blob', otherBlob, 'b.json']]);
    const changes: TreeEntry[] = [
      ...names.filter((_, index) => index % 2 === 1).map((name) => ({ mode: folderMode, name: Buffer.from(name), id: Buffer.from(sub, 'hex') })),
      ...existing.filter((_, index) => index % 10 === 0).map((name) => ({ mode: folderMode, name: Buffer.from(name), id: Buffer.from(otherSub, 'hex') })),
    ];
    const replaced = new Set(existing.filter((_, index) => index % 10 === 0));
    const written = hex(['hash-object', '-t', 'tree', '-w', '--stdin'], parsed.with(changes));
    expect(written).toBe(mktree(names.map((name) => ['040000', 'tree', replaced.has(name) ? otherSub : sub, name])));
  });

  it('leaves out removed entries, files and folders, first, last and in runs, beside additions, as git would write the rest', () => {
    const names = Array.from({ length: 60 }, (_, index) => `c-${String(index).padStart(3, '0')}`);
    const tree = mktree(names.map((name, index) => (index % 3 === 0 ? ['040000', 'tree', sub, name] : ['100644', 'blob', blob, `${name}.json`])));
    const parsed = RawTree.parse(git(['cat-file', 'tree', tree]), 20);
    const entryName = (index: number) => (index % 3 === 0 ? names[index]! : `${names[index]}.json`);
    // The first, the last, a run of five in the middle, and one that is not there at all.
    const gone = new Set([0, 59, 20, 21, 22, 23, 24].map(entryName));
    const removed = [...gone, 'not-there.json'].map((name) => Buffer.from(name));
    const added: TreeEntry[] = [{ mode: '100644', name: Buffer.from('c-020a.json'), id: Buffer.from(otherBlob, 'hex') }];
    const written = hex(['hash-object', '-t', 'tree', '-w', '--stdin'], parsed.with(added, removed));
    const kept = names.map((_, index) => index).filter((index) => !gone.has(entryName(index)));
    expect(written).toBe(mktree([...kept.map((index): [string, string, string, string] => (index % 3 === 0 ? ['040000', 'tree', sub, names[index]!] : ['100644', 'blob', blob, entryName(index)])), ['100644', 'blob', otherBlob, 'c-020a.json']]));
    // Everything removed: nothing left.
    expect(parsed.with([], names.map((_, index) => Buffer.from(entryName(index)))).length).toBe(0);
  });

  it('orders a file and a folder that share a prefix as git does, either way round', () => {
    const file = (name: string): TreeEntry => ({ mode: '100644', name: Buffer.from(name), id: Buffer.alloc(20) });
    const folder = (name: string): TreeEntry => ({ mode: folderMode, name: Buffer.from(name), id: Buffer.alloc(20) });
    expect(compareEntries(file('a'), file('a.b'))).toBeLessThan(0);
    expect(compareEntries(folder('a'), file('a.b'))).toBeGreaterThan(0);
    expect(compareEntries(folder('a'), file('a0'))).toBeLessThan(0);
    expect(compareEntries(file('same'), file('same'))).toBe(0);
  });

  it('refuses a tree whose bytes end in the middle of an entry', () => {
    const raw = git(['cat-file', 'tree', mktree([['100644', 'blob', blob, 'one.json']])]);
    expect(() => RawTree.parse(raw.subarray(0, raw.length - 3), 20)).toThrow(/malformed/);
  });
});
