import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setApiForTests } from '../../renderer/src/api';
import { op } from '../../renderer/src/features/tokens/ops';
import { tokenBusyTexts, tokenErrors } from '../../renderer/src/features/tokens/selectors';
import { createTokensStore, resetTokensStore, tokensStore } from '../../renderer/src/features/tokens/store';
import type { CallOutput } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { createFakeApi, deferred, fail, key, module, ok, pinBytes, settle, snapshot, token, type Handlers } from './fake-api';

const alice = token('alice');
const bob = token('bob');
const demoModule = module('demo', [alice, bob], { origin: 'demo', label: 'Demo tokens (SoftHSM2)' });
const twoTokens = snapshot([demoModule], { created: true, pin: '123456' });
const PIN = 'pin-9f3b27c1';

function setup(handlers: Handlers = {}) {
  const fake = createFakeApi({ 'tokens.list': () => ok(twoTokens), 'keys.list': () => ok([]), ...handlers });
  setApiForTests(fake.api);
  const store = createTokensStore();
  return { fake, store, state: () => store.getState() };
}

async function started(handlers: Handlers = {}) {
  const env = setup(handlers);
  env.state().start();
  await settle();
  return env;
}

afterEach(() => {
  setApiForTests(undefined);
  vi.restoreAllMocks();
});

describe('loading the token list', () => {
  it('shows the core snapshot once tokens.list answers, with a busy flag meanwhile', async () => {
    const answer = deferred<Result<CallOutput<'tokens.list'>>>();
    const { state } = setup({ 'tokens.list': () => answer.promise });
    state().start();
    expect(state().busy[op.load]).toBe('Looking for tokens…');
    answer.resolve(ok(twoTokens));
    await settle();
    expect(state().snapshot).toEqual(twoTokens);
    expect(state().busy[op.load]).toBeUndefined();
  });

  it('replaces the snapshot whenever the core says tokens.changed', async () => {
    const { fake, state } = await started();
    const onlyBob = snapshot([module('demo', [bob], { origin: 'demo' })], { created: true, pin: '123456' });
    fake.emit('tokens.changed', onlyBob);
    expect(state().snapshot).toEqual(onlyBob);
  });

  it('keeps a tokens.changed that arrives before a slower tokens.list answer', async () => {
    const answer = deferred<Result<CallOutput<'tokens.list'>>>();
    const { fake, state } = setup({ 'tokens.list': () => answer.promise });
    state().start();
    const newer = snapshot([module('yubikey', [token('ci-release')])]);
    fake.emit('tokens.changed', newer);
    answer.resolve(ok(twoTokens));
    await settle();
    expect(state().snapshot).toEqual(newer);
  });

  it('stops listening when the screen goes away', async () => {
    const { fake, state } = setup();
    const stop = state().start();
    expect(fake.listeners('tokens.changed')).toBe(1);
    stop();
    expect(fake.listeners('tokens.changed')).toBe(0);
  });

  it('shows why the list could not be loaded', async () => {
    const { state } = await started({ 'tokens.list': () => fail({ code: 'internal', message: 'The connection to Conclave was lost.' }) });
    expect(state().errors[op.load]?.message).toBe('The connection to Conclave was lost.');
    expect(state().snapshot).toBeUndefined();
  });

  it('explains when no API can be reached instead of crashing', () => {
    setApiForTests({
      call: () => Promise.reject(new Error('unused')),
      on: () => {
        throw new Error('This page must be opened by Conclave.');
      },
    });
    const store = createTokensStore();
    const stop = store.getState().start();
    expect(store.getState().errors[op.load]?.message).toBe('This page must be opened by Conclave.');
    expect(() => stop()).not.toThrow();
  });
});

