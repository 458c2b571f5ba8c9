/** A verification report for people: the first line says whether, the rest say who and why. */
import type { VerificationReport } from './verify';

export function formatReport(report: VerificationReport): string {
  const who = report.approvedBy.map((approver) => approver.id).join(', ');
  // The same count as the window and `ceremony show`: approvals that count of the threshold (judge.ts tallyWords).
  const tally = `${report.approvedBy.length} of ${report.policy.threshold} approvals`;
  const lines: string[] = [];
  if (report.ok) {
    lines.push(`verified: ${who} (${tally})`);
  } else {
    lines.push(`NOT verified: ${report.failures.length} ${report.failures.length === 1 ? 'problem' : 'problems'}`);
    for (const failure of report.failures) lines.push(`  ${failure.code}: ${failure.message}`);
    lines.push(report.approvedBy.length > 0 ? `valid approvals: ${who} (${tally})` : 'valid approvals: none');
  }
  lines.push(`policy: ${report.policy.description}`);
  const release = report.release?.predicate.release;
  if (release) lines.push(`release: ${release.name} ${release.version} (${release.purl})`);
  for (const artifact of report.artifacts) lines.push(`artifact ${artifact.name}: sha256 ${artifact.sha256} matches subject "${artifact.subject}"`);
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
