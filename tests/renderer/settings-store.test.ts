import { afterEach, describe, expect, it } from 'vitest';
import { setApiForTests } from '../../renderer/src/api';
import { createSettingsStore, settingsOp } from '../../renderer/src/features/settings/store';
import type { CallOutput, PolicySummary } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { createFakeApi, deferred, fail, ok, settle, type Handlers } from './fake-api';

const folders = { dataDir: '/home/me/.conclave', storeDir: '/home/me/.conclave/store', publishDir: '/home/me/.conclave/published' };
const demo: PolicySummary = { digest: 'd'.repeat(64), name: 'demo', path: '/home/me/.conclave/policies/demo.json', description: 'any 2 of alice, bob, carol' };
const team: PolicySummary = { digest: 'e'.repeat(64), name: 'team', path: '/home/me/.conclave/policies/team.json', description: 'any 3 of alice, bob, carol, dave; at least 1 security' };

function setup(handlers: Handlers = {}) {
  const fake = createFakeApi({ 'settings.get': () => ok(folders), 'policies.list': () => ok([]), ...handlers });
  setApiForTests(fake.api);
  const store = createSettingsStore();
  return { fake, store, state: () => store.getState() };
}

afterEach(() => setApiForTests(undefined));

describe('folders and policies', () => {
  it('shows the folders and the policies the core reports', async () => {
    const { state } = setup({ 'policies.list': () => ok([team]) });
    await state().load();
    expect(state().folders).toEqual(folders);
    expect(state().policies).toEqual([team]);
    expect(state().busy).toEqual({});
  });

  it('shows the core’s message when the folders cannot be read', async () => {
    const { state } = setup({ 'settings.get': () => fail({ code: 'internal', message: 'The data folder is not readable. Check its permissions.' }) });
    await state().load();
    expect(state().errors[settingsOp.folders]?.message).toBe('The data folder is not readable. Check its permissions.');
  });
});

describe('adding policies', () => {
  it('imports a policy by its path (trimmed) and shows the new list, marking the new one', async () => {
    const { state, fake } = setup({ 'policies.list': () => ok([team]), 'policies.import': () => ok([team, demo]) });
    await state().load();
    expect(await state().importPolicy('  /home/me/demo.json ')).toBe(true);
    expect(fake.callsOf('policies.import')).toEqual([{ path: '/home/me/demo.json' }]);
    expect(state().policies).toEqual([team, demo]);
    expect(state().lastAdded).toBe(demo.digest);
  });

  it('asks for a path instead of calling the core with an empty one', async () => {
    const { state, fake } = setup();
    expect(await state().importPolicy('   ')).toBe(false);
    expect(fake.callsOf('policies.import')).toEqual([]);
    expect(state().errors[settingsOp.importPolicy]?.message).toMatch(/Enter the full path of a policy file/);
  });

  it('shows why the core refused a policy, in its own words', async () => {
    const message = 'The policy needs 3 approvals but names only 2 approvers, so it could never be met. Fix the threshold or add approvers.';
    const { state } = setup({ 'policies.import': () => fail({ code: 'invalid-input', message }) });
    expect(await state().importPolicy('/home/me/bad.json')).toBe(false);
    expect(state().errors[settingsOp.importPolicy]?.message).toBe(message);
    expect(state().busy[settingsOp.importPolicy]).toBeUndefined();
  });

  it('creates the demo policy, saying so meanwhile, and ignores a second press while it works', async () => {
    const answer = deferred<Result<CallOutput<'policies.createDemo'>>>();
    const { state, fake } = setup({ 'policies.createDemo': () => answer.promise });
    const first = state().createDemoPolicy();
    expect(state().busy[settingsOp.createDemoPolicy]).toBe('Creating the demo policy…');
    expect(await state().createDemoPolicy()).toBe(false);
    answer.resolve(ok([demo]));
    expect(await first).toBe(true);
    expect(fake.callsOf('policies.createDemo')).toHaveLength(1);
    expect(state().policies).toEqual([demo]);
  });

  it('keeps the list an import answered with over an older policies.list still on its way', async () => {
    const slowList = deferred<Result<CallOutput<'policies.list'>>>();
    const { state } = setup({ 'policies.list': () => slowList.promise, 'policies.import': () => ok([team, demo]) });
    const loading = state().loadPolicies();
    await state().importPolicy('/home/me/demo.json');
    slowList.resolve(ok([team]));
    await loading;
    await settle();
    expect(state().policies).toEqual([team, demo]);
  });
});
