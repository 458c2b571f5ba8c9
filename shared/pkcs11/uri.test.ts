import { describe, expect, it } from 'vitest';
import { formatPkcs11Uri, parsePkcs11Uri, tokenPartOf, uriMatchesToken } from './uri';
import { ConclaveError } from '../errors';

const codeOf = (action: () => unknown) => {
  try {
    action();
  } catch (error) {
    return (error as ConclaveError).code;
  }
  return 'accepted';
};

describe('PKCS#11 URIs (RFC 7512)', () => {
  it('reads the examples cosign and p11-kit users write', () => {
    const uri = parsePkcs11Uri('pkcs11:token=alice;object=release-signing?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin');
    expect(uri).toEqual({ token: 'alice', object: 'release-signing', modulePath: '/usr/lib/softhsm/libsofthsm2.so', pinSource: 'file:/run/pin' });
  });

  it('decodes percent-encoded text and id bytes', () => {
    const uri = parsePkcs11Uri('pkcs11:token=Release%20Team%20%E2%9C%93;id=%01%A2%ff;type=private;slot-id=7');
    expect(uri.token).toBe('Release Team ✓');
    expect([...uri.id!]).toEqual([0x01, 0xa2, 0xff]);
    expect(uri.type).toBe('private');
    expect(uri.slotId).toBe(7);
  });

  it('writes what it reads, with ids always percent-encoded', () => {
    const text = formatPkcs11Uri({ token: 'a b;c', serial: '0123', object: 'key=1', id: Uint8Array.of(1, 0xab), modulePath: '/opt/lib/x.so' });
    expect(text).toBe('pkcs11:token=a%20b%3Bc;serial=0123;object=key=1;id=%01%AB?module-path=/opt/lib/x.so');
    expect(parsePkcs11Uri(text)).toEqual({ token: 'a b;c', serial: '0123', object: 'key=1', id: Uint8Array.of(1, 0xab), modulePath: '/opt/lib/x.so' });
  });

  it.each([
    ['not a pkcs11 URI', 'file:/x'],
    ['an attribute twice', 'pkcs11:token=a;token=b'],
    ['an unknown attribute', 'pkcs11:tokne=alice'],
    ['bad percent-encoding', 'pkcs11:token=%zz'],
    ['a type outside the RFC', 'pkcs11:type=secret'],
    ['a slot-id that is not a number', 'pkcs11:slot-id=one'],
    ['a pair without a value', 'pkcs11:token'],
  ])('refuses %s with a uri-invalid error', (_what, text) => {
    expect(codeOf(() => parsePkcs11Uri(text))).toBe('uri-invalid');
  });

  it('ignores vendor attributes (x-…) rather than refusing them', () => {
    expect(parsePkcs11Uri('pkcs11:token=a;x-vendor=1')).toEqual({ token: 'a' });
  });

  it('matches a token when every attribute given agrees', () => {
    const token = { label: 'alice', manufacturer: 'SoftHSM project', serial: '42', model: 'SoftHSM v2' };
    expect(uriMatchesToken(parsePkcs11Uri('pkcs11:token=alice'), token)).toBe(true);
    expect(uriMatchesToken(parsePkcs11Uri('pkcs11:token=alice;serial=42'), token)).toBe(true);
    expect(uriMatchesToken(parsePkcs11Uri('pkcs11:token=alice;serial=43'), token)).toBe(false);
    expect(uriMatchesToken(parsePkcs11Uri('pkcs11:token=bob'), token)).toBe(false);
  });

  it('drops the key and PIN parts to name the token alone', () => {
    const key = parsePkcs11Uri('pkcs11:token=alice;object=k;id=%01?module-path=/m.so&pin-source=/p');
    expect(tokenPartOf(key)).toEqual({ token: 'alice', modulePath: '/m.so' });
  });
});
