/**
 * Pre-flight before a PIN in the window (issue 16): the key picked in the
 * sign dialog is checked at once and again when a token comes, goes or
 * changes; only the newest answer about the key picked now is shown.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setApiForTests } from '../../renderer/src/api';
import { blockingChecks, createSigningPreflightStore, noSigningPreflight, pinAskable, type SigningPreflightAnswer } from '../../renderer/src/features/ceremony/signing-preflight';
import type { CallInput } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { ceremonyId, signingKey } from './ceremony-fixtures';
import { createFakeApi, deferred, ok, settle, token, type Handlers } from './fake-api';

const alice = signingKey('alice').keyUri;
const bob = signingKey('bob').keyUri;

const readyAnswer = (label: string): SigningPreflightAnswer => ({
  ready: true,
  checks: [
    { check: 'token', level: 'ok', message: `Token "${label}" is attached.` },
    { check: 'key', level: 'ok', message: `This is ${label}'s key in the policy.` },
  ],
  tokenLabel: label,
  approverId: label,
  pinStatus: 'ok',
});
const missing = (label: string): SigningPreflightAnswer => ({
  ready: false,
  checks: [{ check: 'token', level: 'block', message: `Token "${label}" is not attached. Plug it in, or choose a key on a token that is; no PIN was asked for.` }],
});

function setup(handlers: Handlers) {
  const fake = createFakeApi(handlers);
  setApiForTests(fake.api);
  const store = createSigningPreflightStore();
  return { fake, store, state: () => store.getState() };
}

afterEach(() => setApiForTests(undefined));

describe('the pre-flight of the key picked', () => {
  it('checks the key picked for this ceremony, with no PIN, and asks for the PIN only when nothing stops the signature', async () => {
    const { fake, state } = setup({ 'preflight.signing': (input) => ok(input.keyUri === alice ? readyAnswer('alice') : missing('bob')) });
    const stop = state().follow(ceremonyId, alice);
    expect(state().preflight).toMatchObject({ keyUri: alice, checking: true });
    expect(pinAskable(state().preflight)).toBe(false);
    await settle();
    expect(fake.callsOf('preflight.signing')).toEqual([{ id: ceremonyId, keyUri: alice }]);
    expect(pinAskable(state().preflight)).toBe(true);
    expect(blockingChecks(state().preflight)).toEqual([]);
    stop();

    state().follow(ceremonyId, bob);
    await settle();
    expect(pinAskable(state().preflight)).toBe(false);
    expect(blockingChecks(state().preflight).map((check) => check.message)).toEqual(['Token "bob" is not attached. Plug it in, or choose a key on a token that is; no PIN was asked for.']);
  });

  it('checks again when a token goes, keeping the last answer meanwhile, but not while a signature is under way', async () => {
    let attached = true;
    const { fake, state } = setup({ 'preflight.signing': () => ok(attached ? readyAnswer('alice') : missing('alice')) });
    state().follow(ceremonyId, alice);
    await settle();
    attached = false;
    fake.emit('token.removed', token('alice'));
    // The field does not flicker while the token is looked at again.
    expect(state().preflight.checking).toBe(true);
    expect(pinAskable(state().preflight)).toBe(true);
    await settle();
    expect(pinAskable(state().preflight)).toBe(false);
    expect(blockingChecks(state().preflight)[0]?.check).toBe('token');

    state().setPaused(true);
    attached = true;
    fake.emit('token.inserted', token('alice'));
    await settle();
    expect(fake.callsOf('preflight.signing')).toHaveLength(2);
    // The signature ended: the key is checked again at once, without waiting for the token to say anything.
    state().setPaused(false);
    await settle();
    expect(fake.callsOf('preflight.signing')).toHaveLength(3);
    expect(pinAskable(state().preflight)).toBe(true);
  });

  it('checks again once a refused signature ended, so the tries left are said before the next PIN', async () => {
    let triesLeft = 3;
    const answer = () => {
      const ready = readyAnswer('alice');
      return ok({ ...ready, checks: [...ready.checks, ...(triesLeft < 3 ? [{ check: 'pin' as const, level: 'warn' as const, message: `${triesLeft} PIN tries left` }] : [])] });
    };
    const { state } = setup({ 'preflight.signing': answer });
    state().follow(ceremonyId, alice);
    await settle();
    state().setPaused(true);
    triesLeft = 2; // the token refused the PIN while the signature was under way, and said nothing
    state().setPaused(false);
    await settle();
    expect(state().preflight.answer?.checks.map((check) => check.message)).toContain('2 PIN tries left');
  });

  it('drops a late answer about a key no longer picked, and stops listening once the dialog closes', async () => {
    const late = deferred<Result<SigningPreflightAnswer>>();
    const { fake, state } = setup({ 'preflight.signing': (input: CallInput<'preflight.signing'>) => (input.keyUri === alice ? late.promise : ok(readyAnswer('bob'))) });
    const stopAlice = state().follow(ceremonyId, alice);
    stopAlice();
    const stopBob = state().follow(ceremonyId, bob);
    await settle();
    late.resolve(ok(missing('alice')));
    await settle();
    expect(state().preflight).toMatchObject({ keyUri: bob, answer: { ready: true, tokenLabel: 'bob' } });
    stopBob();
    expect(state().preflight).toEqual(noSigningPreflight);
    for (const name of ['token.inserted', 'token.removed', 'tokens.changed'] as const) expect(fake.listeners(name)).toBe(0);
  });

  it('leaves signing to say what is wrong when the key could not be checked', async () => {
    const { state } = setup({ 'preflight.signing': () => ({ ok: false, error: { code: 'internal', message: 'The ceremony could not be read.' } }) });
    state().follow(ceremonyId, alice);
    await settle();
    expect(state().preflight.error?.message).toBe('The ceremony could not be read.');
    expect(pinAskable(state().preflight)).toBe(true);
    expect(blockingChecks(state().preflight)).toEqual([]);
  });
});
