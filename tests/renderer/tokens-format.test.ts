import { describe, expect, it } from 'vitest';
import {
  algorithmOptions,
  defaultAlgorithm,
  describeKey,
  errorText,
  isSlowAlgorithm,
  keyName,
  pinStatusAdvice,
  privateKeyText,
  publicKeyFileName,
  shortenKeyId,
  tokenFlags,
  tokenName,
} from '../../renderer/src/features/tokens/format';
import { demoOffer, demoPinFor, findToken, hasAnyToken, modulesInOrder } from '../../renderer/src/features/tokens/selectors';
import { key, module, snapshot, token } from './fake-api';

describe('token flags', () => {
  it('says when a PIN or a PIN pad is needed', () => {
    expect(tokenFlags(token('alice', { loginRequired: true, protectedAuthenticationPath: true }))).toEqual([
      { text: 'PIN required', tone: 'info' },
      { text: 'PIN pad', tone: 'info' },
    ]);
    expect(tokenFlags(token('alice', { loginRequired: false }))).toEqual([]);
  });

  it('says the PIN was accepted once the token took it, instead of still asking for it', () => {
    expect(tokenFlags(token('alice', { loginRequired: true }), true)).toEqual([{ text: 'PIN accepted', tone: 'ok' }]);
    // A low count still shows next to it: an accepted PIN does not reset what the token says.
    expect(tokenFlags(token('alice', { loginRequired: true, pinStatus: 'count-low' }), true).map((flag) => flag.text)).toEqual(['PIN accepted', 'PIN: few tries left']);
  });

  it('warns about the PIN before it locks, and when it has', () => {
    const warnings = (status: 'count-low' | 'final-try' | 'locked') =>
      tokenFlags(token('alice', { loginRequired: false, pinStatus: status }));
    expect(warnings('count-low')).toEqual([{ text: 'PIN: few tries left', tone: 'warning' }]);
    expect(warnings('final-try')).toEqual([{ text: 'PIN: one try left', tone: 'danger' }]);
    expect(warnings('locked')).toEqual([{ text: 'PIN locked', tone: 'danger' }]);
    expect(pinStatusAdvice('final-try')).toMatch(/one try left/i);
    expect(pinStatusAdvice('ok')).toBeUndefined();
    // A YubiKey says how many: the number, not "a few" (issue 13).
    expect(pinStatusAdvice('count-low', 2)).toMatch(/2 tries are left before the PIN locks/);
    expect(pinStatusAdvice('count-low')).toMatch(/only a few tries/);
  });
});

describe('error text', () => {
  it('adds how many PIN tries are left when the token says few or one', () => {
    const wrong = { code: 'pin-incorrect', message: 'The PIN is incorrect. Check it and try again.' } as const;
    expect(errorText(wrong)).toBe('The PIN is incorrect. Check it and try again.');
    expect(errorText({ ...wrong, details: { triesLeft: 'several' } })).toBe(wrong.message);
    expect(errorText({ ...wrong, details: { triesLeft: 'low' } })).toBe(`${wrong.message} Only a few tries are left before the PIN locks.`);
    expect(errorText({ ...wrong, details: { triesLeft: 'final' } })).toBe(`${wrong.message} One try left: another wrong PIN locks the token.`);
    expect(errorText({ ...wrong, details: { triesLeft: 'low', triesLeftCount: 2 } })).toBe(`${wrong.message} Only 2 tries are left before the PIN locks.`);
  });

  it('does not repeat the tries left when the message already says so', () => {
    const message = 'The PIN is incorrect: one try left before alice locks.';
    expect(errorText({ code: 'pin-incorrect', message, details: { triesLeft: 'final' } })).toBe(message);
  });
});

