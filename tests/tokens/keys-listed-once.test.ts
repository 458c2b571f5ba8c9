/**
 * A ceremony command lists its token's keys once (keysListedOnce, issue 11):
 * an approval used to ask the host for them four times after judging, each
 * time while the command waited. Real SoftHSM2 tokens behind real token
 * hosts; the launcher only counts what the service asks of them. A service
 * without the option (the window's, a command that makes keys) still asks
 * every time, so a key made meanwhile is found.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { forkHostLauncher, type HostLauncher } from '../../electron/core/tokens/host-process';
import { TokenService } from '../../electron/core/tokens/token-service';
import { makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

/** A launcher whose hosts are real, with every request's op counted. */
function countingLauncher(asked: string[]): HostLauncher {
  return (options) => {
    const host = forkHostLauncher(options);
    return {
      ...host,
      postMessage(message, transfer) {
        const request = message as { kind?: string; request?: { op?: string } };
        if (request.kind === 'request' && request.request?.op) asked.push(request.request.op);
        host.postMessage(message, transfer);
      },
    };
  };
}

describe.skipIf(!softhsmModule)("a command's token service lists each token's keys once", () => {
  let folder: TokenFolder;
  let service: TokenService | undefined;
  const tokenUri = `pkcs11:token=alice?module-path=${softhsmModule}`;
  const keyUri = (label: string) => `pkcs11:token=alice;object=${label}?module-path=${softhsmModule}`;

  beforeAll(async () => {
    folder = makeTokenFolder();
    folder.addToken('alice', '1234');
    const maker = new TokenService(forkHostLauncher, { ...process.env, ...folder.env });
    try {
      await maker.generateKey(tokenUri, 'release-signing', 'ecdsa-p256', '1234');
    } finally {
      await maker.dispose();
    }
  }, 60_000);

  afterEach(async () => {
    await service?.dispose();
    service = undefined;
  });

  afterAll(() => folder?.cleanup());

  const approveWith = async (keysListedOnce: boolean) => {
    const asked: string[] = [];
    service = new TokenService(countingLauncher(asked), { ...process.env, ...folder.env }, undefined, undefined, { keysListedOnce });
    // What an approval asks: the key's id, its certificate, its attestation, then two signatures under one login.
    const key = await service.resolveKey(keyUri('release-signing'));
    await service.resolveKey(keyUri('release-signing'));
    await service.attestation(keyUri('release-signing'));
    const hold = service.holdLogin();
    const signed = await service.signMany(keyUri('release-signing'), [new TextEncoder().encode('statement')], '1234', undefined, hold);
    const again = await service.signMany(keyUri('release-signing'), [new TextEncoder().encode('event')], '1234', undefined, hold);
    await hold.release();
    return { asked, key: key.key, signed, again };
  };

  it('asks for the keys once, and signs with the key it listed', async () => {
    const { asked, key, signed, again } = await approveWith(true);
    expect(asked.filter((op) => op === 'listKeys')).toEqual(['listKeys']);
    expect(asked.filter((op) => op === 'sign')).toHaveLength(2);
    expect(signed.key.keyId).toBe(key.keyId);
    expect(again.key.keyId).toBe(key.keyId);
  }, 60_000);

  it('asks every time without the option', async () => {
    const { asked } = await approveWith(false);
    expect(asked.filter((op) => op === 'listKeys').length).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it('keeps a listing that found no such key, and says so each time', async () => {
    const asked: string[] = [];
    service = new TokenService(countingLauncher(asked), { ...process.env, ...folder.env }, undefined, undefined, { keysListedOnce: true });
    await expect(service.resolveKey(keyUri('not-there'))).rejects.toMatchObject({ code: 'key-not-found' });
    await expect(service.resolveKey(keyUri('not-there'))).rejects.toMatchObject({ code: 'key-not-found' });
    expect(asked.filter((op) => op === 'listKeys')).toHaveLength(1);
  }, 60_000);

  it.each([false, true])("finds a key it made after it listed the token's keys (keysListedOnce: %s)", async (keysListedOnce) => {
    service = new TokenService(forkHostLauncher, { ...process.env, ...folder.env }, undefined, undefined, { keysListedOnce });
    const label = `made-later-${String(keysListedOnce)}`;
    await expect(service.resolveKey(keyUri(label))).rejects.toMatchObject({ code: 'key-not-found' });
    await service.generateKey(tokenUri, label, 'ecdsa-p256', '1234');
    expect((await service.resolveKey(keyUri(label))).key.label).toBe(label);
  }, 60_000);
});
