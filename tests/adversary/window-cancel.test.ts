/**
 * The window's Cancel reaches a registry that stalls (issue 12, point 4):
 * opening a ceremony for an image on a registry that accepts connections and
 * never answers is cancelled by the person, and the opening ends at once as
 * cancelled, with no ceremony written; and a registry that stops answering
 * in the middle of a publication's pushes is cancelled the same way, leaving
 * the ceremony approved so that publishing again completes it; an approval
 * whose time-stamping authority stops answering is cancelled the same way,
 * recording nothing and keeping the approvals already made; and Stop ends a
 * sync whose git remote never answers, killing its git. Through the same
 * dispatch as IPC.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { createTestCa, issueTsaCertificate, makeLabFolder, startTsaServer, type RunningTsa } from '../support/tsa';

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
let tsa: RunningTsa | undefined;
let tsaProxy: CuttingProxy | undefined;
let tsaLab: Awaited<ReturnType<typeof makeLabFolder>> | undefined;

afterAll(async () => {
  await tsaProxy?.close();
  await tsa?.close();
  await tsaLab?.remove();
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
      pin: Buffer.from('123456'),
    });
    // Wait until the registry has been asked, then press Cancel.
    await silent.connectedBeyond(0);
    await call('operations.cancel', { operationId: 'open-stalled-01' });
    const result = await opening;
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.error.code).toBe('cancelled');
    expect((await call<{ items: unknown[] }>('ceremonies.page', {})).items).toEqual([]);
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
      pin: Buffer.from('123456'),
    });
    expect(detail.state).toBe('frozen');
    for (const who of ['alice', 'bob']) {
      const { statement } = await call<{ statement: { digest: string } }>('ceremonies.get', { id: detail.id });
      await call('ceremonies.approve', { id: detail.id, keyUri: keyOf(who), pin: Buffer.from('123456'), statementDigest: statement.digest });
    }
    expect((await call<{ state: string }>('ceremonies.get', { id: detail.id })).state).toBe('approved');

    // From now on the registry takes every request and answers none of the pushes.
    proxy.setStall((method) => method !== 'GET' && method !== 'HEAD');
    const publishing = dispatchCall(core.handlers, 'ceremonies.publish', { id: detail.id, operationId: 'publish-stalled-01', keyUri: keyOf('carol'), pin: Buffer.from('123456') });
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
    const again = await call<{ registry?: { image: string }[] }>('ceremonies.publish', { id: detail.id, keyUri: keyOf('carol'), pin: Buffer.from('123456') });
    expect(again.registry?.map((entry) => entry.image)).toEqual([image.pinned]);
    expect((await call<{ state: string }>('ceremonies.get', { id: detail.id })).state).toBe('published');
  }, 60_000);
});

describe('Cancel while an approval waits on a time-stamping authority that stopped answering', () => {
  it('ends the approval as cancelled with nothing recorded; the approvals already made stay, and approving again completes the ceremony', async () => {
    // A real RFC 3161 TSA (openssl ts) behind a proxy that, when told to, takes each request and answers none.
    tsaLab = await makeLabFolder();
    const tsaRoot = await createTestCa(tsaLab.dir, 'Cancel Test TSA Root');
    tsa = await startTsaServer({ signer: await issueTsaCertificate(tsaLab.dir, tsaRoot, 'Cancel Test TSA', { key: 'ec-p256' }) });
    tsaProxy = await startCuttingProxy(Number(new URL(tsa.url).port));
    // The demo policy, asking for trusted time on every approval from that TSA.
    const [demo] = await call<{ path: string }[]>('policies.createDemo', {});
    const policyPath = join(home.dir, 'policy-with-tsa.json');
    const document = JSON.parse(readFileSync(demo!.path, 'utf8')) as Record<string, unknown>;
    writeFileSync(policyPath, JSON.stringify({ ...document, timestamping: { url: `http://${tsaProxy.host}/tsr`, certificates: readFileSync(tsaRoot.certPath, 'utf8'), required: true } }));
    await call('policies.import', { path: policyPath });
    const keys = await call<{ tokenLabel: string; keyUri: string }[]>('policies.signingKeys', { policyPath });
    const keyOf = (label: string) => keys.find((key) => key.tokenLabel === label)!.keyUri;
    const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
    const artifact = 'binary-linux-amd64-multi-subject-first';
    const { id } = await call<{ id: string }>('ceremonies.open', {
      operationId: 'open-with-tsa-01',
      policyPath,
      release: { name: 'stamped', version: '1.0.0' },
      artifactPaths: [fixture(artifact)],
      provenancePaths: [fixture(`${artifact}.intoto.jsonl`)],
      keyUri: keyOf('carol'),
      pin: Buffer.from('123456'),
    });
    type Shown = { state: string; approvedBy: string[]; statement: { digest: string }; timeline: { type: string; actor: string; trustedTime?: string }[] };
    const shown = () => call<Shown>('ceremonies.get', { id });
    const approve = async (who: string, operationId: string) =>
      dispatchCall(core.handlers, 'ceremonies.approve', { id, operationId, keyUri: keyOf(who), pin: Buffer.from('123456'), statementDigest: (await shown()).statement.digest });

    // bob approves while the TSA answers: counted, with its time.
    expect(await approve('bob', 'approve-bob-01')).toMatchObject({ ok: true });
    const before = await shown();
    expect(before.approvedBy).toEqual(['bob']);
    expect(before.timeline.find((entry) => entry.type === 'approved')?.trustedTime).toBeDefined();

    // The TSA stops answering; alice signs, her time stamp is asked for, and she presses Cancel while it waits.
    tsaProxy.setStall((method) => method === 'POST');
    const approving = approve('alice', 'approve-alice-01');
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (tsaProxy!.stalled.length > 0) {
          clearInterval(check);
          resolve();
        }
      }, 50);
    });
    expect(await call('operations.cancel', { operationId: 'approve-alice-01' })).toEqual({ cancelled: true });
    const result = await approving;
    // Cancelled, and said so: not the TSA's own deadline (15 s, which would end it as "unavailable").
    expect(result.ok ? undefined : result.error).toMatchObject({ code: 'cancelled', message: expect.stringMatching(/cancelled while Conclave waited for the time-stamping authority.*not recorded/) });
    // Nothing of alice's was written; bob's approval, and everything before it, is as it was.
    expect(await shown()).toEqual(before);

    // The TSA answers again: alice approves, and the ceremony is approved with both times.
    tsaProxy.setStall(undefined);
    expect(await approve('alice', 'approve-alice-01')).toMatchObject({ ok: true });
    const after = await shown();
    expect(after.state).toBe('approved');
    expect([...after.approvedBy].sort()).toEqual(['alice', 'bob']);
    expect(after.timeline.filter((entry) => entry.type === 'approved').map((entry) => entry.trustedTime !== undefined)).toEqual([true, true]);
  }, 120_000);
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
