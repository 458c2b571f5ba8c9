import { describe, expect, it } from 'vitest';
import { parseCallInput, parseEventPayload } from './validate';
import { ConclaveError } from '../errors';

const failureOf = (name: unknown, input: unknown) => {
  try {
    parseCallInput(name, input);
  } catch (error) {
    return error as ConclaveError;
  }
  throw new Error('accepted');
};

describe('the API contract', () => {
  it('accepts a well-formed call and gives the handler parsed input', () => {
    const call = parseCallInput('keys.generate', { tokenUri: 'pkcs11:token=alice', label: ' release ', algorithm: 'ecdsa-p256', pin: '1234' });
    expect(call.input).toEqual({ tokenUri: 'pkcs11:token=alice', label: 'release', algorithm: 'ecdsa-p256', pin: '1234' });
  });

  it('refuses calls it does not know, including prototype names', () => {
    expect(failureOf('shell.exec', {}).code).toBe('unknown-call');
    expect(failureOf('constructor', {}).code).toBe('unknown-call');
    expect(failureOf('__proto__', {}).code).toBe('unknown-call');
  });

  it('refuses wrong types, unknown fields and unknown algorithms', () => {
    expect(failureOf('keys.list', { tokenUri: 42 }).code).toBe('invalid-input');
    expect(failureOf('keys.list', { tokenUri: 'pkcs11:token=a', extra: true }).code).toBe('invalid-input');
    expect(failureOf('keys.list', { tokenUri: 'file:///etc/passwd' }).code).toBe('invalid-input');
    expect(failureOf('keys.generate', { tokenUri: 'pkcs11:token=a', label: 'k', algorithm: 'dsa-1024', pin: '1' }).code).toBe('invalid-input');
    expect(failureOf('tokens.list', null).code).toBe('invalid-input');
  });

  it('never echoes a PIN back in a validation message', () => {
    const error = failureOf('tokens.login', { tokenUri: 'pkcs11:token=a', pin: 'x'.repeat(300) });
    expect(error.code).toBe('invalid-input');
    expect(error.message).not.toContain('xxxx');
    const wrongType = failureOf('keys.generate', { tokenUri: 'pkcs11:token=a', label: 'bad/label', algorithm: 'ecdsa-p256', pin: 'secret-pin-123' });
    expect(wrongType.message).not.toContain('secret-pin-123');
  });

  it('drops pushed events that do not match their schema', () => {
    expect(parseEventPayload('tokens.changed', { modules: 'nope' })).toBeUndefined();
    expect(parseEventPayload('made.up', {})).toBeUndefined();
    expect(parseEventPayload('tokens.changed', { modules: [], demo: { available: false, created: false } })?.name).toBe('tokens.changed');
  });
});
