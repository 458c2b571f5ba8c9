/**
 * The registries allowed plain HTTP, set and read back through the same
 * dispatch as IPC and the browser shell, and kept in settings.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/create-core';
import type { Core } from '../../electron/core';
import { dispatchCall } from '../../electron/core/api/dispatch';
import { makeDataDir } from '../support/softhsm';

let core: Core | undefined;
let home: ReturnType<typeof makeDataDir> | undefined;

function start(): Core {
  home = makeDataDir();
  core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [] });
  return core;
}

afterEach(async () => {
  await core?.dispose();
  home?.cleanup();
  core = undefined;
  home = undefined;
});

describe('settings.registries and settings.setInsecureRegistries', () => {
  it('starts empty, saves the list, and reads it back (from a fresh core too)', async () => {
    const first = start();
    expect(await dispatchCall(first.handlers, 'settings.registries', {})).toEqual({ ok: true, value: { insecureRegistries: [] } });
    const saved = await dispatchCall(first.handlers, 'settings.setInsecureRegistries', { hosts: ['registry.lan:5000', 'Mirror.Internal', '10.0.0.5', '[fd00::1]:5000'] });
    expect(saved).toEqual({ ok: true, value: { insecureRegistries: ['registry.lan:5000', 'mirror.internal', '10.0.0.5', '[fd00::1]:5000'] } });
    expect(JSON.parse(readFileSync(join(home!.dir, 'settings.json'), 'utf8'))).toMatchObject({ version: 1, modules: [], insecureRegistries: ['registry.lan:5000', 'mirror.internal', '10.0.0.5', '[fd00::1]:5000'] });

    const again = createCore({ dataDir: home!.dir, shell: 'browser', version: 'test', modules: [] });
    try {
      expect(await dispatchCall(again.handlers, 'settings.registries', {})).toEqual({ ok: true, value: { insecureRegistries: ['registry.lan:5000', 'mirror.internal', '10.0.0.5', '[fd00::1]:5000'] } });
    } finally {
      await again.dispose();
    }
    expect(await dispatchCall(first.handlers, 'settings.setInsecureRegistries', { hosts: [] })).toEqual({ ok: true, value: { insecureRegistries: [] } });
  });

  it('reads a settings file from before registries were kept', async () => {
    const created = start();
    writeFileSync(join(home!.dir, 'settings.json'), JSON.stringify({ version: 1, modules: [] }));
    expect(await dispatchCall(created.handlers, 'settings.registries', {})).toEqual({ ok: true, value: { insecureRegistries: [] } });
  });

  it.each([['http://registry.lan'], ['registry.lan/path'], ['registry lan'], [''], ['registry.lan:70000'], ['-x.lan']])('refuses %j by the contract and saves nothing', async (host) => {
    const created = start();
    const result = await dispatchCall(created.handlers, 'settings.setInsecureRegistries', { hosts: ['registry.lan', host] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('invalid-input');
    expect(await dispatchCall(created.handlers, 'settings.registries', {})).toEqual({ ok: true, value: { insecureRegistries: [] } });
  });

  it('refuses more than 50 hosts', async () => {
    const created = start();
    const hosts = Array.from({ length: 51 }, (_, index) => `registry-${index}.lan`);
    const result = await dispatchCall(created.handlers, 'settings.setInsecureRegistries', { hosts });
    expect(result.ok).toBe(false);
  });
});
