/**
 * The shared repository through the window's API (issue 5): set a remote,
 * see where the store stands, and the automatic sync that sends an approval
 * made in the window; an unreachable remote reports offline and loses nothing.
 * A bare repository stands for the team's remote; tests wait on
 * repository.changed, never on sleeps.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/create-core';
import type { Core } from '../../electron/core';
import { dispatchCall } from '../../electron/core/api/dispatch';
import type { CallName, EventPayload, RepositoryStatus } from '../../shared/api/contract';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';

let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;
let core: Core;
let remote: string;
let env: NodeJS.ProcessEnv;
const statuses: RepositoryStatus[] = [];
const waiters = new Set<{ test: (status: RepositoryStatus) => boolean; resolve: (status: RepositoryStatus) => void }>();

async function call<T = unknown>(name: CallName, input: unknown): Promise<T> {
  const result = await dispatchCall(core.handlers, name, input);
  if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
  return result.value as T;
}

/** The next repository.changed (after now) that passes the test. */
function nextStatus(test: (status: RepositoryStatus) => boolean): Promise<RepositoryStatus> {
  return new Promise((resolve) => waiters.add({ test, resolve }));
}

const remoteFiles = () => execFileSync('git', ['ls-tree', '-r', '--name-only', 'main'], { cwd: remote, env, encoding: 'utf8' }).split('\n').filter(Boolean);

beforeAll(async () => {
  folder = makeTokenFolder();
  home = makeDataDir();
  const gitConfig = join(home.dir, 'gitconfig');
  writeFileSync(gitConfig, '');
  env = { ...process.env, HOME: home.dir, GIT_CONFIG_GLOBAL: gitConfig, GIT_CONFIG_NOSYSTEM: '1' };
  for (const name of ['GIT_AUTHOR_NAME', 'GIT_COMMITTER_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_EMAIL', 'CONCLAVE_STORE']) delete env[name];
  remote = join(home.dir, 'remote.git');
  execFileSync('git', ['init', '-q', '--bare', remote], { env });
  copyFileSync(fixture(artifactName), join(home.dir, artifactName));
  core = createCore({ dataDir: home.dir, storeDir: join(home.dir, 'store'), env, shell: 'browser', version: 'test', modules: [{ path: softhsmModule!, env: folder.env }] });
  core.subscribe((name, payload) => {
    if (name !== 'repository.changed') return;
    const status = payload as EventPayload<'repository.changed'>;
    statuses.push(status);
    for (const waiter of [...waiters]) {
      if (waiter.test(status)) {
        waiters.delete(waiter);
        waiter.resolve(status);
      }
    }
  });
  await call('demo.create', {});
}, 60_000);

afterAll(async () => {
  await core?.dispose();
  folder?.cleanup();
  home?.cleanup();
});

describe.skipIf(!softhsmModule)('the shared repository in the window', () => {
  let id: string;

  it('counts events waiting to be shared while no remote is set', async () => {
    const [policy] = await call<{ path: string }[]>('policies.createDemo', {});
    const detail = await call<{ id: string; state: string }>('ceremonies.open', {
      operationId: 'open-repo-0001',
      policyPath: policy!.path,
      release: { name: 'slsa-demo', version: '2.0.0' },
      artifactPaths: [join(home.dir, artifactName)],
      provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)],
      keyUri: (await call<{ tokenLabel: string; keyUri: string }[]>('policies.signingKeys', { policyPath: policy!.path })).find((key) => key.tokenLabel === 'carol')!.keyUri,
      pin: Buffer.from('123456'),
    });
    id = detail.id;
    expect(detail.state).toBe('frozen');
    const status = await call<RepositoryStatus>('repository.status', {});
    expect(status).toMatchObject({ state: 'no-remote', behind: 0, syncing: false });
    // Every event file of the store (the demo policy's ceremony's too), and nothing else: not its evidence, not a stray file.
    const stored = readdirSync(join(home.dir, 'store'), { recursive: true, encoding: 'utf8' });
    expect(stored.filter((path) => /\/evidence\/./.test(path))).not.toEqual([]);
    const events = stored.filter((path) => /\/events\/[^/]+\.json$/.test(path));
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(status.ahead).toBe(events.length);
  });

  it('refuses a URL git would read as an option', async () => {
    const result = await dispatchCall(core.handlers, 'repository.setRemote', { url: '--upload-pack=evil' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('invalid-input');
  });

  it('sets the remote, then shares what is here automatically', async () => {
    const synced = nextStatus((status) => status.state === 'up-to-date' && !status.syncing);
    const status = await call<RepositoryStatus>('repository.setRemote', { url: remote });
    expect(status).toMatchObject({ url: remote, state: 'ahead', behind: 0 });
    expect(status.ahead).toBeGreaterThanOrEqual(2);
    expect(await synced).toMatchObject({ url: remote, ahead: 0, behind: 0 });
    expect(remoteFiles().some((path) => path.includes(id))).toBe(true);
    expect(await call<RepositoryStatus>('repository.status', {})).toMatchObject({ state: 'up-to-date', ahead: 0, behind: 0 });
  });

  it('sends an approval made in the window without being asked', async () => {
    const before = remoteFiles().length;
    const keys = await call<{ tokenLabel: string; keyUri: string }[]>('ceremonies.signingKeys', { id });
    const alice = keys.find((key) => key.tokenLabel === 'alice')!;
    const synced = nextStatus((status) => status.state === 'up-to-date' && !status.syncing);
    await call('ceremonies.approve', { id, keyUri: alice.keyUri, pin: Buffer.from('123456'), statementDigest: (await call<{ statement: { digest: string } }>('ceremonies.get', { id })).statement.digest });
    await synced;
    const after = remoteFiles();
    expect(after.length).toBeGreaterThan(before);
    expect(after.some((path) => path.includes(id) && /approv/i.test(path))).toBe(true);
  });

  it('reports an unreachable remote as offline with git’s reason, and keeps the approval to send later', async () => {
    await call('repository.removeRemote', {});
    const unreachable = join(home.dir, 'gone', 'remote.git');
    const offline = nextStatus((status) => status.state === 'offline' && !status.syncing);
    await call('repository.setRemote', { url: unreachable });
    const keys = await call<{ tokenLabel: string; keyUri: string }[]>('ceremonies.signingKeys', { id });
    const bob = keys.find((key) => key.tokenLabel === 'bob')!;
    await call('ceremonies.approve', { id, keyUri: bob.keyUri, pin: Buffer.from('123456'), statementDigest: (await call<{ statement: { digest: string } }>('ceremonies.get', { id })).statement.digest });
    const status = await offline;
    expect(status.reason).toBe(`The remote ${unreachable} is not there. If it is on a drive or a network share, connect it and sync again; if the path is wrong, set the right one ("conclave remote remove", then "conclave remote add PATH").`);
    const summary = await call<{ outcome: string; reason?: string }>('repository.sync', {});
    expect(summary.outcome).toBe('offline');
    const now = statuses.at(-1)!;
    expect(now).toMatchObject({ state: 'offline', syncing: false });
    expect(now.ahead).toBeGreaterThanOrEqual(1);

    // Back online: the approval made offline goes up at the next sync.
    await call('repository.removeRemote', {});
    const synced = nextStatus((next) => next.state === 'up-to-date' && !next.syncing);
    await call('repository.setRemote', { url: remote });
    await synced;
    expect(remoteFiles().filter((path) => path.includes(id) && /approv/i.test(path)).length).toBe(2);
  });
});
