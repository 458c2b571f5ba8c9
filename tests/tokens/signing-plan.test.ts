/**
 * Signing picks what the token offers (issue 13): CKM_ECDSA with hashing here
 * or CKM_ECDSA_SHA256/384/512 on the token, RSASSA-PSS or PKCS#1 v1.5, and a
 * refusal that says what the token lacks rather than "does not support
 * signing".
 */
import { describe, expect, it } from 'vitest';
import { defaultRsaScheme, mechanisms, planSigning } from '../../electron/core/tokens/host/signing-plan';

const offering = (...list: number[]) => new Set(list);

describe('the signing plan follows the mechanisms a token offers', () => {
  it('ECDSA: the digest made here with CKM_ECDSA, else the token hashing with the curve\'s own hash', () => {
    expect(planSigning({ kind: 'ecdsa', hash: 'sha256' }, offering(mechanisms.ECDSA, mechanisms.ECDSA_SHA256), undefined, 'alice')).toMatchObject({ mechanism: mechanisms.ECDSA, input: { kind: 'digest', hash: 'sha256' }, output: 'ecdsa-der' });
    // A token that hashes itself only (some HSMs): CKM_ECDSA_SHA384 for a P-384 key, never SHA-256.
    expect(planSigning({ kind: 'ecdsa', hash: 'sha384' }, offering(mechanisms.ECDSA_SHA256, mechanisms.ECDSA_SHA384), undefined, 'alice')).toMatchObject({ mechanism: mechanisms.ECDSA_SHA384, input: { kind: 'message' }, scheme: 'ecdsa' });
    expect(() => planSigning({ kind: 'ecdsa', hash: 'sha384' }, offering(mechanisms.ECDSA_SHA256), undefined, 'alice')).toThrow(expect.objectContaining({ code: 'mechanism-unsupported', message: expect.stringMatching(/"alice" does not offer ECDSA signing .*CKM_ECDSA_SHA384/) }));
  });

  it('RSA: the default scheme where offered, the other where it is the only one, and an asked-for scheme or nothing', () => {
    const both = offering(mechanisms.RSA_PKCS, mechanisms.RSA_PKCS_PSS);
    expect(planSigning({ kind: 'rsa' }, both, undefined, 'alice').scheme).toBe(defaultRsaScheme);
    // Issue 14: PKCS#1 v1.5 with SHA-256 by default (what cosign --key and sigstore-go check), PSS when asked for.
    expect(defaultRsaScheme).toBe('rsa-pkcs1-sha256');
    expect(planSigning({ kind: 'rsa' }, both, 'rsa-pss-sha256', 'alice')).toMatchObject({ scheme: 'rsa-pss-sha256', mechanism: mechanisms.RSA_PKCS_PSS });
    // tpm2-pkcs11 1.9 offers no PSS: PKCS#1 v1.5, with the DigestInfo made here.
    expect(planSigning({ kind: 'rsa' }, offering(mechanisms.RSA_PKCS, mechanisms.SHA256_RSA_PKCS), undefined, 'tpm')).toMatchObject({ scheme: 'rsa-pkcs1-sha256', mechanism: mechanisms.RSA_PKCS, input: { kind: 'digest-info' } });
    // A token offering only the hashing PSS mechanism.
    expect(planSigning({ kind: 'rsa' }, offering(mechanisms.SHA256_RSA_PKCS_PSS), undefined, 'hsm')).toMatchObject({ scheme: 'rsa-pss-sha256', mechanism: mechanisms.SHA256_RSA_PKCS_PSS, input: { kind: 'message' }, pss: { saltLen: 32 } });
    expect(planSigning({ kind: 'rsa' }, offering(mechanisms.SHA256_RSA_PKCS), 'rsa-pkcs1-sha256', 'hsm')).toMatchObject({ mechanism: mechanisms.SHA256_RSA_PKCS, input: { kind: 'message' } });
    // Asked for one scheme: never the other in its place.
    expect(() => planSigning({ kind: 'rsa' }, offering(mechanisms.RSA_PKCS), 'rsa-pss-sha256', 'tpm')).toThrow(expect.objectContaining({ code: 'mechanism-unsupported', message: expect.stringMatching(/RSASSA-PSS/) }));
    expect(() => planSigning({ kind: 'rsa' }, offering(mechanisms.ECDSA), undefined, 'ec-only')).toThrow(expect.objectContaining({ code: 'mechanism-unsupported' }));
  });

  it('a token that does not list its mechanisms signs as most tokens do', () => {
    expect(planSigning({ kind: 'ecdsa', hash: 'sha256' }, undefined, undefined, 'alice').mechanism).toBe(mechanisms.ECDSA);
    expect(planSigning({ kind: 'rsa' }, undefined, undefined, 'alice')).toMatchObject({ scheme: defaultRsaScheme, mechanism: mechanisms.RSA_PKCS });
    expect(planSigning({ kind: 'ed25519' }, undefined, undefined, 'alice').mechanism).toBe(mechanisms.EDDSA);
  });

  it('Ed25519 needs CKM_EDDSA', () => {
    expect(() => planSigning({ kind: 'ed25519' }, offering(mechanisms.ECDSA), undefined, 'nss')).toThrow(expect.objectContaining({ code: 'mechanism-unsupported', message: expect.stringMatching(/CKM_EDDSA/) }));
  });
});
