/**
 * Reading the store's git objects through one `git cat-file --batch`
 * (object-reader.ts), and writing new trees through one `git hash-object`
 * (issue 15): answers in the order asked, bytes exact, a missing object said
 * so, the git gone once closed. A store whose repository names objects by
 * SHA-256 commits and syncs as one named by SHA-1 does (the ids of the trees
 * Conclave builds are computed with the repository's own hash).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { GitRunner } from '../../electron/core/repository/git';
import { ObjectReader } from '../../electron/core/repository/object-reader';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';
import { builtCli, conclave } from '../cli-process/support';
import { inheritedEnvironment } from '../support/environment';
import { generateCeremonies } from '../support/generate-ceremonies';

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-objects-'));
  const inherited = inheritedEnvironment((name) => name.startsWith('GIT_'));
  env = { ...inherited, HOME: dir, CONCLAVE_HOME: dir, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.org', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.org' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const git = (cwd: string, args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' });
const gitBytes = (cwd: string, args: string[]) => execFileSync('git', args, { cwd, env });

function repositoryWithFiles(format: 'sha1' | 'sha256'): string {
  const repository = join(dir, `repository-${format}`);
  mkdirSync(join(repository, 'a', 'b'), { recursive: true });
  git(dir, ['init', '-q', `--object-format=${format}`, '-b', 'main', repository]);
  writeFileSync(join(repository, 'a', 'b', 'one.json'), '{"one":1}');
  writeFileSync(join(repository, 'a', 'two.json'), '{"two":2}');
  git(repository, ['add', '-A']);
  git(repository, ['commit', '-q', '-m', 'files']);
  return repository;
}

describe('the object reader', () => {
  for (const format of ['sha1', 'sha256'] as const) {
    it(`answers each object asked for, in order, bytes exact, and says when there is none (${format})`, async () => {
      const repository = repositoryWithFiles(format);
      const reader = await ObjectReader.start(new GitRunner(env), repository);
      try {
        const missing = format === 'sha1' ? 'f'.repeat(40) : 'f'.repeat(64);
        // Asked all at once: each answer goes to its own question.
        const [root, sub, nothing, blob] = await Promise.all([reader.read('main^{tree}'), reader.read('main:a'), reader.read(missing), reader.read('main:a/two.json')]);
        expect(root!.type).toBe('tree');
        expect(root!.id).toBe(git(repository, ['rev-parse', 'main^{tree}']).trim());
        expect(root!.id).toHaveLength(format === 'sha1' ? 40 : 64);
        expect(root!.bytes.equals(gitBytes(repository, ['cat-file', 'tree', 'main^{tree}']))).toBe(true);
        expect(sub!.bytes.equals(gitBytes(repository, ['cat-file', 'tree', 'main:a']))).toBe(true);
        expect(nothing).toBeUndefined();
        expect(blob).toMatchObject({ type: 'blob' });
        expect(blob!.bytes.toString()).toBe('{"two":2}');
        await expect(reader.read('main\n--batch-all-objects')).rejects.toThrow(/not an object name/);
      } finally {
        await reader.close();
      }
      // Closed, its git has gone: a question now is refused, not left waiting.
      await expect(reader.read('main^{tree}')).rejects.toThrow(/ended/);
    });
  }
});

describe('the object reader, with objects of many megabytes', () => {
  it('answers a large object (it comes in many pipe-sized pieces) and the small ones asked before and after it, bytes exact', async () => {
    const repository = repositoryWithFiles('sha1');
    // Random bytes: git stores them as they are, and any piece out of place shows.
    const large = randomBytes(40 * 1024 * 1024);
    writeFileSync(join(repository, 'a', 'large.bin'), large);
    git(repository, ['add', '-A']);
    git(repository, ['commit', '-q', '-m', 'a large file']);
    const reader = await ObjectReader.start(new GitRunner(env), repository);
    try {
      const [before, read, after, again] = await Promise.all([reader.read('main:a/two.json'), reader.read('main:a/large.bin'), reader.read('main:a/b/one.json'), reader.read('main:a/large.bin')]);
      expect(before!.bytes.toString()).toBe('{"two":2}');
      expect(read!.bytes.equals(large)).toBe(true);
      expect(after!.bytes.toString()).toBe('{"one":1}');
      expect(again!.bytes.equals(large)).toBe(true);
      // And one asked alone after them all.
      expect((await reader.read('main:a/two.json'))!.bytes.toString()).toBe('{"two":2}');
    } finally {
      await reader.close();
    }
  }, 120_000);
});

describe('a store whose git repository names objects by SHA-256', () => {
  it('commits and syncs what Conclave writes, the trees it builds valid in git\u2019s own eyes', async () => {
    expect(existsSync(builtCli), `${builtCli} is missing: run "npm run build" before these tests.`).toBe(true);
    const store = join(dir, 'store');
    const remote = join(dir, 'remote.git');
    git(dir, ['init', '-q', '--bare', '--object-format=sha256', '-b', 'main', remote]);
    git(dir, ['init', '-q', '--object-format=sha256', '-b', 'main', store]);
    await generateCeremonies(store, 3);
    const run = async (args: string[]) => {
      const result = await conclave(args, env);
      expect(result.hung).toBe(false);
      expect(result.leftovers).toEqual([]);
      expect(result.code, result.err).toBe(0);
    };
    await run(['remote', 'add', remote, '--store', store]);
    await run(['sync', '--store', store]);
    // One event Conclave writes afterwards is placed folder by folder, in trees whose ids Conclave computed.
    const scratch = join(dir, 'scratch');
    const [id] = (await generateCeremonies(scratch, 1)).ids;
    const opened = readdirSync(join(scratch, ceremonyFolder(id!), 'events')).find((name) => name.includes('-opened-'))!;
    await new CeremonyStore(store).putEventFile(id!, opened, readFileSync(join(scratch, ceremonyFolder(id!), 'events', opened), 'utf8'));
    await run(['sync', '--store', store]);
    expect(git(remote, ['ls-tree', '-r', '--name-only', 'main'])).toContain(`${ceremonyFolder(id!)}/events/${opened}`);
    expect(git(remote, ['rev-parse', 'main']).trim()).toHaveLength(64);
    git(remote, ['fsck', '--no-progress', '--strict']);
    git(store, ['fsck', '--no-progress', '--strict']);
    expect(git(store, ['status', '--porcelain'])).toBe('');
  }, 120_000);
});
