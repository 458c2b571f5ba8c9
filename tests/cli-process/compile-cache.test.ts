/**
 * The command line's compiled-code cache (electron/cli/start.ts, issue 11):
 * kept in a folder of the user's own (0700, files 0600), reused as it is by
 * later runs, never trusted when it is damaged (V8 refuses it, the code is
 * compiled again and the file replaced) or when the folder is one others may
 * write to, and off when asked. Whatever the cache holds, a command prints
 * the same and exits the same. `npm run build` must have run first.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileCacheDir } from '../../electron/cli/compile-cache-dir';
import { commandGroups } from '../../electron/cli/catalog';
import { commandGroupWords, commandOf } from '../../electron/cli/start';
import { bin, conclave, type Run } from './support';
import { inheritedEnvironment } from '../support/environment';

let home: string;
let artifact: string;
let env: Record<string, string>;

/** The environment of a run: the test's own, minus any CONCLAVE_* of the machine, with a data folder of the test's. */
function environment(extra: Record<string, string> = {}): Record<string, string> {
  const inherited = inheritedEnvironment();
  return { ...inherited, CONCLAVE_HOME: home, ...extra };
}

const cacheFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.bin')) : []);

async function digest(runEnv: Record<string, string>): Promise<Run> {
  const run = await conclave(['digest', artifact], runEnv);
  expect(run.hung).toBe(false);
  expect(run.code, run.err).toBe(0);
  return run;
}

beforeEach(() => {
  expect(existsSync(bin)).toBe(true);
  home = mkdtempSync(join(tmpdir(), 'conclave-compile-cache-'));
  artifact = join(home, 'app.bin');
  writeFileSync(artifact, 'an artifact\n');
  env = environment();
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('the compiled-code cache', () => {
  it('is kept in a folder of the user alone, and the next run uses it as it is', async () => {
    const dir = compileCacheDir(env)!;
    expect(dir.startsWith(join(home, 'cache', 'compiled'))).toBe(true);
    const first = await digest(env);
    const files = cacheFiles(dir);
    expect(files.length).toBeGreaterThan(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of files) expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
    const written = Object.fromEntries(files.map((name) => [name, statSync(join(dir, name)).mtimeMs]));

    const second = await digest(env);
    expect(second.out).toBe(first.out);
    // Nothing compiled afresh, so nothing written again.
    expect(Object.fromEntries(cacheFiles(dir).map((name) => [name, statSync(join(dir, name)).mtimeMs]))).toEqual(written);
  });

  it('gains, once per command, what another command compiled that the cache lacked; later runs of it write nothing', async () => {
    const dir = compileCacheDir(env)!;
    await digest(env);
    const sizes = () => Object.fromEntries(cacheFiles(dir).map((name) => [name, statSync(join(dir, name)).size]));
    const times = () => Object.fromEntries(cacheFiles(dir).map((name) => [name, statSync(join(dir, name)).mtimeMs]));
    const afterDigest = sizes();
    const commandLine = cacheFiles(dir).find((name) => name.startsWith('cli-'))!;
    expect(commandLine).toBeDefined();

    // Help runs code of the command line that digest never ran: its cache of that file is written again, larger.
    const help = await conclave(['keys', '--help'], env);
    expect(help.code).toBe(0);
    expect(sizes()[commandLine]).toBeGreaterThan(afterDigest[commandLine]!);
    const seen = JSON.parse(readFileSync(join(dir, 'commands-seen.json'), 'utf8')) as Record<string, string[]>;
    expect(seen[commandLine]).toEqual(['digest', 'keys']);
    // Only command words are ever written there: not the file digest was given.
    expect(JSON.stringify(seen)).not.toContain('app.bin');

    const written = times();
    const again = await conclave(['keys', '--help'], env);
    expect(again.out).toBe(help.out);
    expect(times()).toEqual(written);
  });

  it('is not trusted when damaged: V8 refuses it, the code is compiled as usual and the file replaced', async () => {
    const dir = compileCacheDir(env)!;
    const first = await digest(env);
    for (const name of cacheFiles(dir)) {
      const bytes = readFileSync(join(dir, name));
      writeFileSync(join(dir, name), Buffer.alloc(bytes.length, 0xa5));
    }
    const second = await digest(env);
    expect(second.out).toBe(first.out);
    for (const name of cacheFiles(dir)) expect(readFileSync(join(dir, name)).every((byte) => byte === 0xa5)).toBe(false);
  });

  it('is not used in a folder others may write to', async () => {
    const dir = compileCacheDir(env)!;
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    await digest(env);
    expect(cacheFiles(dir)).toEqual([]);
  });

  it('goes where CONCLAVE_COMPILE_CACHE says, and is off with "off"', async () => {
    const elsewhere = join(home, 'elsewhere');
    const named = environment({ CONCLAVE_COMPILE_CACHE: elsewhere });
    await digest(named);
    expect(cacheFiles(compileCacheDir(named)!).length).toBeGreaterThan(0);
    expect(existsSync(join(home, 'cache'))).toBe(false);

    const off = environment({ CONCLAVE_COMPILE_CACHE: 'off' });
    expect(compileCacheDir(off)).toBeUndefined();
    rmSync(elsewhere, { recursive: true });
    await digest(off);
    expect(existsSync(elsewhere)).toBe(false);
    expect(existsSync(join(home, 'cache'))).toBe(false);
  });
});

describe('the command a run is, as the cache records it', () => {
  it('is its command words, never an id, a path or an option', () => {
    expect(commandOf(['ceremony', 'open', '--artifact', 'app.tgz'])).toBe('ceremony open');
    expect(commandOf(['ceremony', 'show', 'c-20261205-abcdefghij'])).toBe('ceremony show');
    expect(commandOf(['digest', '/home/alice/secret-plans.tgz'])).toBe('digest');
    expect(commandOf(['digest', 'plans'])).toBe('digest');
    expect(commandOf(['policy', 'trust', 'team.json'])).toBe('policy trust');
    expect(commandOf(['--version'])).toBe('conclave');
    expect(commandOf([])).toBe('conclave');
  });

  it('knows the command groups the command line has', () => {
    expect([...commandGroupWords].sort()).toEqual(commandGroups.map((group) => group.word).sort());
  });
});