describe('keys', () => {
  it('shortens a long key id to its two ends, and leaves short ones alone', () => {
    const keyId = '3f2a9c1b' + '0'.repeat(48) + '77d0e4a2';
    expect(shortenKeyId(keyId)).toBe('3f2a9c1b…77d0e4a2');
    expect(shortenKeyId('01ab')).toBe('01ab');
  });

  it('names the algorithm as people know it', () => {
    expect(describeKey(key('a'))).toBe('ECDSA P-256');
    expect(describeKey(key('a', { type: { kind: 'rsa', bits: 3072 } }))).toBe('RSA 3072');
    expect(describeKey(key('a', { type: { kind: 'ed25519', bits: 256 } }))).toBe('Ed25519');
  });

  it('saves the public key as <label>.pub.pem, with a safe name even for odd labels', () => {
    expect(publicKeyFileName(key('release-signing'))).toBe('release-signing.pub.pem');
    expect(publicKeyFileName(key('../../etc/passwd'))).toBe('etc-passwd.pub.pem');
    expect(publicKeyFileName(key('a/b:c*d'))).toBe('a-b-c-d.pub.pem');
    expect(publicKeyFileName(key('', { id: '0a1b' }))).toBe('key-0a1b.pub.pem');
  });

  it('says where the private key is, including when login hides it', () => {
    // Unknown before a login; never worded as if the private key itself would be shown.
    expect(privateKeyText(null)).toBe('Log in to check it is on the token');
    expect(privateKeyText(true)).toBe('On the token');
  });

  it('gives unlabelled tokens and keys a name to find them by', () => {
    expect(tokenName(token('alice'))).toBe('alice');
    expect(tokenName(token('  ', { serial: '123' }))).toBe('Unlabelled token 123');
    expect(keyName(key('', { id: '01' }))).toBe('Unlabelled key 01');
  });
});

describe('algorithm choice', () => {
  it('offers ECDSA P-256 first and by default, then P-384, RSA 3072 and Ed25519', () => {
    expect(algorithmOptions.map((option) => option.label)).toEqual(['ECDSA P-256', 'ECDSA P-384', 'RSA 3072', 'Ed25519']);
    expect(algorithmOptions[0]?.value).toBe(defaultAlgorithm);
    expect(defaultAlgorithm).toBe('ecdsa-p256');
  });

  it('warns that RSA takes a while, and only RSA', () => {
    expect(isSlowAlgorithm('rsa-3072')).toBe(true);
    expect(isSlowAlgorithm('ecdsa-p256')).toBe(false);
  });
});

describe('snapshot questions', () => {
  it('counts tokens across modules, so a failed module does not hide the others', () => {
    const failed = module('broken', [], { status: 'failed', error: { code: 'module-load-failed', message: 'Cannot load.' } });
    expect(hasAnyToken(snapshot([failed]))).toBe(false);
    expect(hasAnyToken(snapshot([failed, module('ok', [token('alice')])]))).toBe(true);
    expect(findToken(snapshot([failed, module('ok', [token('alice')])]), token('alice').uri)?.module.id).toBe('ok');
  });

  it("puts the person's tokens before empty vendor modules, and failed modules last", () => {
    const failed = module('ykcs11', [], { status: 'failed', error: { code: 'module-load-failed', message: 'Cannot load.' } });
    const empty = module('opensc', []);
    const demo = module('demo', [token('alice')], { origin: 'demo' });
    const other = module('softhsm', [token('bob')]);
    expect(modulesInOrder([failed, empty, demo, other]).map((m) => m.id)).toEqual(['demo', 'softhsm', 'opensc', 'ykcs11']);
  });

  it('offers demo tokens when SoftHSM2 is there, and says how to get it when not', () => {
    expect(demoOffer({ available: true, created: false })).toEqual({ kind: 'offer' });
    expect(demoOffer({ available: false, created: false, hint: 'Install softhsm2.' })).toEqual({ kind: 'unavailable', hint: 'Install softhsm2.' });
    expect(demoOffer({ available: true, created: true, pin: '123456' })).toEqual({ kind: 'created', pin: '123456' });
  });

  it('shows the demo PIN only next to the demo module, once the demo tokens exist', () => {
    const demo = { available: true, created: true, pin: '123456' };
    expect(demoPinFor({ origin: 'demo' }, demo)).toBe('123456');
    expect(demoPinFor({ origin: 'discovered' }, demo)).toBeUndefined();
    expect(demoPinFor({ origin: 'demo' }, { available: true, created: false })).toBeUndefined();
  });
});
