/** Ceremony summaries for renderer tests, shaped as the core sends them. */
import type { CeremonySummary } from '../../shared/api/contract';

const base32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A valid ceremony id (c-YYYYMMDD-xxxxxxxxxx) made from a number, so tests can make thousands. */
export function ceremonyId(n: number, day = '20250301'): string {
  let suffix = '';
  let rest = n;
  for (let i = 0; i < 10; i += 1) {
    suffix = base32[rest % 32] + suffix;
    rest = Math.floor(rest / 32);
  }
  return `c-${day}-${suffix}`;
}

export function summary(n: number, overrides: Partial<CeremonySummary> = {}): CeremonySummary {
  return {
    id: ceremonyId(n),
    state: 'frozen',
    release: { name: 'app', version: `1.${n}.0`, purl: `pkg:npm/app@1.${n}.0` },
    openedAt: new Date(Date.UTC(2025, 2, 1) + n * 60_000).toISOString(),
    expiresAt: new Date(Date.UTC(2025, 2, 8) + n * 60_000).toISOString(),
    openedBy: 'rm',
    policy: { digest: 'b'.repeat(64), description: 'any 2 of alice, bob, carol; at least 1 security', threshold: 2 },
    approvedBy: [],
    rejectedBy: [],
    tally: '0 of 2; security still needed',
    counted: 0,
    artifacts: [{ name: 'app.tgz', sha256: 'c'.repeat(64) }],
    waitingOnMe: false,
    problemCount: 0,
    actions: ['approve', 'reject', 'withdraw', 'cancel'],
    policyTrusted: true,
    ...overrides,
  };
}

export function summaries(count: number, overrides: (n: number) => Partial<CeremonySummary> = () => ({})): CeremonySummary[] {
  return Array.from({ length: count }, (_, n) => summary(n, overrides(n)));
}