describe('keys of a token', () => {
  it('loads keys with keys.list when the token is expanded', async () => {
    const { fake, state } = await started({ 'keys.list': () => ok([key('release-signing')]) });
    state().toggleKeys(alice.uri);
    expect(state().expanded[alice.uri]).toBe(true);
    expect(tokenBusyTexts(state().busy, alice.uri)).toEqual(['Loading keys on alice…']);
    await settle();
    expect(fake.callsOf('keys.list')).toEqual([{ tokenUri: alice.uri }]);
    expect(state().keys[alice.uri]?.map((k) => k.label)).toEqual(['release-signing']);
    expect(tokenBusyTexts(state().busy, alice.uri)).toEqual([]);
  });

  it('reloads the keys of expanded tokens when the snapshot changes, and forgets tokens that left', async () => {
    let listed = [key('old')];
    const { fake, state } = await started({ 'keys.list': () => ok(listed) });
    state().toggleKeys(alice.uri);
    state().toggleKeys(bob.uri);
    await settle();
    listed = [key('old'), key('new', { uri: 'pkcs11:object=new' })];
    fake.emit('tokens.changed', snapshot([module('demo', [alice], { origin: 'demo' })]));
    await settle();
    expect(state().keys[alice.uri]?.map((k) => k.label)).toEqual(['old', 'new']);
    expect(state().keys[bob.uri]).toBeUndefined();
    expect(state().expanded[bob.uri]).toBeUndefined();
  });

  it('still says the private key is on the token after a login, when a later listing cannot see it', async () => {
    const listed = key('release-signing', { hasPrivateKey: null });
    const { fake, state } = await started({
      'keys.list': () => ok([listed, key('other', { uri: 'pkcs11:object=other', hasPrivateKey: null })]),
      'tokens.login': () => ok({ keys: [{ ...listed, hasPrivateKey: true }] }),
    });
    await state().login(alice.uri, PIN);
    fake.emit('tokens.changed', twoTokens);
    await settle();
    expect(state().keys[alice.uri]?.map((k) => [k.label, k.hasPrivateKey])).toEqual([
      ['release-signing', true],
      ['other', null],
    ]);
  });

  it('shows a keys.list failure on that token only', async () => {
    const { state } = await started({
      'keys.list': ({ tokenUri }) => (tokenUri === alice.uri ? fail({ code: 'token-removed', message: 'alice was removed.' }) : ok([])),
    });
    state().toggleKeys(alice.uri);
    state().toggleKeys(bob.uri);
    await settle();
    expect(tokenErrors(state().errors, state().dialog, alice.uri).map((e) => e.error.message)).toEqual(['alice was removed.']);
    expect(tokenErrors(state().errors, state().dialog, bob.uri)).toEqual([]);
  });
});

