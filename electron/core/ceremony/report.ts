/**
 * Audit reports of one ceremony (with its timeline) or of a date range, as
 * JSON for programs and as a self-contained HTML page for people. Everything
 * from the store is escaped: a release name is data, never markup.
 */
import { escapeControlCharacters } from '../../../shared/text/control-characters';
import type { CeremonyDetail, CeremonySummary } from '../../../shared/api/ceremony-schemas';

export function jsonReport(summaries: CeremonySummary[], details: CeremonyDetail[], generatedAt: string): string {
  return `${JSON.stringify({ generatedAt, generator: 'conclave', ceremonies: details.length > 0 ? details : summaries }, null, 2)}\n`;
}

/** Markup characters as entities, and characters that steer text (controls, bidirectional overrides) as visible escapes. */
const escapeHtml = (text: string) => escapeControlCharacters(text).replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!);

export function htmlReport(summaries: CeremonySummary[], details: CeremonyDetail[], generatedAt: string): string {
  const rows = summaries
    .map(
      (summary) =>
        `<tr><td><code>${escapeHtml(summary.id)}</code></td><td>${escapeHtml(summary.release.name)} ${escapeHtml(summary.release.version)}</td><td>${escapeHtml(summary.state)}</td><td>${escapeHtml(summary.openedAt)}</td><td>${escapeHtml(summary.approvedBy.join(', '))}</td><td>${escapeHtml(summary.tally)}</td><td>${summary.problemCount}</td></tr>`,
    )
    .join('\n');
  const timelines = details
    .map(
      (detail) => `<h2>Ceremony ${escapeHtml(detail.id)}: ${escapeHtml(detail.release.name)} ${escapeHtml(detail.release.version)}</h2>
<p>Policy: ${escapeHtml(detail.policy.description)} (sha256:${escapeHtml(detail.policy.digest)})</p>
<h3>Artifacts</h3><ul>${detail.artifactDetails.map((artifact) => `<li><code>sha256:${escapeHtml(artifact.sha256)}</code> ${escapeHtml(artifact.name)}</li>`).join('')}</ul>
<h3>Findings</h3><ul>${detail.findings.map((finding) => `<li>${escapeHtml(finding.status)}: ${escapeHtml(finding.message)}${finding.override ? ` (overridden by ${escapeHtml(finding.override.by)}: ${escapeHtml(finding.override.reason)})` : ''}</li>`).join('')}</ul>
<h3>Timeline</h3><table><thead><tr><th>Time</th><th>Event</th><th>Actor</th><th>Signature</th><th>Detail</th></tr></thead><tbody>${detail.timeline
        .map((entry) => `<tr><td>${escapeHtml(entry.at)}</td><td>${escapeHtml(entry.type)}</td><td>${escapeHtml(entry.actor)}</td><td>${escapeHtml(entry.signature)}</td><td>${escapeHtml(entry.detail ?? '')}</td></tr>`)
        .join('')}</tbody></table>
${detail.problems.length > 0 ? `<h3>Problems</h3><ul>${detail.problems.map((problem) => `<li>${escapeHtml(problem)}</li>`).join('')}</ul>` : ''}`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>Conclave audit report</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}code{font-size:12px}</style></head>
<body><h1>Conclave audit report</h1><p>Generated ${escapeHtml(generatedAt)}; ${summaries.length} ceremon${summaries.length === 1 ? 'y' : 'ies'}.</p>
<table><thead><tr><th>Ceremony</th><th>Release</th><th>State</th><th>Opened</th><th>Approved by</th><th>Policy</th><th>Problems</th></tr></thead><tbody>
${rows}
</tbody></table>
${timelines}
</body></html>
`;
}
