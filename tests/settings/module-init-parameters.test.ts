/**
 * Init parameters from the window (Settings → Modules, issue 15): modules.add
 * carries them, as `conclave modules add --init-parameters` does, through the
 * browser shell's confirmation; NSS softokn starts only with its database.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TokensSnapshot } from '../../shared/api/contract';
import type { Core } from '../../electron/core';
import { dispatchCall as dispatch } from '../../electron/core/api/dispatch';
import type { CallInput, CallName, CallOutput } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { createCore } from '../../electron/core/create-core';

/** A call as the window makes it (validated by the contract, through dispatchCall), answered with the contract's type. */
const dispatchCall = <C extends CallName>(handlers: Core['handlers'], name: C, input: CallInput<C>): Promise<Result<CallOutput<C>>> => dispatch(handlers, name, input) as Promise<Result<CallOutput<C>>>;

const softokn = ['/usr/lib/x86_64-linux-gnu/libsoftokn3.so', '/usr/lib64/libsoftokn3.so', '/usr/lib/libsoftokn3.so'].find((path) => existsSync(path));
const hasCertutil = (() => {
  try {
    execFileSync('certutil', ['-H'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return (error as { code?: string }).code !== 'ENOENT';
  }
})();

const made: string[] = [];
const cores: Core[] = [];
function folder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `conclave-${prefix}-`));
  made.push(dir);
  return dir;
}

afterEach(async () => {
  for (const core of cores.splice(0)) await core.dispose();
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An NSS database as a person makes one, and the parameters NSS itself gives its softoken for it (nss lib/softoken/sftkpars.c). */
function nssDatabase(): string {
  const dir = folder('nssdb');
  writeFileSync(join(dir, 'password'), 'nss-pin-1234\n');
  execFileSync('certutil', ['-N', '-d', `sql:${dir}`, '-f', join(dir, 'password')], { stdio: 'pipe' });
  rmSync(join(dir, 'password'));
  return `configdir='sql:${dir}' certPrefix='' keyPrefix='' secmod='secmod.db' flags=`;
}

/** The browser shell's core (no native dialog: a path is confirmed first), loading no module of this machine by itself. */
function browserCore(dataDir: string): Core {
  const core = createCore({ dataDir, shell: 'browser', version: 'test', modules: [] });
  cores.push(core);
  return core;
}

async function addWithParameters(core: Core, path: string, initParameters?: string) {
  const asked = await dispatchCall(core.handlers, 'modules.add', { path, ...(initParameters !== undefined ? { initParameters } : {}) });
  if (!asked.ok) return asked;
  if (asked.value.outcome !== 'confirm') throw new Error(`expected a confirmation, got ${asked.value.outcome}`);
  return dispatchCall(core.handlers, 'modules.confirmAdd', { token: asked.value.confirmation.token });
}

function softoknIn(snapshot: TokensSnapshot) {
  return snapshot.modules.filter((module) => module.path === softokn && module.origin === 'added');
}

describe.skipIf(!softokn || !hasCertutil)('modules.add with init parameters (NSS softokn)', () => {
  it('starts softokn with its database, remembers the parameters, and starts it with them again on the next start', async () => {
    const dataDir = folder('home');
    const parameters = nssDatabase();
    const added = await addWithParameters(browserCore(dataDir), softokn!, parameters);
    if (!added.ok) throw new Error(added.error.message);
    const [module] = softoknIn(added.value);
    expect(module?.status, module?.error?.message).toBe('ready');
    expect(module!.tokens.map((token) => token.label)).toContain('NSS Certificate DB');
    const settingsPath = join(dataDir, 'settings.json');
    expect(JSON.parse(readFileSync(settingsPath, 'utf8')).modules).toEqual([{ path: softokn, initParameters: parameters }]);

    // A new core (the app started again) loads the modules added in settings with their parameters.
    const again = createCore({ dataDir, shell: 'browser', version: 'test' });
    cores.push(again);
    const listed = await dispatchCall(again.handlers, 'tokens.list', {});
    if (!listed.ok) throw new Error(listed.error.message);
    expect(softoknIn(listed.value).map((entry) => entry.status)).toEqual(['ready']);
  });

  it('new parameters replace the old ones once softokn starts with them; ones it does not start with change nothing', async () => {
    const dataDir = folder('home');
    const core = browserCore(dataDir);
    const modulesInSettings = () => JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')).modules as unknown;
    const first = nssDatabase();
    expect((await addWithParameters(core, softokn!, first)).ok).toBe(true);

    const second = nssDatabase();
    const replaced = await addWithParameters(core, softokn!, second);
    if (!replaced.ok) throw new Error(replaced.error.message);
    expect(softoknIn(replaced.value)).toHaveLength(1);
    expect(modulesInSettings()).toEqual([{ path: softokn, initParameters: second }]);

    const missing = await addWithParameters(core, softokn!, `configdir='sql:${join(tmpdir(), 'conclave-no-such-nssdb')}' certPrefix='' keyPrefix='' secmod='secmod.db' flags=readOnly`);
    expect(missing.ok).toBe(false);
    expect(modulesInSettings()).toEqual([{ path: softokn, initParameters: second }]);
    const listed = await dispatchCall(core.handlers, 'tokens.list', {});
    if (!listed.ok) throw new Error(listed.error.message);
    expect(softoknIn(listed.value).map((entry) => entry.status)).toEqual(['ready']);
  });

  it('without them softokn is not added and says it needs them; parameters that are not one line of text are refused by the contract', async () => {
    const dataDir = folder('home');
    const core = browserCore(dataDir);
    const bare = await addWithParameters(core, softokn!);
    expect(bare.ok).toBe(false);
    if (!bare.ok) {
      expect(bare.error.details?.cause).toBe('init-parameters-needed');
      expect(bare.error.message).toMatch(/init parameters/);
    }
    expect(existsSync(join(dataDir, 'settings.json'))).toBe(false);

    for (const initParameters of ["configdir='sql:/tmp/a'\nflags=", 'x\u0000y', ' ', 'x'.repeat(4097)]) {
      const refused = await dispatchCall(core.handlers, 'modules.add', { path: softokn!, initParameters });
      expect(refused.ok, JSON.stringify(initParameters)).toBe(false);
      if (!refused.ok) expect(refused.error.code).toBe('invalid-input');
    }
  });
});