describe('logging in', () => {
  it('sends the PIN to tokens.login and shows the keys it returns, then closes the dialog', async () => {
    const { fake, state } = await started({ 'tokens.login': () => ok({ keys: [key('release-signing', { hasPrivateKey: true })] }) });
    state().openLogin(alice.uri);
    expect(state().dialog).toEqual({ kind: 'login', tokenUri: alice.uri, tokenLabel: 'alice' });
    await expect(state().login(alice.uri, PIN)).resolves.toBe(true);
    // As bytes, which the window overwrites once the core answered (issue 12).
    expect(fake.callsOf('tokens.login')).toEqual([{ tokenUri: alice.uri, pin: pinBytes(PIN) }]);
    expect(fake.given.find((call) => call.name === 'tokens.login')?.input).toEqual({ tokenUri: alice.uri, pin: new Uint8Array(PIN.length) });
    expect(state().keys[alice.uri]?.map((k) => k.label)).toEqual(['release-signing']);
    expect(state().expanded[alice.uri]).toBe(true);
    expect(state().dialog).toBeUndefined();
    expect(state().pinAccepted[alice.uri]).toBe(true);
  });

  it('forgets an accepted PIN when the token leaves, and never marks one the token refused', async () => {
    let answer: Result<CallOutput<'tokens.login'>> = fail({ code: 'pin-incorrect', message: 'The PIN for token "bob" is wrong.' });
    const { fake, state } = await started({ 'tokens.login': () => answer });
    await state().login(bob.uri, PIN);
    expect(state().pinAccepted[bob.uri]).toBeUndefined();
    answer = ok({ keys: [] });
    await state().login(alice.uri, PIN);
    expect(state().pinAccepted[alice.uri]).toBe(true);
    fake.emit('tokens.changed', snapshot([module('demo', [bob], { origin: 'demo' })]));
    await settle();
    expect(state().pinAccepted[alice.uri]).toBeUndefined();
  });

  it('logs in to a PIN-pad token without a PIN: the token asks for it itself', async () => {
    const { fake, state } = await started({ 'tokens.login': () => ok({ keys: [] }) });
    await expect(state().login(alice.uri, null)).resolves.toBe(true);
    expect(fake.callsOf('tokens.login')).toEqual([{ tokenUri: alice.uri, pin: null }]);
  });

  it('never puts the PIN in the store or the console, during the call or after it', async () => {
    const logged = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) => vi.spyOn(console, level).mockImplementation(() => undefined));
    const answer = deferred<Result<CallOutput<'tokens.login'>>>();
    const { store, state } = await started({ 'tokens.login': () => answer.promise });
    const seen: string[] = [];
    store.subscribe((s) => seen.push(JSON.stringify(s)));
    state().openLogin(alice.uri);
    const done = state().login(alice.uri, PIN);
    seen.push(JSON.stringify(state()));
    answer.resolve(fail({ code: 'pin-incorrect', message: 'The PIN is incorrect.', details: { triesLeft: 'low' } }));
    await done;
    await expect(state().login(alice.uri, '')).resolves.toBe(false);
    seen.push(JSON.stringify(state()));
    expect(seen.length).toBeGreaterThan(2);
    for (const text of seen) expect(text).not.toContain(PIN);
    for (const spy of logged) for (const args of spy.mock.calls) expect(JSON.stringify(args)).not.toContain(PIN);
  });

  it('keeps the dialog open and shows the token’s message on a wrong PIN', async () => {
    const wrong = { code: 'pin-incorrect', message: 'The PIN is incorrect.', details: { triesLeft: 'final' } } as const;
    const { state } = await started({ 'tokens.login': () => fail(wrong) });
    state().openLogin(alice.uri);
    await expect(state().login(alice.uri, PIN)).resolves.toBe(false);
    expect(state().dialog).toEqual({ kind: 'login', tokenUri: alice.uri, tokenLabel: 'alice' });
    expect(state().errors[op.login(alice.uri)]).toEqual(wrong);
    // While the dialog is open it shows the error itself, not the card behind it.
    expect(tokenErrors(state().errors, state().dialog, alice.uri)).toEqual([]);
    state().closeDialog();
    expect(tokenErrors(state().errors, state().dialog, alice.uri).map((e) => e.error)).toEqual([wrong]);
  });

  it('asks for the PIN without calling the token when it is empty', async () => {
    const { fake, state } = await started();
    await expect(state().login(alice.uri, '')).resolves.toBe(false);
    expect(fake.callsOf('tokens.login')).toEqual([]);
    expect(state().errors[op.login(alice.uri)]?.message).toBe('Enter the PIN.');
  });

  it('clears an old error when the dialog is opened again', async () => {
    const { state } = await started({ 'tokens.login': () => fail({ code: 'pin-incorrect', message: 'The PIN is incorrect.' }) });
    await state().login(alice.uri, PIN);
    state().openLogin(alice.uri);
    expect(state().errors[op.login(alice.uri)]).toBeUndefined();
  });
});

