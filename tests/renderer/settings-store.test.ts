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

describe('registries allowed plain HTTP', () => {
  it('loads the list, adds a host (trimmed, lower-cased) and removes one, saving the whole list each time', async () => {
    let saved: string[] = ['registry.lan:5000'];
    const { state, fake } = setup({
      'settings.registries': () => ok({ insecureRegistries: saved }),
      'settings.setInsecureRegistries': ({ hosts }) => ok({ insecureRegistries: (saved = hosts) }),
    });
    await state().loadRegistries();
    expect(state().insecureRegistries).toEqual(['registry.lan:5000']);
    expect(await state().addRegistry('  Mirror.Internal ')).toBe(true);
    expect(fake.callsOf('settings.setInsecureRegistries')).toEqual([{ hosts: ['registry.lan:5000', 'mirror.internal'] }]);
    expect(state().insecureRegistries).toEqual(['registry.lan:5000', 'mirror.internal']);
    expect(await state().removeRegistry('registry.lan:5000')).toBe(true);
    expect(fake.callsOf('settings.setInsecureRegistries')[1]).toEqual({ hosts: ['mirror.internal'] });
    expect(state().insecureRegistries).toEqual(['mirror.internal']);
    expect(state().busy).toEqual({});
  });

  it.each([
    ['http://registry.lan:5000', /scheme/],
    ['registry.lan/team', /without a path/],
    ['registry lan', /no spaces/],
    ['', /Enter a registry host/],
    ['registry.lan:99999', /not a port/],
    ['-bad-.lan', /not a host or host:port/],
  ])('refuses %j next to the field without calling the core', async (host, message) => {
    const { state, fake } = setup({ 'settings.registries': () => ok({ insecureRegistries: [] }) });
    await state().loadRegistries();
    expect(await state().addRegistry(host)).toBe(false);
    expect(fake.callsOf('settings.setInsecureRegistries')).toEqual([]);
    expect(state().errors[settingsOp.setRegistries]?.message).toMatch(message);
  });

  it('says a host is already allowed instead of adding it twice', async () => {
    const { state, fake } = setup({ 'settings.registries': () => ok({ insecureRegistries: ['registry.lan'] }) });
    await state().loadRegistries();
    expect(await state().addRegistry('REGISTRY.lan')).toBe(false);
    expect(fake.callsOf('settings.setInsecureRegistries')).toEqual([]);
    expect(state().errors[settingsOp.setRegistries]?.message).toBe('registry.lan is already allowed.');
  });

  it('shows the core’s refusal and keeps the list it had', async () => {
    const { state } = setup({
      'settings.registries': () => ok({ insecureRegistries: [] }),
      'settings.setInsecureRegistries': () => fail({ code: 'internal', message: 'The settings file is not writable.' }),
    });
    await state().loadRegistries();
    expect(await state().addRegistry('registry.lan')).toBe(false);
    expect(state().insecureRegistries).toEqual([]);
    expect(state().errors[settingsOp.setRegistries]?.message).toBe('The settings file is not writable.');
  });
});
