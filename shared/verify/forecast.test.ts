import { describe, expect, it } from 'vitest';
import { forecastVerifiers, formatForecast, type ForecastInput, type ForecastSigner } from './forecast';

const p256 = { kind: 'ecdsa', curve: 'P-256', bits: 256 } as const;
const p384 = { kind: 'ecdsa', curve: 'P-384', bits: 384 } as const;
const rsa = { kind: 'rsa', bits: 3072 } as const;
const signer = (approverId: string, keyType: ForecastSigner['keyType'], extra: Partial<ForecastSigner> = {}): ForecastSigner => ({ approverId, keyId: `${approverId}-key`, keyType, byCertificate: false, valid: true, ...extra });
const input = (overrides: Partial<ForecastInput> = {}): ForecastInput => ({
  conclave: { ok: true, approvedBy: ['alice', 'bob'], threshold: 2, failures: [] },
  signers: [signer('alice', p256), signer('bob', { kind: 'ed25519', bits: 256 })],
  publishers: [{ id: 'rita', keyType: p256 }],
  publisherKnown: true,
  threshold: 2,
  images: 1,
  ...overrides,
});
const of = (forecast: ReturnType<typeof forecastVerifiers>, verifier: string, approverId?: string) => forecast.verifiers.find((entry) => entry.verifier === verifier && (approverId === undefined || entry.approverId === approverId))!;

