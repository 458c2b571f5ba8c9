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
  it('takes a remote as an SSH or HTTPS URL or a full path, not a path git would read from the store folder', () => {
    for (const url of ['git@example.org:team/ceremonies.git', 'https://example.org/team.git', '/srv/git/team.git']) expect(parseCallInput('repository.setRemote', { url }).input).toEqual({ url });
    for (const url of ['../shared.git', 'shared.git', './team.git']) expect(failureOf('repository.setRemote', { url }).message, url).toMatch(/full path/);
  });

  it('accepts a well-formed call and gives the handler parsed input', () => {
    const pin = new TextEncoder().encode('1234');
    const call = parseCallInput('keys.generate', { tokenUri: 'pkcs11:token=alice', label: ' release ', algorithm: 'ecdsa-p256', pin });
    expect(call.input).toEqual({ tokenUri: 'pkcs11:token=alice', label: 'release', algorithm: 'ecdsa-p256', pin });
    // The very bytes sent, not a copy: whoever holds them can overwrite them.
    expect((call.input as { pin: Uint8Array }).pin).toBe(pin);
  });

  it('takes a PIN only as bytes (issue 12): text, an empty PIN and one longer than any token takes are refused, without echoing it', () => {
    const text = failureOf('tokens.login', { tokenUri: 'pkcs11:token=a', pin: 'secret-pin-123' });
    expect(text.code).toBe('invalid-input');
    expect(text.message).toMatch(/bytes/);
    expect(text.message).not.toContain('secret-pin-123');
    expect(failureOf('tokens.login', { tokenUri: 'pkcs11:token=a', pin: new Uint8Array(0) }).message).toMatch(/Enter the PIN/);
    expect(failureOf('tokens.login', { tokenUri: 'pkcs11:token=a', pin: new Uint8Array(257).fill(0x78) }).message).toMatch(/too long/);
    expect(failureOf('tokens.login', { tokenUri: 'pkcs11:token=a', pin: [0x31, 0x32] }).code).toBe('invalid-input');
    expect(parseCallInput('tokens.login', { tokenUri: 'pkcs11:token=a', pin: null }).input).toEqual({ tokenUri: 'pkcs11:token=a', pin: null });
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
    const error = failureOf('tokens.login', { tokenUri: 'pkcs11:token=a', pin: new TextEncoder().encode('x'.repeat(300)) });
    expect(error.code).toBe('invalid-input');
    expect(error.message).not.toContain('xxxx');
    const wrongType = failureOf('keys.generate', { tokenUri: 'pkcs11:token=a', label: 'bad/label', algorithm: 'ecdsa-p256', pin: new TextEncoder().encode('secret-pin-123') });
    expect(wrongType.message).not.toContain('secret-pin-123');
    expect(wrongType.message).not.toMatch(/115,101,99/);
  });

  it('drops pushed events that do not match their schema', () => {
    expect(parseEventPayload('tokens.changed', { modules: 'nope' })).toBeUndefined();
    expect(parseEventPayload('made.up', {})).toBeUndefined();
    expect(parseEventPayload('tokens.changed', { modules: [], demo: { available: false, created: false } })?.name).toBe('tokens.changed');
  });
});
