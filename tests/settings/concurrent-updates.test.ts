/**
 * Settings written from several places at once lose nothing (issue 15): the
 * window adding modules while its registries change, through the core's API,
 * and two programs (the CLI beside the app) writing the same settings.json.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core';
import { dispatchCall as dispatch } from '../../electron/core/api/dispatch';
import type { CallInput, CallName, CallOutput } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { createCore } from '../../electron/core/create-core';
import { settingsOf, type Settings } from '../../electron/core/settings';
import { builtCli, conclave } from '../cli-process/support';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';
import { inheritedEnvironment } from '../support/environment';

/** A call as the window makes it (validated by the contract, through dispatchCall), answered with the contract's type. */
const dispatchCall = <C extends CallName>(handlers: Core['handlers'], name: C, input: CallInput<C>): Promise<Result<CallOutput<C>>> => dispatch(handlers, name, input) as Promise<Result<CallOutput<C>>>;

const run = promisify(execFile);
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const writer = join(import.meta.dirname, 'support', 'settings-writer.ts');

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function dataDir(): string {
  const home = makeDataDir();
  cleanups.push(home.cleanup);
  return home.dir;
}

function settingsFile(dir: string): Settings {
  return JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')) as Settings;
}

/** Copies of SoftHSM2 at paths of their own: each is another module to add, in a folder only its owner may change (module-file.ts). */
function softhsmCopies(count: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-modules-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const lib = join(dir, 'lib');
  mkdirSync(lib, { mode: 0o755 });
  return Array.from({ length: count }, (_, index) => {
    const path = join(lib, `libsofthsm2-copy${index}.so`);
    copyFileSync(softhsmModule!, path);
    return path;
  });
}

describe.skipIf(!softhsmModule)('through the core API', () => {
  it('modules.add and settings.setInsecureRegistries at once, many times: every module and the last registry list are kept', async () => {
    const tokens: TokenFolder = makeTokenFolder();
    cleanups.push(tokens.cleanup);
    tokens.addToken('settings-race');
    const dir = dataDir();
    const modules = softhsmCopies(8);
    let picked = 0;
    // The desktop's file dialog, answering each modules.add with the next module.
    const core: Core = createCore({ dataDir: dir, shell: 'electron', version: 'test', modules: [], env: { ...process.env, ...tokens.env }, chooseModuleFile: async () => modules[picked++] });
    cleanups.push(() => core.dispose());

    const registryLists = modules.map((_, round) => Array.from({ length: round + 1 }, (__, index) => `registry-${index}.lan`));
    const calls = modules.flatMap((_, round) => [
      dispatchCall(core.handlers, 'modules.add', {}),
      dispatchCall(core.handlers, 'settings.setInsecureRegistries', { hosts: registryLists[round]! }),
    ]);
    for (const result of await Promise.all(calls)) expect(result.ok, JSON.stringify(result)).toBe(true);

    const saved = settingsFile(dir);
    expect(saved.modules.map((module) => module.path).sort()).toEqual([...modules].sort());
    // Each list replaces the one before, in the order the calls came: the last one stays.
    expect(saved.insecureRegistries).toEqual(registryLists.at(-1));

    // Removing while registries change loses neither.
    const listed = await dispatchCall(core.handlers, 'tokens.list', {});
    if (!listed.ok) throw new Error(listed.error.message);
    const added = listed.value.modules.filter((module) => module.origin === 'added');
    expect(added).toHaveLength(modules.length);
    const removals = added.slice(0, 4).flatMap((module, round) => [
      dispatchCall(core.handlers, 'modules.remove', { moduleId: module.id }),
      dispatchCall(core.handlers, 'settings.setInsecureRegistries', { hosts: [`after-${round}.lan`] }),
    ]);
    for (const result of await Promise.all(removals)) expect(result.ok, JSON.stringify(result)).toBe(true);
    const after = settingsFile(dir);
    expect(after.modules.map((module) => module.path).sort()).toEqual(added.slice(4).map((module) => module.path).sort());
    expect(after.insecureRegistries).toEqual(['after-3.lan']);
  });
});

describe('from two processes and this one at once', () => {
  it('every update of every writer is in settings.json', async () => {
    const dir = dataDir();
    const count = 40;
    const other = (name: string) => run(process.execPath, ['--import', tsx, writer, dir, name, String(count)], { cwd: process.cwd() });
    const here = settingsOf(dir);
    const local = Array.from({ length: count }, (_, index) => here.update((current) => ({ ...current, insecureRegistries: [...current.insecureRegistries, `here-${index}.lan`] })));
    await Promise.all([other('first'), other('second'), ...local]);

    const saved = settingsFile(dir);
    const expectedModules = ['first', 'second'].flatMap((name) => Array.from({ length: count }, (_, index) => `/opt/${name}/module-${index}.so`));
    expect(saved.modules.map((module) => module.path).sort()).toEqual(expectedModules.sort());
    const expectedRegistries = ['first', 'second', 'here'].flatMap((name) => Array.from({ length: count }, (_, index) => `${name}-${index}.lan`));
    expect([...saved.insecureRegistries].sort()).toEqual(expectedRegistries.sort());
    // In this process, updates keep the order they were asked in.
    const mine = saved.insecureRegistries.filter((host) => host.startsWith('here-'));
    expect(mine).toEqual(Array.from({ length: count }, (_, index) => `here-${index}.lan`));
  });
});

describe.skipIf(!softhsmModule)('the CLI beside the window', () => {
  it('conclave modules add in other processes while the window changes registries: both are kept', async () => {
    expect(existsSync(builtCli), `${builtCli} is missing: run "npm run build" before these tests.`).toBe(true);
    const tokens: TokenFolder = makeTokenFolder();
    cleanups.push(tokens.cleanup);
    tokens.addToken('settings-race');
    const dir = dataDir();
    const modules = softhsmCopies(3);
    const core: Core = createCore({ dataDir: dir, shell: 'browser', version: 'test', modules: [] });
    cleanups.push(() => core.dispose());
    const inherited = inheritedEnvironment();
    const env = { ...inherited, ...tokens.env, CONCLAVE_HOME: dir };

    const commands = modules.map((path) => conclave(['modules', 'add', path], env));
    // The window keeps changing its registries the whole time the commands run.
    let sets = 0;
    let running = true;
    const window = (async () => {
      while (running) {
        const result = await dispatchCall(core.handlers, 'settings.setInsecureRegistries', { hosts: [`window-${sets++}.lan`] });
        expect(result.ok).toBe(true);
      }
    })();
    const runs = await Promise.all(commands);
    running = false;
    await window;
    for (const run of runs) expect(run.code, run.err).toBe(0);

    const saved = settingsFile(dir);
    expect(saved.modules.map((module) => module.path).sort()).toEqual([...modules].sort());
    expect(saved.insecureRegistries).toEqual([`window-${sets - 1}.lan`]);
  });
});
