/**
 * `conclave sync` packs the store's git objects when git says it is time
 * (issue 15: Conclave writes each object as a file, and a store of 400,000
 * events left unpacked makes every later sync slower), and does it before it
 * ends: git's own way (`gc --auto` started by fetch) detaches a process that
 * outlives the command and the process group a pipeline would clean up.
 *
 * Runs the built command (`npm run build` first).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCeremonies } from '../support/generate-ceremonies';
import { builtCommandWithGit, ends } from './support';

const t = builtCommandWithGit();

const git = (cwd: string, args: string[]) => execFileSync('git', args, { cwd, env: t.env, encoding: 'utf8' });
const packs = (store: string) => readdirSync(join(store, '.git', 'objects', 'pack')).filter((name) => name.endsWith('.pack'));

/** Objects main and the other refs reach that are still loose (each its own file): none once git has packed. */
function looseAndReachable(store: string): string[] {
  const objects = join(store, '.git', 'objects');
  const loose = new Set(readdirSync(objects).filter((name) => /^[0-9a-f]{2}$/.test(name)).flatMap((dir) => readdirSync(join(objects, dir)).map((rest) => dir + rest)));
  return git(store, ['rev-list', '--objects', '--all']).split('\n').map((line) => line.split(' ')[0]!).filter((id) => loose.has(id));
}

/** Processes whose working folder is in `dir` (a detached git gc keeps the store's). */
function processesIn(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) found.push(`${pid}: ${execFileSync('ps', ['-o', 'args=', '-p', pid], { encoding: 'utf8' }).trim()}`);
    } catch {
      // Ended meanwhile, or not ours to read.
    }
  }
  return found;
}

describe('conclave sync and git housekeeping', () => {
  it('packs the objects when git says it is time, before it ends, and leaves no git running', async () => {
    const store = join(t.home.dir, 'store');
    const remote = join(t.home.dir, 'remote.git');
    git(t.home.dir, ['init', '-q', '--bare', remote]);
    await generateCeremonies(store, 3);
    await ends(t.env, ['remote', 'add', remote, '--store', store], 0);
    await ends(t.env, ['sync', '--store', store], 0);
    // Two packs (as fetches of many objects leave them), and git set to keep only one.
    git(store, ['repack', '-d', '-q']);
    await generateCeremonies(store, 3);
    await ends(t.env, ['sync', '--store', store], 0);
    git(store, ['repack', '-d', '-q']);
    expect(packs(store)).toHaveLength(2);
    git(store, ['config', 'gc.autoPackLimit', '1']);

    await generateCeremonies(store, 1);
    const synced = await ends(t.env, ['sync', '--store', store], 0);
    expect(synced.out).toMatch(/Synced/);
    // Packed before the command ended, by a git that ended with it.
    expect(processesIn(t.home.dir)).toEqual([]);
    expect(packs(store)).toHaveLength(1);
    expect(looseAndReachable(store)).toEqual([]);
    expect(git(store, ['fsck', '--no-dangling', '--no-progress'])).toBe('');

    // Below git's thresholds, nothing is packed (the sync's new objects stay loose, as git leaves them).
    await generateCeremonies(store, 1);
    await ends(t.env, ['sync', '--store', store], 0);
    expect(packs(store)).toHaveLength(1);
    expect(looseAndReachable(store).length).toBeGreaterThan(0);
  });
});
