/**
 * A token host thread started before its module is known (issue 11): a CLI
 * command that names a key starts one as it starts, and the first launch in
 * a thread with the same host and environment takes it, so Node's start of
 * the thread overlaps the loading of the command. The thread loads no
 * module until the token service sends it one; one nobody takes is ended.
 * Runs the built host (out/main/token-host.js): `npm run build` first.
 */
import { createVerify } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasSpareHostThread, prestartHostThread, stopSpareHostThread, threadHostLauncherWith } from '../../electron/core/tokens/host-thread';
import { TokenService } from '../../electron/core/tokens/token-service';
import { makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

const builtHost = { path: fileURLToPath(new URL('../../out/main/token-host.js', import.meta.url)), execArgv: [] };

describe.skipIf(!softhsmModule)('a token host thread started ahead', () => {
  let folder: TokenFolder;
  const before = process.env.SOFTHSM2_CONF;

  beforeAll(() => {
    expect(existsSync(builtHost.path), `${builtHost.path} is missing: run "npm run build" before these tests.`).toBe(true);
    folder = makeTokenFolder();
    folder.addToken('alice', '1234');
    // A library reads SOFTHSM2_CONF from the process's environment: this process's is the command's.
    process.env.SOFTHSM2_CONF = folder.conf;
  });

  afterAll(async () => {
    await stopSpareHostThread();
    if (before === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = before;
    folder?.cleanup();
  });

  it('is not started for an environment that is not the process own (its module would get a process)', () => {
    prestartHostThread({ ...process.env, SOFTHSM2_CONF: '/elsewhere.conf' }, builtHost);
    expect(hasSpareHostThread()).toBe(false);
  });

  it('is ended when nobody takes it', async () => {
    prestartHostThread(process.env, builtHost);
    expect(hasSpareHostThread()).toBe(true);
    await stopSpareHostThread();
    expect(hasSpareHostThread()).toBe(false);
  });

  it('is taken by the first launch in a thread, which then lists, signs and ends as any host thread', async () => {
    prestartHostThread(process.env, builtHost);
    expect(hasSpareHostThread()).toBe(true);
    const service = new TokenService(threadHostLauncherWith(builtHost), process.env);
    try {
      expect((await service.addModule({ path: softhsmModule!, origin: 'discovered' })).status).toBe('ready');
      expect(hasSpareHostThread()).toBe(false);
      const alice = service.snapshotModules()[0]!.tokens.find((token) => token.label === 'alice')!;
      const key = await service.generateKey(alice.uri, 'release-signing', 'ecdsa-p256', '1234');
      const message = new TextEncoder().encode('signed in a thread started ahead');
      const { signature } = await service.sign(key.uri, message, '1234');
      expect(createVerify('sha256').update(message).verify(key.publicKeyPem, signature)).toBe(true);
    } finally {
      await service.dispose();
    }
  });
});
