/**
 * Loading a PKCS#11 module is a decision of the person at the screen (issue
 * 12, point 1). A module is native code that runs as the person: a
 * compromised page, a forged API call or a crafted key URI must not make
 * Conclave load a library nobody chose.
 *
 * "Nothing was loaded" is proved concretely: the attacker's library is built
 * here with cc, and its constructor (run by the dynamic loader the moment any
 * process loads it) writes a marker file. It is not a PKCS#11 module, so once
 * a person does choose it, the load is seen (the marker) and then refused.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli';
import type { CliIo } from '../../electron/cli/io';
import { dispatchCall } from '../../electron/core/api/dispatch';
import { createCore } from '../../electron/core/create-core';
import type { Core } from '../../electron/core';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';
import { builtCli } from '../cli-process/support';
import { inheritedEnvironment } from '../support/environment';

const bin = fileURLToPath(new URL('../../bin/conclave.js', import.meta.url));
const hasCc = spawnSync('cc', ['--version']).status === 0;
const isRoot = process.getuid?.() === 0;

let dir: string;
/** Written by the attacker's library when anything loads it. */
let marker: string;
/** The attacker's library, in a folder under /tmp, as any local process can make one. */
let evil: string;
let folder: TokenFolder;

/** A shared library whose constructor appends a line to `markerPath` when loaded. */
function buildMarkerLibrary(path: string, markerPath: string): void {
  const source = `${path}.c`;
  writeFileSync(
    source,
    `#include <stdio.h>\n__attribute__((constructor)) static void loaded(void) {\n  FILE *f = fopen(${JSON.stringify(markerPath)}, "a");\n  if (f) { fputs("loaded\\n", f); fclose(f); }\n}\n`,
  );
  const built = spawnSync('cc', ['-shared', '-fPIC', '-o', path, source], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`cc failed: ${built.stderr}`);
  chmodSync(path, 0o755);
}

const loaded = () => existsSync(marker);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-module-decision-'));
  marker = join(dir, 'marker');
  evil = join(dir, 'libattacker-pkcs11.so');
  if (hasCc) buildMarkerLibrary(evil, marker);
  folder = makeTokenFolder();
  folder.addToken('alice', '1234');
});

