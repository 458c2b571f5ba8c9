/**
 * The packaged app's Electron fuses (issue 12, point 7): the configuration,
 * `npm run package:fuses -- <binary>`, and electron-builder's afterPack hook
 * that runs it. The binaries here are stand-ins with a fuse wire laid out as
 * Electron lays it out; @electron/fuses reads and writes them as it does a
 * real Electron.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyFusesCommand, conclaveFuses, conclaveFusesByName } from '../../electron/packaging/fuses';

/** The marker Electron puts before its fuse wire (electron/build/fuses/build.py), then the version and the length. */
const sentinel = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron 45's defaults, in wire order: RunAsNode, cookie encryption, NODE_OPTIONS, --inspect, asar integrity, only asar, V8 snapshot, file: privileges, Wasm traps. */
const electronDefaults = '101100011';
/** What Conclave ships. */
const conclaveWire = '010011001';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'conclave-fuses-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function standInBinary(wire: string, name = 'conclave'): Promise<string> {
  const path = join(folder, name);
  const padding = (size: number) => Buffer.alloc(size, 0x90);
  await writeFile(path, Buffer.concat([padding(4096), Buffer.from(sentinel), Buffer.from([1, wire.length]), Buffer.from(wire, 'latin1'), padding(4096)]));
  return path;
}

async function wireOf(path: string): Promise<string> {
  const bytes = await readFile(path);
  const start = bytes.indexOf(sentinel) + sentinel.length;
  return bytes.subarray(start + 2, start + 2 + bytes[start + 1]!).toString('latin1');
}

function recorder() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line), platform: 'linux' as NodeJS.Platform } };
}

describe('the fuse configuration', () => {
  it('turns off Node-as-a-program, NODE_OPTIONS, --inspect and file: privileges, and turns on asar integrity, asar only and cookie encryption', () => {
    expect(conclaveFusesByName()).toEqual({
      RunAsNode: false,
      EnableCookieEncryption: true,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
      GrantFileProtocolExtraPrivileges: false,
      // Electron's own defaults, set explicitly so that every fuse is decided.
      LoadBrowserProcessSpecificV8Snapshot: false,
      WasmTrapHandlers: true,
    });
  });

  it('names every fuse @electron/fuses knows, and makes packaging fail on an Electron with one it does not', () => {
    const known = Object.values(FuseV1Options).filter((value) => typeof value === 'number');
    expect(Object.keys(conclaveFusesByName())).toHaveLength(known.length);
    expect(conclaveFuses.strictlyRequireAllFuses).toBe(true);
  });
});

