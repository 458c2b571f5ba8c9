import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/create-core';
import type { Core } from '../../electron/core';
import { dispatchCall } from '../../electron/core/api/dispatch';
import type { EventName } from '../../shared/api/contract';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;
let core: Core;

beforeEach(() => {
  folder = makeTokenFolder();
  home = makeDataDir();
  core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [{ path: softhsmModule!, env: folder.env }] });
});

afterEach(async () => {
  await core.dispose();
  folder.cleanup();
  home.cleanup();
});

describe('the core behind the window', () => {
  it('offers demo tokens when none are attached, and makes alice, bob and carol with a signing key each', async () => {
    const before = await dispatchCall(core.handlers, 'tokens.list', {});
    expect(before).toMatchObject({ ok: true, value: { demo: { available: true, created: false } } });

    const events: EventName[] = [];
    core.subscribe((name) => events.push(name));
    const created = await dispatchCall(core.handlers, 'demo.create', {});
    if (!created.ok) throw new Error(created.error.message);
    const snapshot = created.value as Awaited<ReturnType<Core['handlers']['tokens.list']>>;
    const demo = snapshot.modules.find((module) => module.origin === 'demo')!;
    expect(demo.tokens.map((token) => token.label).sort()).toEqual(['alice', 'bob', 'carol']);
    expect(snapshot.demo).toMatchObject({ created: true, pin: '123456' });
    expect(events).toContain('tokens.changed');
    // Demo tokens live in the app's data folder, apart from the user's own SoftHSM2 tokens.
    expect(existsSync(join(home.dir, 'demo-tokens', 'softhsm2.conf'))).toBe(true);
    expect(snapshot.modules.find((module) => module.origin === 'discovered')?.tokens).toEqual([]);

    for (const token of demo.tokens) {
      const keys = await core.handlers['keys.list']({ tokenUri: token.uri });
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ label: 'release-signing', type: { kind: 'ecdsa', curve: 'P-256' } });
    }
    // Making them again adds nothing and loses nothing.
    await core.handlers['demo.create']({});
    const again = await core.handlers['keys.list']({ tokenUri: demo.tokens[0]!.uri });
    expect(again).toHaveLength(1);
  });

  it('keeps demo tokens across restarts of the app', async () => {
    await core.handlers['demo.create']({});
    await core.dispose();
    core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [{ path: softhsmModule!, env: folder.env }] });
    const snapshot = await core.handlers['tokens.list']({});
    expect(snapshot.modules.find((module) => module.origin === 'demo')?.tokens).toHaveLength(3);
  });

  it('reports a wrong PIN through the API as data, with its code', async () => {
    folder.addToken('alice', '1234');
    const snapshot = await core.handlers['tokens.list']({});
    const alice = snapshot.modules[0]!.tokens[0]!;
    const result = await dispatchCall(core.handlers, 'keys.generate', { tokenUri: alice.uri, label: 'k', algorithm: 'ecdsa-p256', pin: Buffer.from('9999') });
    expect(result).toMatchObject({ ok: false, error: { code: 'pin-incorrect' } });
  });

  it('refuses to add a path that is not a PKCS#11 module and does not remember it', async () => {
    // The browser shell's core asks first (issue 12); the person confirms what it showed.
    const asked = await dispatchCall(core.handlers, 'modules.add', { path: '/etc/hostname' });
    expect(asked).toMatchObject({ ok: true, value: { outcome: 'confirm', confirmation: { path: '/etc/hostname', owner: 'root (uid 0)' } } });
    const token = asked.ok && (asked.value as { confirmation: { token: string } }).confirmation.token;
    const result = await dispatchCall(core.handlers, 'modules.confirmAdd', { token });
    expect(result).toMatchObject({ ok: false, error: { code: 'module-load-failed' } });
    const snapshot = await core.handlers['tokens.list']({});
    expect(snapshot.modules.map((module) => module.path)).toEqual([softhsmModule]);
  });

  it('refuses to remove a module it discovered, which only uninstalling removes', async () => {
    const snapshot = await core.handlers['tokens.list']({});
    const result = await dispatchCall(core.handlers, 'modules.remove', { moduleId: snapshot.modules[0]!.id });
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});

describe('a machine without SoftHSM2', () => {
  it('says how to install it instead of offering demo tokens', async () => {
    await core.dispose();
    core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [] });
    const snapshot = await core.handlers['tokens.list']({});
    expect(snapshot.demo).toMatchObject({ available: false, created: false });
    expect(snapshot.demo.hint).toContain('apt-get install softhsm2');
    expect(await dispatchCall(core.handlers, 'demo.create', {})).toMatchObject({ ok: false, error: { code: 'softhsm-missing' } });
  });
});

describe('modules the user adds', () => {
  it('remembers an added module across restarts and forgets it when removed', async () => {
    await core.dispose();
    // A module at a path of the user's choosing: SoftHSM2 under another name.
    const custom = join(home.dir, 'libcustom-pkcs11.so');
    copyFileSync(softhsmModule!, custom);
    const start = () => createCore({ dataDir: home.dir, shell: 'browser', version: 'test' });
    core = start();
    const asked = await core.handlers['modules.add']({ path: custom });
    if (asked.outcome !== 'confirm') throw new Error(`asked nothing: ${asked.outcome}`);
    const added = await core.handlers['modules.confirmAdd']({ token: asked.confirmation.token });
    const module = added.modules.find((candidate) => candidate.path === custom)!;
    // Recognised by what the library says of itself, not by its file name (issue 13).
    expect(module).toMatchObject({ origin: 'added', status: 'ready', kind: 'softhsm2' });
    await core.dispose();

    core = start();
    const restarted = await core.handlers['tokens.list']({});
    expect(restarted.modules.find((candidate) => candidate.path === custom)?.status).toBe('ready');
    await core.handlers['modules.remove']({ moduleId: module.id });
    expect(JSON.parse(readFileSync(join(home.dir, 'settings.json'), 'utf8')).modules).toEqual([]);
    expect((await core.handlers['tokens.list']({})).modules.some((candidate) => candidate.path === custom)).toBe(false);
  });
});
