/**
 * Runs the built `conclave` as a pipeline does: a process of its own, in a
 * process group of its own, so a hang (the process never ends) and leftovers
 * (a token host that outlives it) can both be seen, and cleaned up.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { makeDataDir, softhsmModule, type TokenFolder } from '../support/softhsm';
import { inheritedEnvironment } from '../support/environment';

export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
export const bin = fileURLToPath(new URL('../../bin/conclave.js', import.meta.url));
/** What bin/conclave.js loads: the built command line (npm run build makes it). */
export const builtCli = fileURLToPath(new URL('../../out/main/cjs/cli-start.cjs', import.meta.url));
/** Far above any honest run, even on a loaded 2-core machine: only a process that never ends reaches it. */
export const hangBoundMs = 30_000;

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  hung: boolean;
  /** Processes of the run's process group still there after it exited (ps lines). */
  leftovers: string[];
}

/** Processes in a process group, zombies aside (they have ended; their parent is gone and init reaps them). */
export function processesInGroup(pgid: number): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' }).split('\n');
  return lines.filter((line) => {
    const [, group, stat] = line.trim().split(/\s+/);
    return Number(group) === pgid && !stat?.startsWith('Z');
  });
}

/**
 * Runs conclave in a process group of its own (detached: setsid), so that
 * whatever it starts, token hosts included, can be found and cleaned up.
 */
export interface RunOptions {
  cwd?: string;
  /** Run as another user (as root: e.g. nobody, whom p11-kit reads ~/.config/pkcs11 for). */
  user?: { uid: number; gid: number };
  /** Sees standard error as it grows, and may act once (touch the key, type the PIN on the reader) when it has printed what the test waits for. */
  watch?: { when: (err: string) => boolean; then: () => void };
  /** Run bin/conclave.js itself, as the `conclave` command on the PATH is run (its first line starts Node), not `node bin/conclave.js`. */
  asCommand?: boolean;
}

export function conclave(args: string[], env: Record<string, string>, options: RunOptions = {}): Promise<Run> {
  const { cwd, user, watch, asCommand } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(asCommand ? bin : process.execPath, asCommand ? args : [bin, ...args], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}), ...(user ?? {}) });
    let out = '';
    let err = '';
    let acted = false;
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (watch && !acted && watch.when(err)) {
        acted = true;
        watch.then();
      }
    });
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, hangBoundMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const leftovers = processesInGroup(child.pid!);
      if (leftovers.length > 0) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // Ended meanwhile.
        }
      }
      resolve({ code, signal, out, err, hung, leftovers });
    });
  });
}

export const tokenLabels = ['alice', 'bob', 'carol'] as const;

/** The environment of a run: the test's own, minus any CONCLAVE_* of the machine, plus the token folder and data folder. */
export function runEnvironment(folder: TokenFolder, home: string): Record<string, string> {
  const inherited = inheritedEnvironment();
  return {
    ...inherited,
    ...folder.env,
    CONCLAVE_HOME: home,
    CONCLAVE_STORE: join(home, 'store'),
    CONCLAVE_PKCS11_MODULES: softhsmModule!,
    GOOD_PIN: '1234',
    WRONG_PIN: '98765',
  };
}

/** Runs a command and checks it ended by itself, with `code`, and left no process behind. */
export async function ends(env: Record<string, string>, args: string[], code: number): Promise<Run> {
  const run = await conclave(args, env);
  expect(run.hung, `conclave ${args.join(' ')} did not end within ${hangBoundMs / 1000} s (killed). stdout: ${run.out} stderr: ${run.err}`).toBe(false);
  expect(run.leftovers, `conclave ${args.join(' ')} left processes running`).toEqual([]);
  expect(run.code, `conclave ${args.join(' ')}: ${run.err}`).toBe(code);
  return run;
}

/**
 * For a file of tests that run the built command with git: checks the build is there, and gives each test a data
 * folder of its own (also its HOME) and an environment in which git reads no configuration of this machine's; the
 * fields are the current test's.
 */
export function builtCommandWithGit(): { home: { dir: string; cleanup(): void }; env: Record<string, string> } {
  const current = { home: { dir: '', cleanup: () => undefined } as { dir: string; cleanup(): void }, env: {} as Record<string, string> };
  beforeAll(() => {
    expect(existsSync(builtCli), `${builtCli} is missing: run "npm run build" before these tests.`).toBe(true);
  });
  beforeEach(() => {
    current.home = makeDataDir();
    current.env = { ...inheritedEnvironment((name) => name.startsWith('GIT_')), HOME: current.home.dir, GIT_CONFIG_NOSYSTEM: '1', CONCLAVE_HOME: current.home.dir };
  });
  afterEach(() => current.home.cleanup());
  return current;
}
