/**
 * Token hosts as threads of a CLI command's process (issue 11): the built host
 * (out/main/token-host.js) runs in a worker thread, with the same messages as
 * a host process, and a thread is used only where it behaves as a process
 * would; otherwise the launcher forks. `npm run build` must have run first.
 */
import { execFileSync } from 'node:child_process';
import { createVerify } from 'node:crypto';
import { existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { threadHostLauncherWith } from '../../electron/core/tokens/host-thread';
import { TokenService } from '../../electron/core/tokens/token-service';
import { makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

const builtHost = fileURLToPath(new URL('../../out/main/token-host.js', import.meta.url));
const launcher = threadHostLauncherWith({ path: builtHost, execArgv: [] });

/** Token host processes this test process has started (a thread is not one). */
function hostProcesses(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-f', 'token-host|host/entry']).toString().trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe.skipIf(!softhsmModule)('token hosts in worker threads', () => {
  let folder: TokenFolder;
  let other: TokenFolder;
  let service: TokenService | undefined;
  const before = process.env.SOFTHSM2_CONF;

  beforeAll(() => {
    expect(existsSync(builtHost), `${builtHost} is missing: run "npm run build" before these tests.`).toBe(true);
    folder = makeTokenFolder();
    folder.addToken('alice', '1234');
    other = makeTokenFolder();
    other.addToken('bob', '1234');
    // A library reads SOFTHSM2_CONF from the process's environment: this process's is the command's.
    process.env.SOFTHSM2_CONF = folder.conf;
  });

  afterEach(async () => {
    await service?.dispose();
    service = undefined;
  });

  afterAll(() => {
    if (before === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = before;
    folder?.cleanup();
    other?.cleanup();
  });

  // A library is loaded by one thread of a process, ever (the launcher forks for it afterwards): this test runs first.
  it('runs the module in a thread: lists, makes a key, signs, with no process of its own, and ends it when disposed', async () => {
    let ended = 0;
    service = new TokenService((options) => {
      const host = launcher(options);
      host.onExit(() => (ended += 1));
      return host;
    }, process.env);
    const module = await service.addModule({ path: softhsmModule!, origin: 'discovered' });
    expect(module.status).toBe('ready');
    expect(hostProcesses()).toEqual([]);
    const alice = service.snapshotModules()[0]!.tokens.find((token) => token.label === 'alice')!;
    const key = await service.generateKey(alice.uri, 'release-signing', 'ecdsa-p256', '1234');
    const message = new TextEncoder().encode('signed in a thread');
    const { signature } = await service.sign(key.uri, message, '1234');
    expect(createVerify('sha256').update(message).verify(key.publicKeyPem, signature)).toBe(true);
    await expect(service.sign(key.uri, message, '0000')).rejects.toThrow(/PIN for token "alice" is wrong/);
    expect(hostProcesses()).toEqual([]);
    await service.dispose();
    expect(ended).toBe(1);
  });

  it('forks a process for a module whose environment is not the process own', async () => {
    service = new TokenService(launcher, process.env);
    await service.addModule({ path: softhsmModule!, origin: 'added', env: other.env });
    expect(service.snapshotModules()[0]!.tokens.map((token) => token.label)).toEqual(['bob']);
    expect(hostProcesses()).toHaveLength(1);
  });

  it('forks a process for a library already loaded by a thread of this process', async () => {
    // The same library through another path: loaded once per process, so it cannot be a second, separate thread.
    const link = join(other.dir, 'libsofthsm2-link.so');
    symlinkSync(softhsmModule!, link);
    service = new TokenService(launcher, process.env);
    await service.addModule({ path: link, origin: 'added' });
    expect(service.snapshotModules()[0]!.status).toBe('ready');
    expect(service.snapshotModules()[0]!.tokens.map((token) => token.label)).toEqual(['alice']);
    expect(hostProcesses()).toHaveLength(1);
  });
});