describe('generating a key', () => {
  const request = { tokenUri: alice.uri, label: 'release-2025', algorithm: 'rsa-3072', pin: PIN } as const;

  it('shows "Generating key on alice…" while the token works, then the new key in the list', async () => {
    const answer = deferred<Result<CallOutput<'keys.generate'>>>();
    const made = key('release-2025', { uri: 'pkcs11:object=release-2025', type: { kind: 'rsa', bits: 3072 } });
    const { fake, store, state } = await started({ 'keys.list': () => ok([key('release-signing')]), 'keys.generate': () => answer.promise });
    state().toggleKeys(alice.uri);
    await settle();
    state().openGenerate(alice.uri);
    const done = state().generateKey(request);
    // Busy once the request is checked (with the contract's schemas, loaded beside the first screen), before the token works.
    await vi.waitFor(() => expect(tokenBusyTexts(state().busy, alice.uri)).toEqual(['Generating key on alice…']));
    expect(tokenBusyTexts(state().busy, bob.uri)).toEqual([]);
    expect(JSON.stringify(store.getState())).not.toContain(PIN);
    answer.resolve(ok(made));
    await expect(done).resolves.toBe(true);
    expect(fake.callsOf('keys.generate')).toEqual([{ ...request, pin: pinBytes(PIN) }]);
    expect(state().keys[alice.uri]?.map((k) => k.label)).toEqual(['release-signing', 'release-2025']);
    expect(state().busy[op.generate(alice.uri)]).toBeUndefined();
    expect(state().dialog).toBeUndefined();
  });

  it('shows an error from generate on that token, not on the others', async () => {
    const refused = { code: 'mechanism-unsupported', message: 'alice cannot make RSA 3072 keys. Choose ECDSA P-256.' } as const;
    const { state } = await started({ 'keys.generate': () => fail(refused) });
    state().openGenerate(alice.uri);
    await expect(state().generateKey(request)).resolves.toBe(false);
    expect(state().dialog?.kind).toBe('generate');
    expect(state().errors[op.generate(alice.uri)]).toEqual(refused);
    state().closeDialog();
    expect(tokenErrors(state().errors, state().dialog, alice.uri).map((e) => e.error)).toEqual([refused]);
    expect(tokenErrors(state().errors, state().dialog, bob.uri)).toEqual([]);
  });

  it('checks the label before asking the token', async () => {
    const { fake, state } = await started();
    await expect(state().generateKey({ ...request, label: '  ' })).resolves.toBe(false);
    expect(fake.callsOf('keys.generate')).toEqual([]);
    expect(state().errors[op.generate(alice.uri)]?.message).toBe('Give the key a label.');
  });

  it('does not start a second generate on the same token while one runs', async () => {
    const answer = deferred<Result<CallOutput<'keys.generate'>>>();
    const { fake, state } = await started({ 'keys.generate': () => answer.promise });
    const first = state().generateKey(request);
    await expect(state().generateKey(request)).resolves.toBe(false);
    answer.resolve(ok(key('release-2025')));
    await first;
    expect(fake.callsOf('keys.generate')).toHaveLength(1);
  });

  it('keeps the new key when an older keys.list answers after it', async () => {
    const listing = deferred<Result<CallOutput<'keys.list'>>>();
    const { state } = await started({ 'keys.list': () => listing.promise, 'keys.generate': () => ok(key('release-2025')) });
    state().toggleKeys(alice.uri);
    await state().generateKey(request);
    listing.resolve(ok([]));
    await settle();
    expect(state().keys[alice.uri]?.map((k) => k.label)).toEqual(['release-2025']);
  });
});