describe('npm run package:fuses -- <binary>', () => {
  it('sets the fuses in the binary and says which', async () => {
    const binary = await standInBinary(electronDefaults);
    const { out, err, io } = recorder();
    expect(await applyFusesCommand(['--', binary], io)).toBe(0);
    expect(await wireOf(binary)).toBe(conclaveWire);
    expect(err).toEqual([]);
    expect(out.join('\n')).toContain('RunAsNode off');
    expect(out.join('\n')).toContain('OnlyLoadAppFromAsar on');
    // Read back the way @electron/fuses reports a binary (electron-fuses read).
    const wire = await getCurrentFuseWire(binary);
    expect(wire[FuseV1Options.RunAsNode]).toBe(0x30);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(0x31);
  });

  it('gives @electron/fuses exactly the configuration, re-signing ad hoc on macOS only', async () => {
    for (const platform of ['darwin', 'linux', 'win32'] as const) {
      const tools = { flipFuses: vi.fn(async () => 1), getCurrentFuseWire: vi.fn(async (path: string) => getCurrentFuseWire(path)) };
      const binary = await standInBinary(conclaveWire, `conclave-${platform}`);
      const { io } = recorder();
      expect(await applyFusesCommand([binary], { ...io, platform, tools })).toBe(0);
      expect(tools.flipFuses).toHaveBeenCalledWith(binary, { ...conclaveFuses, resetAdHocDarwinSignature: platform === 'darwin' });
    }
  });

  it('is idempotent: a binary already fused stays as it is', async () => {
    const binary = await standInBinary(electronDefaults);
    const { io } = recorder();
    expect(await applyFusesCommand([binary], io)).toBe(0);
    const once = await readFile(binary);
    expect(await applyFusesCommand([binary], io)).toBe(0);
    expect(await readFile(binary)).toEqual(once);
  });

  it('fails when a fuse does not read back as asked, so that build is not shipped', async () => {
    // A write that did not happen (a read-only file system, a binary replaced under it): the wire is still Electron's.
    const binary = await standInBinary(electronDefaults);
    const { err, io } = recorder();
    const noWrite = { flipFuses: vi.fn(async () => 1), getCurrentFuseWire };
    expect(await applyFusesCommand([binary], { ...io, tools: noWrite })).toBe(1);
    expect(err.join('\n')).toMatch(/did not take.*RunAsNode.*Do not ship/s);
  });

  it('fails on an Electron with more fuses than the configuration decides', async () => {
    const binary = await standInBinary(`${electronDefaults}1`);
    const { err, io } = recorder();
    expect(await applyFusesCommand([binary], io)).toBe(1);
    expect(err.join('\n')).toMatch(/strictlyRequireAllFuses/);
    expect(await wireOf(binary)).toBe(`${electronDefaults}1`);
  });

  it('fails on a file with no fuse wire, and on a missing file', async () => {
    const notElectron = join(folder, 'not-electron');
    await writeFile(notElectron, 'just some bytes');
    const { err, io } = recorder();
    expect(await applyFusesCommand([notElectron], io)).toBe(1);
    expect(await applyFusesCommand([join(folder, 'missing')], io)).toBe(1);
    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(/Could not set the fuses of .*not-electron: Could not find sentinel/);
  });

  it('asks for exactly one binary', async () => {
    for (const args of [[], ['--'], ['a', 'b'], ['--app']]) {
      const { err, io } = recorder();
      expect(await applyFusesCommand(args, io), args.join(' ')).toBe(2);
      expect(err.join('\n')).toMatch(/Usage: npm run package:fuses -- </);
    }
    const { out, io } = recorder();
    expect(await applyFusesCommand(['--help'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/Usage/);
  });
});

describe("electron-builder's afterPack hook (scripts/after-pack.js)", () => {
  type Context = { appOutDir: string; electronPlatformName: string; packager: { appInfo: { productFilename: string }; executableName: string } };
  const hook = async () =>
    (await import(pathToFileURL(resolve(import.meta.dirname, '../../scripts/after-pack.js')).href)) as {
      default: (context: Context) => Promise<void>;
      packagedBinary: (context: Context) => string;
    };
  const context = (electronPlatformName: string): Context => ({
    appOutDir: folder,
    electronPlatformName,
    packager: { appInfo: { productFilename: 'Conclave' }, executableName: 'conclave' },
  });

  it('finds the binary where electron-builder puts it on each platform', async () => {
    const { packagedBinary } = await hook();
    expect(packagedBinary(context('linux'))).toBe(join(folder, 'conclave'));
    expect(packagedBinary(context('win32'))).toBe(join(folder, 'Conclave.exe'));
    expect(packagedBinary(context('darwin'))).toBe(join(folder, 'Conclave.app'));
    expect(packagedBinary(context('mas'))).toBe(join(folder, 'Conclave.app'));
    expect(() => packagedBinary(context('aix'))).toThrow(/fuses were not set/);
  });

  it('sets the fuses of the packed app through npm run package:fuses, and fails the build when it cannot', async () => {
    const { default: afterPack } = await hook();
    const binary = await standInBinary(electronDefaults, 'conclave');
    await afterPack(context('linux'));
    expect(await wireOf(binary)).toBe(conclaveWire);

    await writeFile(binary, 'not an Electron binary');
    await expect(afterPack(context('linux'))).rejects.toThrow();
  });

});