describe('forecastVerifiers', () => {
  it('says every verifier accepts a 2-of-2 release signed with P-256 and Ed25519', () => {
    const forecast = forecastVerifiers(input());
    expect(forecast.allAccept).toBe(true);
    expect(of(forecast, 'conclave').line).toBe('conclave verify: accepts (approved by alice, bob; 2 required)');
    expect(of(forecast, 'cosign', 'alice').verdict).toBe('accepts');
    expect(of(forecast, 'cosign', 'bob').verdict).toBe('accepts');
    expect(of(forecast, 'kyverno').line).toBe('Kyverno: admits (2 of 2 required attestors, VSA by rita)');
    expect(of(forecast, 'notation')).toMatchObject({ verdict: 'not-published', line: 'notation verify: no Notary signature (no approver is identified by certificate)' });
    expect(of(forecast, 'notation').reasons).toEqual(['alice, bob are identified by key: a Notary Project signature needs a certificate chain, so their approvals make none']);
  });

  it('passes on what conclave verify found when it refuses', () => {
    const forecast = forecastVerifiers(input({ conclave: { ok: false, approvedBy: ['alice'], threshold: 2, failures: ['threshold not met'] } }));
    expect(of(forecast, 'conclave')).toMatchObject({ verdict: 'refuses', reasons: ['threshold not met'] });
    expect(forecast.allAccept).toBe(false);
  });

  it('refuses a P-384 approver in cosign, and Kyverno then counts one of two', () => {
    const forecast = forecastVerifiers(input({ signers: [signer('alice', p256), signer('bob', p384)] }));
    expect(of(forecast, 'cosign', 'alice').verdict).toBe('accepts');
    // What refuses a P-384 approver and why, with the one cosign setting that helps (docs/verify.md gives the source lines).
    expect(of(forecast, 'cosign', 'bob')).toMatchObject({
      verdict: 'refuses',
      reasons: [
        'ECDSA P-384 signs with SHA-384; cosign checks ECDSA keys with SHA-256',
        'cosign accepts it when given --signature-digest-algorithm sha384',
        "sigstore-js (@sigstore/verify) refuses bob's bundle with key or certificate: it checks ECDSA signatures with SHA-256 whatever the curve",
      ],
    });
    expect(of(forecast, 'kyverno')).toMatchObject({ verdict: 'refuses', line: 'Kyverno: refuses (1 of 2 required attestors, VSA by rita)' });
    expect(of(forecast, 'kyverno').reasons).toEqual([
      "bob's key does not count: ECDSA P-384 signs with SHA-384; cosign checks ECDSA keys with SHA-256",
      "no Kyverno setting makes bob's key count: a key attestor's signatureAlgorithm is sha256 or sha512",
    ]);
    expect(forecast.allAccept).toBe(false);
  });

  it("accepts a P-384 certificate approver in cosign (sigstore-go loads a certificate's key with the curve's hash), noting sigstore-js refuses", () => {
    const forecast = forecastVerifiers(input({ signers: [signer('alice', p256), signer('bob', p384, { byCertificate: true })] }));
    expect(of(forecast, 'cosign', 'bob')).toMatchObject({
      verdict: 'accepts',
      line: 'cosign verify-attestation (bob, ECDSA P-384): accepts with the CA as trust root',
      reasons: [
        "bob is identified by certificate: give cosign the CA's certificate chain as trust root, not --key",
        "sigstore-js (@sigstore/verify) refuses bob's bundle with key or certificate: it checks ECDSA signatures with SHA-256 whatever the curve",
      ],
    });
  });

  it('says a P-521 key entry counts in Kyverno with signatureAlgorithm: sha512', () => {
    const forecast = forecastVerifiers(input({ signers: [signer('alice', p256), signer('bob', { kind: 'ecdsa', curve: 'P-521', bits: 521 })] }));
    expect(of(forecast, 'cosign', 'bob').reasons).toContain('cosign accepts it when given --signature-digest-algorithm sha512');
    expect(of(forecast, 'kyverno').reasons).toContain("bob's key entry counts with signatureAlgorithm: sha512");
  });

  it('refuses RSA-PSS in cosign and accepts RSA PKCS#1 v1.5', () => {
    const forecast = forecastVerifiers(input({ signers: [signer('alice', rsa, { rsaScheme: 'pkcs1-v1_5' }), signer('bob', rsa, { rsaScheme: 'pss' })] }));
    expect(of(forecast, 'cosign', 'alice').verdict).toBe('accepts');
    expect(of(forecast, 'cosign', 'bob')).toMatchObject({ verdict: 'refuses', reasons: [expect.stringContaining('PSS')] });
  });

  it('refuses in Kyverno when the publisher key cosign cannot check signs the VSA', () => {
    const forecast = forecastVerifiers(input({ publishers: [{ id: 'rita', keyType: p384 }] }));
    expect(of(forecast, 'kyverno')).toMatchObject({ verdict: 'refuses', line: 'Kyverno: refuses (2 of 2 required attestors, no VSA it verifies)' });
  });

  it('without a publishing key, names the publishers whose VSA would verify', () => {
    const forecast = forecastVerifiers(input({ publisherKnown: false, publishers: [{ id: 'rita', keyType: p384 }, { id: 'sam', keyType: p256 }] }));
    expect(of(forecast, 'kyverno').verdict).toBe('accepts');
    expect(of(forecast, 'kyverno').reasons).toContain('publish with the key of sam for the VSA to verify');
  });

  it('needs the CA as trust root for a certificate approver, whom the documented Kyverno policies do not count', () => {
    const forecast = forecastVerifiers(input({ signers: [signer('alice', p256), signer('bob', p256, { byCertificate: true })] }));
    expect(of(forecast, 'cosign', 'bob')).toMatchObject({ verdict: 'accepts', line: expect.stringContaining('CA as trust root') });
    expect(of(forecast, 'kyverno').verdict).toBe('refuses');
  });

  it('counts at most the required attestors, as Kyverno stops there', () => {
    const forecast = forecastVerifiers(input({ threshold: 1 }));
    expect(of(forecast, 'kyverno').line).toBe('Kyverno: admits (1 of 1 required attestors, VSA by rita)');
  });

  describe('notation (issue 14, point 5)', () => {
    const notationOf = (forecast: ReturnType<typeof forecastVerifiers>) => forecast.verifiers.filter((entry) => entry.verifier === 'notation');

    it('accepts per certificate approver who signed for notation, and counts them for a Kyverno Notary attestor', () => {
      const forecast = forecastVerifiers(input({ signers: [signer('alice', p256, { byCertificate: true, notary: { signed: true } }), signer('bob', p384, { byCertificate: true, notary: { signed: true } })] }));
      expect(notationOf(forecast).map((entry) => [entry.approverId, entry.verdict])).toEqual([
        ['alice', 'accepts'],
        ['bob', 'accepts'],
        [undefined, 'accepts'],
      ]);
      expect(notationOf(forecast)[0]!.line).toBe('notation verify (alice, ECDSA P-256): accepts');
      expect(notationOf(forecast)[2]!.line).toBe('notation verify: accepts (Notary signatures by alice, bob); Kyverno Notary attestor: 2 of 2 required');
    });

    it('says a key approver makes none, and a Kyverno Notary attestor with the threshold as count then refuses', () => {
      const forecast = forecastVerifiers(input({ signers: [signer('alice', p256, { byCertificate: true, notary: { signed: true } }), signer('bob', p256)] }));
      const summary = notationOf(forecast).at(-1)!;
      expect(summary.line).toBe('notation verify: accepts (Notary signatures by alice); Kyverno Notary attestor: 1 of 2 required');
      expect(summary.reasons).toEqual(['bob is identified by key: a Notary Project signature needs a certificate chain, so their approvals make none', 'a Kyverno Notary attestor with count 2 refuses: 1 certificate approver signed for notation']);
    });

    it('refuses a certificate chain notation refuses, and shows an approval without a Notary signature as not published', () => {
      const forecast = forecastVerifiers(
        input({
          signers: [
            signer('alice', p256, { byCertificate: true, notary: { signed: true, problem: 'notation refuses the certificate chain: it has the extended key usage emailProtection' } }),
            signer('bob', rsa, { byCertificate: true, notary: { signed: false, problem: 'no Notary signature can be made with this key' } }),
          ],
        }),
      );
      expect(notationOf(forecast).map((entry) => [entry.approverId, entry.verdict])).toEqual([
        ['alice', 'refuses'],
        ['bob', 'not-published'],
        [undefined, 'refuses'],
      ]);
      expect(notationOf(forecast)[0]!.reasons[0]).toContain('emailProtection');
      expect(forecast.allAccept).toBe(false);
    });

    it('does not apply to a release without an image', () => {
      const forecast = forecastVerifiers(input({ images: 0, signers: [signer('alice', p256, { byCertificate: true, notary: { signed: true } })] }));
      expect(notationOf(forecast)).toEqual([{ verifier: 'notation', verdict: 'not-applicable', line: 'notation verify: not applicable (the release has no OCI image)', reasons: [] }]);
    });
  });

  it('does not count an invalid signature, and says Kyverno does not apply without an image', () => {
    const forecast = forecastVerifiers(input({ signers: [signer('alice', p256, { valid: false }), signer('bob', p256)], images: 0 }));
    expect(of(forecast, 'cosign', 'alice').verdict).toBe('refuses');
    expect(of(forecast, 'kyverno').verdict).toBe('not-applicable');
    expect(formatForecast(forecast)).toContain('Kyverno: not applicable');
  });
});
