/**
 * The window's Cancel reaches a registry that stalls (issue 12, point 4):
 * opening a ceremony for an image on a registry that accepts connections and
 * never answers is cancelled by the person, and the opening ends at once as
 * cancelled, with no ceremony written; and a registry that stops answering
 * in the middle of a publication's pushes is cancelled the same way, leaving
 * the ceremony approved so that publishing again completes it; and Stop
 * ends a sync whose git remote never answers, killing its git. Through the
 * same dispatch as IPC.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core';
import { dispatchCall } from '../../electron/core/api/dispatch';
import { createCore } from '../../electron/core/create-core';
import type { CallName } from '../../shared/api/contract';
import { OciClient } from '../../electron/core/oci';
import { pushImage } from '../oci/fixtures';
import { startCuttingProxy, type CuttingProxy } from '../oci-ceremony/support/cutting-proxy';
import { writeImageProvenance } from '../oci-ceremony/support/ceremony';
import { makeTestKey } from '../support/test-keys';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';
import { startRegistry, type TestRegistry } from '../support/registry';
import { startSilentServer, type SilentServer } from '../support/silent-server';

let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;
let core: Core;
let silent: SilentServer;

const call = async <T>(name: CallName, input: unknown): Promise<T> => {
  const result = await dispatchCall(core.handlers, name, input);
  if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
  return result.value as T;
};

beforeAll(async () => {
  folder = makeTokenFolder();
  home = makeDataDir();
  // The registry answers nothing, ever; the idle deadline (30 s by default) is far away.
  silent = await startSilentServer();
  core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [{ path: softhsmModule!, env: folder.env }] });
  await call('demo.create', {});
});

let registry: TestRegistry | undefined;
let proxy: CuttingProxy | undefined;

afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
  await silent?.close();
  await core?.dispose();
  folder?.cleanup();
  home?.cleanup();
});

describe('Cancel while an image is being resolved', () => {
  it('ends the opening as cancelled, and no ceremony is written', async () => {
    const [policy] = await call<{ path: string }[]>('policies.createDemo', {});
    const carol = (await call<{ tokenLabel: string; keyUri: string }[]>('policies.signingKeys', { policyPath: policy!.path })).find((key) => key.tokenLabel === 'carol')!;
    const opening = dispatchCall(core.handlers, 'ceremonies.open', {
      operationId: 'open-stalled-01',
      policyPath: policy!.path,
      release: { name: 'app', version: '1.0.0' },
      artifactPaths: [],
      images: [`${silent.host}/acme/app:1.0`],
      provenancePaths: [],
      keyUri: carol.keyUri,
      pin: '123456',
    });
    // Wait until the registry has been asked, then press Cancel.
    await silent.connectedBeyond(0);
    await call('operations.cancel', { operationId: 'open-stalled-01' });
    const result = await opening;
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.error.code).toBe('cancelled');
    expect(await call<unknown[]>('ceremonies.list', {})).toEqual([]);
  }, 20_000);
});

describe('Cancel while a publication pushes to a registry that stopped answering', () => {
  it('ends the publication as cancelled; the ceremony stays approved, and publishing again completes it', async () => {
    registry = await startRegistry();
    proxy = await startCuttingProxy(Number(registry.host.split(':')[1]));
    const image = await pushImage(new OciClient({ homeDir: '/nonexistent-conclave-home', env: {} }), `${proxy.host}/acme/cancel`, '1.0.0', 'cancel me\n');
    const [policy] = await call<{ path: string }[]>('policies.list', {});
    const keys = await call<{ tokenLabel: string; keyUri: string }[]>('policies.signingKeys', { policyPath: policy!.path });
    const keyOf = (label: string) => keys.find((key) => key.tokenLabel === label)!.keyUri;
    const detail = await call<{ id: string; state: string }>('ceremonies.open', {
      operationId: 'open-to-cancel-publish',
      policyPath: policy!.path,
      release: { name: 'cancel', version: '1.0.0' },
      artifactPaths: [],
      images: [image.reference],
      provenancePaths: [writeImageProvenance(home.dir, makeTestKey('ecdsa-p256'), [{ name: `${proxy.host}/acme/cancel`, digest: image.digest }]).path],
      keyUri: keyOf('carol'),
      pin: '123456',
    });
    expect(detail.state).toBe('frozen');
    for (const who of ['alice', 'bob']) {
      const { statement } = await call<{ statement: { digest: string } }>('ceremonies.get', { id: detail.id });
      await call('ceremonies.approve', { id: detail.id, keyUri: keyOf(who), pin: '123456', statementDigest: statement.digest });
    }
    expect((await call<{ state: string }>('ceremonies.get', { id: detail.id })).state).toBe('approved');

    // From now on the registry takes every request and answers none of the pushes.
    proxy.setStall((method) => method !== 'GET' && method !== 'HEAD');
    const publishing = dispatchCall(core.handlers, 'ceremonies.publish', { id: detail.id, operationId: 'publish-stalled-01', keyUri: keyOf('carol'), pin: '123456' });
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (proxy!.stalled.length > 0) {
          clearInterval(check);
          resolve();
        }
      }, 50);
    });
    expect(await call('operations.cancel', { operationId: 'publish-stalled-01' })).toEqual({ cancelled: true });
    const result = await publishing;
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error.message).toMatch(/[Cc]ancelled/);
    expect((await call<{ state: string }>('ceremonies.get', { id: detail.id })).state).toBe('approved');

    // The registry answers again: the same publication completes.
    proxy.setStall(undefined);
    const again = await call<{ registry?: { image: string }[] }>('ceremonies.publish', { id: detail.id, keyUri: keyOf('carol'), pin: '123456' });
    expect(again.registry?.map((entry) => entry.image)).toEqual([image.pinned]);
    expect((await call<{ state: string }>('ceremonies.get', { id: detail.id })).state).toBe('published');
  }, 60_000);
});

describe('Stop while a sync waits on a git remote that never answers', () => {
  it('ends the sync as not synced, says it was stopped, and leaves no git running', async () => {
    const data = makeDataDir();
    // git may take ten minutes here: only Stop can end this sync soon.
    const syncing = createCore({ dataDir: data.dir, shell: 'browser', version: 'test', env: { ...process.env, CONCLAVE_GIT_TIMEOUT: '600' }, modules: [] });
    try {
      const before = silent.connections;
      const remote = `git://${silent.host}/stop-${process.pid}.git`;
      const sync = async (name: CallName) => {
        const result = await dispatchCall(syncing.handlers, name, name === 'repository.setRemote' ? { url: remote } : {});
        if (!result.ok) throw new Error(result.error.message);
        return result.value as { state?: string; reason?: string; syncing?: boolean; stopped?: boolean };
      };
      // Saving the remote asks the remote where it stands, then syncs; the person presses Stop (here every 200 ms) while
      // anything waits on it. Sync now, pressed meanwhile, ends as not synced too.
      const answers: { stopped: boolean }[] = [];
      const pressing = setInterval(() => {
        if (silent.connections > before) void dispatchCall(syncing.handlers, 'repository.stopSync', {}).then((answer) => answer.ok && answers.push(answer.value as { stopped: boolean }));
      }, 200);
      let status: { state?: string; reason?: string; syncing?: boolean };
      try {
        await sync('repository.setRemote');
        await sync('repository.sync');
        status = await sync('repository.status');
      } finally {
        clearInterval(pressing);
      }
      expect(answers).toContainEqual({ stopped: true });
      expect(status.state).toBe('offline');
      expect(status.reason).toMatch(/stopped before git had finished/);
      expect(status.syncing).toBe(false);
      const gits = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes(`stop-${process.pid}.git`));
      expect(gits).toEqual([]);
    } finally {
      await syncing.dispose();
      data.cleanup();
    }
  }, 60_000);
});
