import { describe, expect, it } from 'vitest';
import { pae } from './pae';
import { EnvelopeError, makeEnvelope, parseEnvelope, parseEnvelopeText } from './envelope';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('DSSE', () => {
  it('encodes PAE as the DSSE specification shows it', () => {
    // The worked example from the DSSE protocol document.
    expect(text(pae('http://example.com/HelloWorld', new TextEncoder().encode('hello world')))).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });

  it('counts bytes, not characters', () => {
    expect(text(pae('t', new TextEncoder().encode('é')))).toBe('DSSEv1 1 t 2 é');
  });

  it('round-trips an envelope with several signatures', () => {
    const envelope = makeEnvelope('application/vnd.in-toto+json', new TextEncoder().encode('{}'), [
      { keyid: 'aa', signature: Uint8Array.of(1, 2, 3) },
      { keyid: 'bb', signature: Uint8Array.of(4) },
    ]);
    expect(envelope).toEqual({ payloadType: 'application/vnd.in-toto+json', payload: 'e30=', signatures: [{ keyid: 'aa', sig: 'AQID' }, { keyid: 'bb', sig: 'BA==' }] });
    expect(parseEnvelope(JSON.parse(JSON.stringify(envelope)))).toEqual(envelope);
  });

  it.each([
    ['not JSON', '{', 'envelope-not-json'],
    ['an array', '[]', 'envelope-malformed'],
    ['no payloadType', '{"payload":"e30=","signatures":[{"sig":"AQ=="}]}', 'envelope-malformed'],
    ['URL-safe base64 payload', '{"payloadType":"t","payload":"e30-","signatures":[{"sig":"AQ=="}]}', 'envelope-bad-base64'],
    ['truncated signature', '{"payloadType":"t","payload":"e30=","signatures":[{"sig":"AQ="}]}', 'envelope-bad-base64'],
    ['no signatures', '{"payloadType":"t","payload":"e30=","signatures":[]}', 'envelope-no-signatures'],
    ['a signature without sig', '{"payloadType":"t","payload":"e30=","signatures":[{"keyid":"a"}]}', 'envelope-malformed'],
  ])('refuses %s with its own code', (_what, input, code) => {
    try {
      parseEnvelopeText(input);
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(EnvelopeError);
      expect((error as EnvelopeError).code).toBe(code);
    }
  });
});
