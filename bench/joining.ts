/**
 * The case issue 15 names, "a first start on a synced store": a person joins
 * the team, and their first `conclave sync` (the built command, a process)
 * brings the whole store from its remote into an empty store and a new data
 * folder, leaving the summaries of what it judged (summaries-from-sync.ts).
 * Made once per run and shared by (e), which opens the window on it, and (g),
 * which starts the core's index on it in this process.
 *
 * The team's remote is made from the generated store with git alone (its own
 * .git elsewhere: the store the other parts read stays as it is).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summaryCachePath } from '../electron/core/ceremony/index-cache';
import { benchGitIdentity, onCleanup } from './support';
import { historyFixture } from './window';

export interface JoinedFixture {
  /** The new member's data folder (CONCLAVE_HOME); the store is its store/ folder, as the window finds it. */
  home: string;
  storeDir: string;
  /** The summaries, as the sync left them until a start rewrites them. */
  cacheFile: string;
  /** The first `conclave sync` into the empty store: fetched, written, every file checked, the summaries left. */
  syncSeconds: number;
  /** `git clone` of the same remote, for comparison. */
  cloneSeconds: number;
  /** Sets the team's remote for another new data folder, its store empty: a person about to join from the window. */
  remoteSetIn(home: string): void;
  /** Puts the summaries back exactly as the sync left them: each start over them is then a first start. */
  asTheSyncLeftThem(): void;
}

const conclave = fileURLToPath(new URL('../bin/conclave.js', import.meta.url));
const builtCommand = fileURLToPath(new URL('../out/main/cjs/cli-start.cjs', import.meta.url));

let joined: Promise<JoinedFixture | undefined> | undefined;

/** The store as a person joining has it after their first sync; undefined when the command is not built. */
export function joinedFixture(): Promise<JoinedFixture | undefined> {
  joined ??= existsSync(builtCommand) ? join_() : Promise.resolve(undefined);
  return joined;
}

async function join_(): Promise<JoinedFixture> {
  const generated = join((await historyFixture()).home, 'store');
  const dir = mkdtempSync(join(tmpdir(), 'conclave-bench-joined-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const home = join(dir, 'home');
  const storeDir = join(home, 'store');
  const remote = join(dir, 'team.git');
  const env = { ...process.env, CONCLAVE_HOME: home, ...benchGitIdentity };
  const run = (command: string, args: string[]) => {
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd: dir, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  const teamGit = ['--git-dir', join(dir, 'team-work.git'), '--work-tree', generated];
  run('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  run('git', ['init', '-q', '--bare', '-b', 'main', join(dir, 'team-work.git')]);
  run('git', [...teamGit, 'add', '-A', 'ceremonies']);
  run('git', [...teamGit, 'commit', '-q', '-m', 'bench: the team so far']);
  run('git', [...teamGit, 'push', '-q', remote, 'main:main']);
  const cloneSeconds = run('git', ['clone', '-q', remote, join(dir, 'cloned')]);
  rmSync(join(dir, 'cloned'), { recursive: true, force: true });

  run(process.execPath, [conclave, 'remote', 'add', remote, '--store', storeDir]);
  // No deadline: it reads and checks every file of the store.
  const syncSeconds = run(process.execPath, [conclave, 'sync', '--store', storeDir, '--timeout', '0']);
  const cacheFile = summaryCachePath(home);
  if (!existsSync(cacheFile)) throw new Error(`The first conclave sync left no summaries (${cacheFile}).`);
  const asLeft = join(dir, 'summaries-as-the-sync-left-them.json');
  copyFileSync(cacheFile, asLeft);
  const remoteSetIn = (other: string) => {
    const result = spawnSync(process.execPath, [conclave, 'remote', 'add', remote, '--store', join(other, 'store')], { env: { ...env, CONCLAVE_HOME: other }, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`conclave remote add failed (${result.status}): ${result.stderr || result.stdout}`);
  };
  return { home, storeDir, cacheFile, syncSeconds, cloneSeconds, remoteSetIn, asTheSyncLeftThem: () => copyFileSync(asLeft, cacheFile) };
}
