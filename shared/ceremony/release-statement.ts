/**
 * The one release statement an opening determines (issue 10): its subjects are
 * exactly the opened artifacts and images, its predicate the opening's release,
 * policy, evidence and findings, plus the freeze's time and overrides. Freezing
 * writes these bytes and the judge rebuilds them to check a frozen event, so a
 * statement that names anything else (an extra look-alike subject, another
 * policy) never counts.
 */
import type { Policy } from '../policy/policy';
import { buildFrozenStatement } from '../statement/statement';
import type { Finding as StatementFinding, ProvenanceSummary, SbomSummary } from '../statement/evidence-summaries';
import type { FrozenEvent, OpenedEvent } from './events';

export function statementFromOpening(opened: OpenedEvent, policy: Pick<Policy, 'digest' | 'name' | 'threshold'>, overrides: FrozenEvent['overrides'], frozenAt: Date | string): Uint8Array {
  const at = typeof frozenAt === 'string' ? frozenAt : frozenAt.toISOString();
  const findings: StatementFinding[] = opened.findings.map((finding) => {
    const override = overrides.find((entry) => entry.findingId === finding.id);
    return override ? { ...finding, override: { by: override.by, reason: override.reason, at } } : finding;
  });
  return buildFrozenStatement({
    release: opened.release,
    artifacts: opened.artifacts.map((artifact) => ({ name: artifact.name, digest: artifact.digest })),
    ceremony: { id: opened.ceremonyId, openedAt: opened.at, expiresAt: opened.expiresAt, openedBy: opened.openedBy ?? 'unknown' },
    policy,
    provenance: opened.provenance as ProvenanceSummary[],
    sboms: opened.sbom ? [opened.sbom as SbomSummary] : [],
    findings,
    frozenAt: at,
  });
}
