/**
 * How the Tokens screen words what issue 13 added: a number of PIN tries where
 * the token says one, and the YubiKey's PIV slots in the key dialog.
 */
import { describe, expect, it } from 'vitest';
import { pivSlotLabel, tokenFlags } from '../../renderer/src/features/tokens/format';
import { token } from '../renderer/fake-api';

describe('the PIN flag on a token card', () => {
  it('says the number of tries where the token says one (a YubiKey), and "few" where it does not', () => {
    expect(tokenFlags(token('YubiKey PIV #1', { loginRequired: false, pinStatus: 'count-low', pinTriesLeft: 2 }))).toEqual([{ text: 'PIN: 2 tries left', tone: 'warning' }]);
    expect(tokenFlags(token('alice', { loginRequired: false, pinStatus: 'count-low' }))).toEqual([{ text: 'PIN: few tries left', tone: 'warning' }]);
  });
});

describe('PIV slots in the key dialog', () => {
  it('names each slot as ykcs11 names its key, with when the YubiKey asks for the PIN', () => {
    expect(pivSlotLabel('9c')).toBe('9c: Digital Signature (PIN for every signature)');
    expect(pivSlotLabel('9e')).toBe('9e: Card Authentication (no PIN)');
  });
});
