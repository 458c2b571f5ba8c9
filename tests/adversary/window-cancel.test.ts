/**
 * The window's Cancel reaches a registry that stalls (issue 12, point 4):
 * opening a ceremony for an image on a registry that accepts connections and
 * never answers is cancelled by the person, and the opening ends at once as
 * cancelled, with no ceremony written. Through the same dispatch as IPC.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core';
import { dispatchCall } from '../../electron/core/api/dispatch';
import { createCore } from '../../electron/core/create-core';
import type { CallName } from '../../shared/api/contract';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;
let core: Core;
let silent: Server;
const sockets = new Set<Socket>();

const call = async <T>(name: CallName, input: unknown): Promise<T> => {
  const result = await dispatchCall(core.handlers, name, input);
  if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
  return result.value as T;
};

beforeAll(async () => {
  folder = makeTokenFolder();
  home = makeDataDir();
  // The registry answers nothing, ever; the idle deadline (30 s by default) is far away.
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [{ path: softhsmModule!, env: folder.env }] });
  await call('demo.create', {});
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await core?.dispose();
  folder?.cleanup();
  home?.cleanup();
});

describe('Cancel while an image is being resolved', () => {
  it('ends the opening as cancelled, and no ceremony is written', async () => {
    const [policy] = await call<{ path: string }[]>('policies.createDemo', {});
    const carol = (await call<{ tokenLabel: string; keyUri: string }[]>('policies.signingKeys', { policyPath: policy!.path })).find((key) => key.tokenLabel === 'carol')!;
    const port = (silent.address() as { port: number }).port;
    const opening = dispatchCall(core.handlers, 'ceremonies.open', {
      operationId: 'open-stalled-01',
      policyPath: policy!.path,
      release: { name: 'app', version: '1.0.0' },
      artifactPaths: [],
      images: [`127.0.0.1:${port}/acme/app:1.0`],
      provenancePaths: [],
      keyUri: carol.keyUri,
      pin: '123456',
    });
    // Wait until the registry has been asked, then press Cancel.
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (sockets.size > 0) {
          clearInterval(check);
          resolve();
        }
      }, 50);
    });
    await call('operations.cancel', { operationId: 'open-stalled-01' });
    const result = await opening;
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.error.code).toBe('cancelled');
    expect(await call<unknown[]>('ceremonies.list', {})).toEqual([]);
  }, 20_000);
});