describe('modules', () => {
  const confirmation = { token: 'c'.repeat(32), path: '/usr/lib/libykcs11.so', realPath: '/usr/lib/libykcs11.so.2.5.0', owner: 'root (uid 0)', permissions: '-rw-r--r-- (0644)' };

  it('in the desktop app, adds what the person picked in the system dialog the core opened (issue 12)', async () => {
    const added = module('added-1', [token('yubikey')], { origin: 'added', path: '/usr/lib/libykcs11.so' });
    const after = snapshot([demoModule, added]);
    const { fake, state } = await started({ 'modules.add': () => ok({ outcome: 'added' as const, tokens: after }) });
    const opening = state().openAddModule();
    expect(state().busy[op.addModule]).toBe('Choose the module’s file…');
    await opening;
    expect(fake.callsOf('modules.add')).toEqual([{}]);
    expect(state().snapshot).toEqual(after);
    expect(state().dialog).toBeUndefined();
  });

  it('in the desktop app, a cancelled dialog changes nothing, and a refusal is shown by the button', async () => {
    const answers = [ok({ outcome: 'cancelled' as const }), fail({ code: 'module-not-allowed', message: 'Conclave will not load this module: /tmp/x.so is writable by every user.' })];
    const { state } = await started({ 'modules.add': () => answers.shift()! });
    await state().openAddModule();
    expect(state().dialog).toBeUndefined();
    expect(state().errors[op.addModule]).toBeUndefined();
    await state().openAddModule();
    expect(state().dialog).toBeUndefined();
    expect(state().errors[op.addModule]?.code).toBe('module-not-allowed');
  });

  it('in the browser shell, asks for a path, shows what the core found there, and loads it only once confirmed', async () => {
    const added = module('added-1', [token('yubikey')], { origin: 'added', path: '/usr/lib/libykcs11.so' });
    const after = snapshot([demoModule, added]);
    const { fake, state } = await started({
      'modules.add': (input) => ok(input.path === undefined ? { outcome: 'path-needed' as const } : { outcome: 'confirm' as const, confirmation }),
      'modules.confirmAdd': () => ok(after),
    });
    await state().openAddModule();
    expect(state().dialog).toEqual({ kind: 'add-module' });
    await expect(state().addModule('  /usr/lib/libykcs11.so ')).resolves.toBe(true);
    expect(fake.callsOf('modules.add')).toEqual([{}, { path: '/usr/lib/libykcs11.so' }]);
    // Nothing loaded yet: the dialog shows what to confirm.
    expect(fake.callsOf('modules.confirmAdd')).toEqual([]);
    expect(state().dialog).toEqual({ kind: 'add-module', confirmation });
    await expect(state().confirmAddModule()).resolves.toBe(true);
    expect(fake.callsOf('modules.confirmAdd')).toEqual([{ token: confirmation.token }]);
    expect(state().snapshot).toEqual(after);
    expect(state().dialog).toBeUndefined();
  });

  it('shows why a module could not be loaded, back on the path form (a confirmation is good once)', async () => {
    const { state } = await started({
      'modules.add': (input) => ok(input.path === undefined ? { outcome: 'path-needed' as const } : { outcome: 'confirm' as const, confirmation }),
      'modules.confirmAdd': () => fail({ code: 'module-load-failed', message: '/tmp/x.so is not a PKCS#11 module.' }),
    });
    await state().openAddModule();
    await state().addModule('/tmp/x.so');
    await expect(state().confirmAddModule()).resolves.toBe(false);
    expect(state().errors[op.addModule]?.message).toBe('/tmp/x.so is not a PKCS#11 module.');
    expect(state().dialog).toEqual({ kind: 'add-module' });
  });

  it('asks for a path without calling the core when none is given', async () => {
    const { fake, state } = await started();
    await state().addModule('   ');
    expect(fake.callsOf('modules.add')).toEqual([]);
    expect(state().errors[op.addModule]?.message).toMatch(/path of a PKCS#11 module/);
  });

  it('removes an added module and shows a refusal on that module', async () => {
    const added = module('added-1', [], { origin: 'added', label: 'YubiKey PIV' });
    const { fake, state } = await started({
      'tokens.list': () => ok(snapshot([demoModule, added])),
      'modules.remove': () => fail({ code: 'forbidden', message: 'YubiKey PIV stays.' }),
    });
    const done = state().removeModule('added-1');
    expect(state().busy[op.removeModule('added-1')]).toBe('Removing YubiKey PIV…');
    await done;
    expect(fake.callsOf('modules.remove')).toEqual([{ moduleId: 'added-1' }]);
    expect(state().errors[op.removeModule('added-1')]?.message).toBe('YubiKey PIV stays.');
  });
});

describe('demo tokens', () => {
  it('creates demo tokens with demo.create and shows the snapshot it returns', async () => {
    const empty = snapshot([], { available: true, created: false });
    const { fake, state } = await started({ 'tokens.list': () => ok(empty), 'demo.create': () => ok(twoTokens) });
    const done = state().createDemo();
    expect(state().busy[op.createDemo]).toBe('Creating demo tokens alice, bob and carol…');
    await done;
    expect(fake.callsOf('demo.create')).toEqual([{}]);
    expect(state().snapshot?.demo).toEqual({ available: true, created: true, pin: '123456' });
  });

  it('shows why demo tokens could not be made', async () => {
    const { state } = await started({ 'demo.create': () => fail({ code: 'softhsm-missing', message: 'Install SoftHSM2.' }) });
    await state().createDemo();
    expect(state().errors[op.createDemo]?.message).toBe('Install SoftHSM2.');
  });
});

describe('the window store', () => {
  beforeEach(() => resetTokensStore());

  it('can be reset by tests, keeping its actions', async () => {
    const fake = createFakeApi({ 'tokens.list': () => ok(twoTokens) });
    setApiForTests(fake.api);
    await tokensStore.getState().load();
    expect(tokensStore.getState().snapshot).toEqual(twoTokens);
    resetTokensStore();
    expect(tokensStore.getState().snapshot).toBeUndefined();
    expect(typeof tokensStore.getState().load).toBe('function');
  });
});
