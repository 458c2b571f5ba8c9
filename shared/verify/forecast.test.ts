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
    expect(of(forecast, 'notation')).toMatchObject({ verdict: 'not-published', line: 'notation verify: not published: Conclave does not write Notary Project signatures yet' });
  });

  it('passes on what conclave verify found when it refuses', () => {
    const forecast = forecastVerifiers(input({ conclave: { ok: false, approvedBy: ['alice'], threshold: 2, failures: ['threshold not met'] } }));
    expect(of(forecast, 'conclave')).toMatchObject({ verdict: 'refuses', reasons: ['threshold not met'] });
    expect(forecast.allAccept).toBe(false);
  });

  it('refuses a P-384 approver in cosign, and Kyverno then counts one of two', () => {
    const forecast = forecastVerifiers(input({ signers: [signer('alice', p256), signer('bob', p384)] }));
    expect(of(forecast, 'cosign', 'alice').verdict).toBe('accepts');
    expect(of(forecast, 'cosign', 'bob')).toMatchObject({ verdict: 'refuses', reasons: [expect.stringContaining('SHA-384')] });
    expect(of(forecast, 'kyverno')).toMatchObject({ verdict: 'refuses', line: 'Kyverno: refuses (1 of 2 required attestors, VSA by rita)' });
    expect(of(forecast, 'kyverno').reasons.join('\n')).toContain("bob's key does not count");
    expect(forecast.allAccept).toBe(false);
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

  it('does not count an invalid signature, and says Kyverno does not apply without an image', () => {
    const forecast = forecastVerifiers(input({ signers: [signer('alice', p256, { valid: false }), signer('bob', p256)], images: 0 }));
    expect(of(forecast, 'cosign', 'alice').verdict).toBe('refuses');
    expect(of(forecast, 'kyverno').verdict).toBe('not-applicable');
    expect(formatForecast(forecast)).toContain('Kyverno: not applicable');
  });
});
