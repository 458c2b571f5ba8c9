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

describe('trusting policies', () => {
  const inspected = { digest: demo.digest, name: 'demo', description: 'any 2 of alice, bob, carol', threshold: 2, approvers: [{ id: 'alice', role: 'security' }, { id: 'bob' }, { id: 'carol' }], trusted: false };

  it('reads a policy file (path trimmed) and shows its digest, rule and approvers without trusting it', async () => {
    const { state, fake } = setup({ 'policies.list': () => ok([team]), 'policies.inspect': () => ok(inspected) });
    await state().load();
    expect(await state().inspectPolicy('  /home/me/demo.json ')).toBe(true);
    expect(fake.callsOf('policies.inspect')).toEqual([{ path: '/home/me/demo.json' }]);
    expect(state().inspection).toEqual({ path: '/home/me/demo.json', policy: inspected });
    // Nothing is trusted until the person confirms.
    expect(fake.callsOf('policies.import')).toEqual([]);
    expect(state().policies).toEqual([team]);
  });

  it('trusts it on "Trust this policy", naming the digest shown, and marks the new one in the list', async () => {
    const { state, fake } = setup({ 'policies.list': () => ok([team]), 'policies.inspect': () => ok(inspected), 'policies.import': () => ok([team, demo]) });
    await state().load();
    await state().inspectPolicy('/home/me/demo.json');
    expect(await state().trustInspectedPolicy()).toBe(true);
    expect(fake.callsOf('policies.import')).toEqual([{ path: '/home/me/demo.json', digest: demo.digest }]);
    expect(state().policies).toEqual([team, demo]);
    expect(state().lastAdded).toBe(demo.digest);
    expect(state().inspection).toBeUndefined();
  });

  it('trusts nothing when the person declines', async () => {
    const { state, fake } = setup({ 'policies.inspect': () => ok(inspected) });
    await state().inspectPolicy('/home/me/demo.json');
    state().dismissInspection();
    expect(state().inspection).toBeUndefined();
    expect(await state().trustInspectedPolicy()).toBe(false);
    expect(fake.callsOf('policies.import')).toEqual([]);
  });

  it('keeps what was shown and says why when the file changed before it was trusted', async () => {
    const message = 'Nothing was trusted: /home/me/demo.json now holds another policy (sha256:ffff…) than the one you were shown (sha256:dddd…). Look at it again.';
    const { state } = setup({ 'policies.inspect': () => ok(inspected), 'policies.import': () => fail({ code: 'conflict', message }) });
    await state().inspectPolicy('/home/me/demo.json');
    expect(await state().trustInspectedPolicy()).toBe(false);
    expect(state().errors[settingsOp.importPolicy]?.message).toBe(message);
    expect(state().inspection?.policy.digest).toBe(demo.digest);
  });

  it('asks for a path instead of calling the core with an empty one', async () => {
    const { state, fake } = setup();
    expect(await state().inspectPolicy('   ')).toBe(false);
    expect(fake.callsOf('policies.inspect')).toEqual([]);
    expect(state().errors[settingsOp.inspectPolicy]?.message).toMatch(/Enter the full path of a policy file/);
  });

  it('shows why the core refused a policy, in its own words', async () => {
    const message = 'The policy needs 3 approvals but names only 2 approvers, so it could never be met. Fix the threshold or add approvers.';
    const { state } = setup({ 'policies.inspect': () => fail({ code: 'invalid-input', message }) });
    expect(await state().inspectPolicy('/home/me/bad.json')).toBe(false);
    expect(state().errors[settingsOp.inspectPolicy]?.message).toBe(message);
    expect(state().busy[settingsOp.inspectPolicy]).toBeUndefined();
    expect(state().inspection).toBeUndefined();
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
    const { state } = setup({ 'policies.list': () => slowList.promise, 'policies.inspect': () => ok(inspected), 'policies.import': () => ok([team, demo]) });
    const loading = state().loadPolicies();
    await state().inspectPolicy('/home/me/demo.json');
    await state().trustInspectedPolicy();
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
