/** Ceremony values for renderer tests, shaped as the core sends them. */
import type { CeremonyDetail, OperationProgress, PolicySummary, PublishResult, SigningKey } from '../../shared/api/contract';

export const ceremonyId = 'c-20250101-abcdefghij';
const hex = (c: string) => c.repeat(64);

export function policy(overrides: Partial<PolicySummary> = {}): PolicySummary {
  return { digest: hex('d'), name: 'demo', path: '/home/me/.conclave/policies/demo.json', description: 'any 2 of alice, bob, carol; at least 1 security', ...overrides };
}

export function detail(overrides: Partial<CeremonyDetail> = {}): CeremonyDetail {
  return {
    id: ceremonyId,
    state: 'frozen',
    release: { name: 'app', version: '1.2.3', purl: 'pkg:npm/app@1.2.3' },
    openedAt: '2025-01-01T10:00:00.000Z',
    expiresAt: '2025-01-08T10:00:00.000Z',
    openedBy: 'carol',
    // Not the version fake-api's changed() announces by default: an announced change is one this detail is not.
    version: '1-fixture',
    policy: { digest: hex('d'), description: 'any 2 of alice, bob, carol; at least 1 security', threshold: 2 },
    approvedBy: [],
    rejectedBy: [],
    tally: '0 of 2; security still needed',
    counted: 0,
    artifacts: [{ name: 'app.tgz', sha256: hex('a') }],
    waitingOnMe: true,
    problemCount: 0,
    actions: ['approve', 'reject', 'withdraw', 'cancel'],
    policyTrusted: true,
    findings: [{ id: 'subjects', status: 'pass', message: 'Every artifact is a subject of the provenance.' }],
    artifactDetails: [{ name: 'app.tgz', size: 1234, sha256: hex('a') }],
    provenance: [],
    statement: { digest: hex('5'), payloadType: 'application/vnd.in-toto+json', json: statementJson() },
    approvals: [],
    rejections: [],
    timeline: [{ at: '2025-01-01T10:00:00.000Z', type: 'opened', actor: 'carol', signature: 'unsigned' }],
    problems: [],
    approvers: [
      { id: 'alice', role: 'security', keyIds: [hex('1')] },
      { id: 'bob', keyIds: [hex('2')] },
    ],
    overrideAllowed: false,
    ...overrides,
  };
}

/** A frozen release statement as the core sends it (pretty-printed), naming these subjects, release and policy. */
export function statementJson(
  options: { subjects?: { name: string; sha256: string }[]; purl?: string; policyDigest?: string } = {},
): string {
  const subjects = options.subjects ?? [{ name: 'app.tgz', sha256: hex('a') }];
  return JSON.stringify(
    {
      _type: 'https://in-toto.io/Statement/v1',
      subject: subjects.map((subject) => ({ name: subject.name, digest: { sha256: subject.sha256 } })),
      predicateType: 'https://conclave.dev/release-approval/v1',
      predicate: {
        release: { name: 'app', version: '1.2.3', purl: options.purl ?? 'pkg:npm/app@1.2.3' },
        ceremony: { id: ceremonyId, openedAt: '2025-01-01T10:00:00Z', expiresAt: '2025-01-08T10:00:00Z', openedBy: 'carol' },
        policy: { digest: { sha256: options.policyDigest ?? hex('d') }, name: 'demo', threshold: 2 },
        provenance: [],
        sboms: [],
        findings: [],
        frozenAt: '2025-01-01T10:00:01Z',
      },
    },
    null,
    2,
  );
}

export function signingKey(approverId: string, overrides: Partial<SigningKey> = {}): SigningKey {
  return {
    tokenUri: `pkcs11:token=${approverId}`,
    tokenLabel: approverId,
    keyUri: `pkcs11:token=${approverId};object=release-signing`,
    keyLabel: 'release-signing',
    keyId: hex('1'),
    approverId,
    eligible: true,
    loginRequired: true,
    protectedAuthenticationPath: false,
    touchLikely: false,
    pinStatus: 'ok',
    ...overrides,
  };
}

export function progress(operationId: string, bytesDone: number, overrides: Partial<OperationProgress> = {}): OperationProgress {
  return { operationId, bytesDone, bytesTotal: 4000, filesDone: 0, filesTotal: 2, ...overrides };
}

export function publishResult(overrides: Partial<PublishResult> = {}): PublishResult {
  return {
    directory: '/home/me/releases/app-1.2.3',
    envelopePath: '/home/me/releases/app-1.2.3/app-1.2.3.release.dsse.json',
    bundlePaths: ['/home/me/releases/app-1.2.3/alice.sigstore.json', '/home/me/releases/app-1.2.3/bob.sigstore.json'],
    summaryPath: '/home/me/releases/app-1.2.3/SUMMARY.md',
    verified: 'verified: alice, bob (2 of 2 approvals)',
    verifyCommand: 'conclave verify --policy /home/me/releases/app-1.2.3/app-1.2.3.policy.json --envelope /home/me/releases/app-1.2.3/app-1.2.3.release.dsse.json --artifact /home/me/dist/app.tgz',
    ...overrides,
  };
}