afterAll(() => {
  folder?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => rmSync(marker, { force: true }));

describe.skipIf(!hasCc || !softhsmModule)('the window API in the browser shell (modules.add)', () => {
  let home: ReturnType<typeof makeDataDir>;
  let core: Core;

  beforeAll(() => {
    home = makeDataDir();
    core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [{ path: softhsmModule!, env: folder.env }] });
  });
  afterAll(async () => {
    await core.dispose();
    home.cleanup();
  });

  const modulePaths = async () => (await core.handlers['tokens.list']({})).modules.map((module) => module.path);

  it('a path from the page loads nothing: the core answers with what it found there, to confirm', async () => {
    const asked = await dispatchCall(core.handlers, 'modules.add', { path: evil });
    expect(asked).toMatchObject({ ok: true, value: { outcome: 'confirm', confirmation: { path: evil, realPath: evil, owner: expect.stringMatching(/uid \d+/), permissions: '-rwxr-xr-x (0755)' } } });
    expect(loaded()).toBe(false);
    expect(await modulePaths()).not.toContain(evil);
    expect(existsSync(join(home.dir, 'settings.json'))).toBe(false);
  });

  it('without the path there is nothing to confirm: the page is asked for one', async () => {
    expect(await dispatchCall(core.handlers, 'modules.add', {})).toEqual({ ok: true, value: { outcome: 'path-needed' } });
  });

  it('a made-up or reused confirmation loads nothing', async () => {
    const forged = await dispatchCall(core.handlers, 'modules.confirmAdd', { token: 'A'.repeat(32) });
    expect(forged).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await dispatchCall(core.handlers, 'modules.confirmAdd', { token: '../../etc/passwd' })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(loaded()).toBe(false);
  });

  it('a library replaced after it was shown is not loaded in its place', async () => {
    const swapped = join(dir, 'libswapped-pkcs11.so');
    copyFileSync(evil, swapped);
    const asked = await core.handlers['modules.add']({ path: swapped });
    if (asked.outcome !== 'confirm') throw new Error(asked.outcome);
    writeFileSync(swapped, Buffer.concat([readFileSync(evil), Buffer.from('changed')]));
    expect(await dispatchCall(core.handlers, 'modules.confirmAdd', { token: asked.confirmation.token })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(loaded()).toBe(false);
  });

  it('a library others may write to is refused outright, with no confirmation offered', async () => {
    const open = join(dir, 'libopen-pkcs11.so');
    copyFileSync(evil, open);
    chmodSync(open, 0o777);
    const refused = await dispatchCall(core.handlers, 'modules.add', { path: open });
    expect(refused).toMatchObject({ ok: false, error: { code: 'module-not-allowed', message: expect.stringContaining('writable by its group and every user') } });
    expect(loaded()).toBe(false);
  });

  it.skipIf(!isRoot)("a library that belongs to another user is refused outright (it could be swapped under the person's feet)", async () => {
    const theirs = join(dir, 'libtheirs-pkcs11.so');
    copyFileSync(evil, theirs);
    chownSync(theirs, 65534, 65534);
    const refused = await dispatchCall(core.handlers, 'modules.add', { path: theirs });
    expect(refused).toMatchObject({ ok: false, error: { code: 'module-not-allowed', message: expect.stringMatching(/belongs to .*uid 65534.*another user/) } });
    expect(loaded()).toBe(false);
  });

  it('a key URI naming the library, in any call that takes one, loads nothing and says what to do', async () => {
    const uri = `pkcs11:token=alice;object=release-signing?module-path=${evil}`;
    for (const [name, input] of [
      ['keys.list', { tokenUri: uri }],
      ['tokens.login', { tokenUri: uri, pin: Buffer.from('1234') }],
      ['keys.generate', { tokenUri: uri, label: 'k', algorithm: 'ecdsa-p256', pin: Buffer.from('1234') }],
    ] as const) {
      const result = await dispatchCall(core.handlers, name, input);
      expect(result, name).toMatchObject({ ok: false, error: { code: 'module-not-allowed', message: `Module ${evil} is not one this machine uses. Add it first: conclave modules add ${evil} (or in Settings → Modules). Conclave never loads a library because a key URI or a request names it.` } });
    }
    expect(loaded()).toBe(false);
    expect(await modulePaths()).not.toContain(evil);
  });

  it('only the person confirming loads it, once (the marker proves the load would have been seen)', async () => {
    const asked = await core.handlers['modules.add']({ path: evil });
    if (asked.outcome !== 'confirm') throw new Error(asked.outcome);
    // Not a PKCS#11 module: the load is refused, but its code ran (as it would for any library a person chooses).
    expect(await dispatchCall(core.handlers, 'modules.confirmAdd', { token: asked.confirmation.token })).toMatchObject({ ok: false, error: { code: 'module-load-failed' } });
    expect(loaded()).toBe(true);
    expect(await dispatchCall(core.handlers, 'modules.confirmAdd', { token: asked.confirmation.token })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('the honest path: a module the person confirms is loaded and remembered; a key URI naming it then works', async () => {
    const own = join(dir, 'own');
    mkdirSync(own, { mode: 0o700 });
    const copy = join(own, 'libvendor-pkcs11.so');
    copyFileSync(softhsmModule!, copy);
    const asked = await core.handlers['modules.add']({ path: copy });
    if (asked.outcome !== 'confirm') throw new Error(asked.outcome);
    const added = await core.handlers['modules.confirmAdd']({ token: asked.confirmation.token });
    expect(added.modules.find((module) => module.path === copy)).toMatchObject({ origin: 'added', status: 'ready' });
    expect(JSON.parse(readFileSync(join(home.dir, 'settings.json'), 'utf8')).modules).toEqual([{ path: copy }]);
  });
});

describe.skipIf(!hasCc)('the window API in the desktop app (modules.add opens the system dialog)', () => {
  it('uses what the person picks, never the path the page sends; a cancelled dialog loads nothing', async () => {
    const home = makeDataDir();
    const picks: (string | undefined)[] = [undefined];
    let asked = 0;
    const core = createCore({
      dataDir: home.dir,
      shell: 'electron',
      version: 'test',
      modules: [],
      chooseModuleFile: async () => {
        asked += 1;
        return picks.shift();
      },
    });
    try {
      expect(await dispatchCall(core.handlers, 'modules.add', { path: evil })).toEqual({ ok: true, value: { outcome: 'cancelled' } });
      expect(asked).toBe(1);
      expect(loaded()).toBe(false);
      // The desktop never answers with a confirmation a page could send back.
      expect(await dispatchCall(core.handlers, 'modules.confirmAdd', { token: 'A'.repeat(32) })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect((await core.handlers['tokens.list']({})).modules).toEqual([]);
    } finally {
      await core.dispose();
      home.cleanup();
    }
  });
});

describe.skipIf(!hasCc || !softhsmModule)('the command line', () => {
  let home: ReturnType<typeof makeDataDir>;
  /** An environment without CONCLAVE_PKCS11_MODULES: the machine's own modules, as a person has them. */
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    home = makeDataDir();
    const inherited = inheritedEnvironment();
    env = { ...inherited, ...folder.env, CONCLAVE_HOME: home.dir, CONCLAVE_STORE: join(home.dir, 'store') };
  });
  afterAll(() => home.cleanup());

  async function conclave(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
    const sink = { out: '', err: '' };
    const io: CliIo = { out: (text) => (sink.out += text), err: (text) => (sink.err += text), env: { ...env, ...extra }, interactive: () => false };
    const code = await runCli(args, io);
    return { code, ...sink };
  }

  it('a key URI whose module-path names an unknown library: exit 1, what to do, and nothing loaded (the built command)', () => {
    expect(existsSync(builtCli), 'run "npm run build" first').toBe(true);
    for (const args of [
      ['keys', `pkcs11:token=alice?module-path=${evil}`],
      ['pubkey', `pkcs11:token=alice;object=release-signing?module-path=${evil}`],
      ['keygen', `pkcs11:token=alice;object=new-key?module-path=${evil}`, '--alg', 'ecdsa-p256', '--pin-env', 'PIN'],
    ]) {
      const run = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...env, PIN: '1234' } });
      expect(run.status, `${args.join(' ')}: ${run.stderr}`).toBe(1);
      expect(run.stderr).toContain(`Module ${evil} is not one this machine uses. Add it first: conclave modules add ${evil} (or in Settings → Modules).`);
      expect(loaded(), args.join(' ')).toBe(false);
    }
    const json = spawnSync(process.execPath, [bin, 'keys', `pkcs11:token=alice?module-path=${evil}`, '--json'], { encoding: 'utf8', timeout: 30_000, env });
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'module-not-allowed', exitCode: 1 } });
    expect(loaded()).toBe(false);
  });

  it('a link to the library, or a module-path spelled through another folder, is the same unknown library', async () => {
    const link = join(dir, 'link-to-attacker.so');
    spawnSync('ln', ['-sf', evil, link]);
    expect((await conclave(['keys', `pkcs11:token=alice?module-path=${link}`])).code).toBe(1);
    expect((await conclave(['keys', `pkcs11:token=alice?module-path=${dir}/../${dir.split('/').pop()}/libattacker-pkcs11.so`])).code).toBe(1);
    expect(loaded()).toBe(false);
  });

  it('conclave modules add refuses a world-writable library, says why, and adds nothing', async () => {
    const open = join(dir, 'libworld-pkcs11.so');
    copyFileSync(evil, open);
    chmodSync(open, 0o757);
    const run = await conclave(['modules', 'add', open]);
    expect(run.code).toBe(1);
    expect(run.err).toContain(`Module      ${open}`);
    expect(run.err).toMatch(/Owner {7}\S/);
    expect(run.err).toContain('Permissions -rwxr-xrwx (0757)');
    expect(run.err).toContain(`conclave: Conclave will not add this module: ${open} is writable by every user (-rwxr-xrwx (0757)), so someone else could replace the code Conclave would run as you.`);
    expect(loaded()).toBe(false);
    expect(existsSync(join(home.dir, 'settings.json'))).toBe(false);
    const grouped = join(dir, 'libgroup-pkcs11.so');
    copyFileSync(evil, grouped);
    chmodSync(grouped, 0o775);
    const json = await conclave(['modules', 'add', grouped, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, error: { code: 'module-not-allowed', message: expect.stringContaining('writable by its group') } });
    expect(loaded()).toBe(false);
  });

  it('conclave tokens --module holds the library to the same rules: a world-writable one is refused and not loaded (the built command)', () => {
    const open = join(dir, 'libnamed-pkcs11.so');
    copyFileSync(evil, open);
    chmodSync(open, 0o757);
    const run = spawnSync(process.execPath, [bin, 'tokens', '--module', open], { encoding: 'utf8', timeout: 30_000, env });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toContain(`Conclave will not load this module: ${open} is writable by every user (-rwxr-xrwx (0757))`);
    expect(loaded()).toBe(false);
    // The same library, made safe, is the person's to name: it loads (the marker shows it ran), and the command ends.
    chmodSync(open, 0o755);
    const named = spawnSync(process.execPath, [bin, 'tokens', '--module', open], { encoding: 'utf8', timeout: 30_000, env });
    expect(named.status, named.stderr).not.toBeNull();
    expect(loaded()).toBe(true);
    rmSync(marker, { force: true });
  });

  it.skipIf(!isRoot)('conclave modules add refuses a library in a folder another user owns', async () => {
    const theirs = join(dir, 'theirs');
    mkdirSync(theirs);
    const library = join(theirs, 'libtheirs-pkcs11.so');
    copyFileSync(evil, library);
    chownSync(theirs, 65534, 65534);
    const run = await conclave(['modules', 'add', library]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/is in .*theirs, a folder that belongs to .*uid 65534/);
    expect(loaded()).toBe(false);
  });

  it('honest paths: an installed SoftHSM2 named by module-path, CONCLAVE_PKCS11_MODULES, and a module added with conclave modules add', async () => {
    // Installed at its known location: no configuration needed.
    const installed = await conclave(['keys', `pkcs11:token=alice?module-path=${softhsmModule}`, '--json']);
    expect(installed.code, installed.err).toBe(0);
    // Named by the administrator in the environment.
    const own = join(dir, 'vendor');
    mkdirSync(own, { mode: 0o755 });
    const vendor = join(own, 'libvendor-pkcs11.so');
    copyFileSync(softhsmModule!, vendor);
    expect((await conclave(['keys', `pkcs11:token=alice?module-path=${vendor}`])).code).toBe(1);
    const listed = await conclave(['keys', `pkcs11:token=alice?module-path=${vendor}`, '--json'], { CONCLAVE_PKCS11_MODULES: vendor });
    expect(listed.code, listed.err).toBe(0);
    // Chosen by the person at the terminal: shown, checked, loaded once, remembered.
    const added = await conclave(['modules', 'add', vendor]);
    expect(added.code, added.err).toBe(0);
    expect(added.out).toContain(`Module      ${vendor}`);
    expect(added.out).toMatch(/Permissions -rw[x-]r-[x-]r-[x-] \(0[67][45][45]\)/);
    expect(added.out).toContain('Added');
    expect((await conclave(['modules', 'list', '--json'])).out).toContain(vendor);
    const named = await conclave(['keys', `pkcs11:token=alice?module-path=${vendor}`]);
    expect(named.code, named.err).toBe(0);
    // Added twice: nothing changes.
    expect(JSON.parse((await conclave(['modules', 'add', vendor, '--json'])).out)).toMatchObject({ ok: true, alreadyUsed: 'added' });
    // Removed: a URI naming it is refused again.
    expect((await conclave(['modules', 'remove', vendor])).code).toBe(0);
    expect((await conclave(['keys', `pkcs11:token=alice?module-path=${vendor}`])).code).toBe(1);
    // An installed module is not the person's to remove here.
    const installedRemove = await conclave(['modules', 'remove', softhsmModule!]);
    expect(installedRemove.code).toBe(1);
    expect(installedRemove.err).toContain('is not a module you added');
  });
});
