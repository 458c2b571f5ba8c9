import { afterEach, describe, expect, it } from 'vitest';
import { setApiForTests } from '../../renderer/src/api';
import { createRepositoryStore, pendingWords, shortStatusWords, statusSentence } from '../../renderer/src/features/settings/repository-store';
import type { RepositoryStatus } from '../../shared/api/contract';
import { createFakeApi, ok, settle } from './fake-api';

const url = 'git@example.org:team/ceremonies.git';
const status = (over: Partial<RepositoryStatus>): RepositoryStatus => ({ url, state: 'up-to-date', ahead: 0, behind: 0, syncing: false, ...over });

afterEach(() => setApiForTests(undefined));

describe('the shared repository in words', () => {
  it('says where the store stands in the header', () => {
    expect(shortStatusWords(undefined)).toBe('Checking the repository…');
    expect(shortStatusWords(status({}))).toBe('Synced');
    expect(shortStatusWords(status({ state: 'ahead', ahead: 2 }))).toBe('2 to push');
    expect(shortStatusWords(status({ state: 'behind', behind: 1 }))).toBe('1 to fetch');
    expect(shortStatusWords(status({ state: 'offline', ahead: 1, reason: 'The remote cannot be reached: Could not resolve host.' }))).toBe('Offline: The remote cannot be reached: Could not resolve host.');
    expect(shortStatusWords(status({ state: 'error', reason: 'Permission denied.' }))).toBe('Sync error: Permission denied.');
    expect(shortStatusWords(status({ syncing: true }))).toBe('Syncing…');
    expect(shortStatusWords({ state: 'no-remote', ahead: 3, behind: 0, syncing: false })).toBe('Not shared');
  });

  it('tells Settings and History what is pending', () => {
    expect(statusSentence(status({ state: 'offline', ahead: 2, reason: 'No route to host.' }))).toBe('Offline: No route to host. Work goes on here; 2 events go up at the next sync.');
    expect(pendingWords(status({ state: 'offline', ahead: 1 }))).toBe('1 event not yet shared.');
    expect(pendingWords({ state: 'no-remote', ahead: 4, behind: 0, syncing: false })).toBe('4 events not yet shared (no remote set).');
    expect(pendingWords(status({}))).toBeUndefined();
  });
});

describe('the repository store', () => {
  it('loads the status, follows repository.changed, and stops following', async () => {
    const fake = createFakeApi({ 'repository.status': () => ok(status({ state: 'ahead', ahead: 1 })) });
    setApiForTests(fake.api);
    const store = createRepositoryStore();
    const stop = store.getState().start();
    await settle();
    expect(shortStatusWords(store.getState().status)).toBe('1 to push');
    fake.emit('repository.changed', status({ state: 'offline', ahead: 1, reason: 'unable to access the remote.' }));
    expect(shortStatusWords(store.getState().status)).toBe('Offline: unable to access the remote.');
    stop();
    expect(fake.listeners('repository.changed')).toBe(0);
  });

  it('Stop asks the core to stop what talks to the remote, and shows why when it cannot', async () => {
    const fake = createFakeApi({ 'repository.stopSync': () => ok({ stopped: true }) });
    setApiForTests(fake.api);
    const store = createRepositoryStore();
    await store.getState().stopSync();
    expect(fake.callsOf('repository.stopSync')).toEqual([{}]);
    expect(store.getState().error).toBeUndefined();
    const failing = createFakeApi({ 'repository.stopSync': () => ({ ok: false, error: { code: 'internal', message: 'Conclave is closing.' } }) });
    setApiForTests(failing.api);
    await store.getState().stopSync();
    expect(store.getState().error?.message).toBe('Conclave is closing.');
  });

  it('checks the URL before calling the core, then saves it', async () => {
    const fake = createFakeApi({ 'repository.setRemote': () => ok(status({ state: 'ahead', ahead: 2 })) });
    setApiForTests(fake.api);
    const store = createRepositoryStore();
    expect(await store.getState().setRemote('   ')).toBe(false);
    expect(store.getState().error?.code).toBe('invalid-input');
    expect(fake.callsOf('repository.setRemote')).toEqual([]);
    expect(await store.getState().setRemote(` ${url} `)).toBe(true);
    expect(fake.callsOf('repository.setRemote')).toEqual([{ url }]);
    expect(store.getState()).toMatchObject({ busy: undefined, error: undefined, status: { state: 'ahead', ahead: 2 } });
  });

  it('takes the verification an audit reports without asking the remote again', async () => {
    const fake = createFakeApi({ 'repository.status': () => ok(status({ verification: { state: 'behind', head: 'a'.repeat(40), commitsSince: 2 } })) });
    setApiForTests(fake.api);
    const store = createRepositoryStore();
    store.getState().start();
    await settle();
    store.getState().applyVerification({ state: 'verified', head: 'b'.repeat(40), commitsSince: 0 });
    expect(store.getState().status).toEqual(status({ verification: { state: 'verified', head: 'b'.repeat(40), commitsSince: 0 } }));
    expect(fake.callsOf('repository.status')).toHaveLength(1);
  });
});
