/**
 * Audit reports of the ceremonies chosen in History (or on the command line):
 * JSON for programs, and a self-contained HTML page for people that prints
 * well on A4 (issue 16: "an auditor's report worth printing"). Each ceremony
 * gets its policy, its subjects, its approvals with trusted times and
 * certificate identities, the verification result in the CLI's words, and the
 * commands that check it again. Everything from the store is escaped: a
 * release name is data, never markup. The page loads nothing and runs nothing.
 */
import { escapeControlCharacters } from '../../../shared/text/control-characters';
import type { CeremonyDetail, CeremonySummary } from '../../../shared/api/ceremony-schemas';

/** One ceremony of the report in full. */
export interface ReportCeremony {
  detail: CeremonyDetail;
  /** The result of checking it again now, as `ceremonies.verify` and `conclave verify` put it ("verified: …", "NOT verified: …"). */
  verification?: { ok: boolean; lines: string[]; checkedAt: string };
  /** `conclave verify` commands for its published files, every path absolute. */
  verifyCommands?: string[];
}

export interface ReportOptions {
  /** The command that re-checks every event of the store, e.g. `conclave audit verify --store /abs/store`. */
  auditCommand?: string;
}

/** Every ceremony covered: in full where the report has it in full, its summary otherwise. */
export function jsonReport(summaries: CeremonySummary[], ceremonies: readonly ReportCeremony[], generatedAt: string): string {
  const full = new Map(ceremonies.map(({ detail, verification, verifyCommands }) => [detail.id, { ...detail, ...(verification ? { verification } : {}), ...(verifyCommands ? { verifyCommands } : {}) }]));
  return `${JSON.stringify({ generatedAt, generator: 'conclave', ceremonies: summaries.map((summary) => full.get(summary.id) ?? summary) }, null, 2)}\n`;
}

/** Markup characters as entities, and characters that steer text (controls, bidirectional overrides) as visible escapes. */
export const escapeHtml = (text: string): string => escapeControlCharacters(text).replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!);

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
const code = (text: string) => `<code>${escapeHtml(text)}</code>`;
/** Ceremony ids are checked by the store's pattern; the anchor is escaped anyway. */
const anchor = (id: string) => `ceremony-${escapeHtml(id)}`;

/** Said wherever a ceremony under a policy the reporting machine does not trust is shown: its tally is the policy's own word. */
const untrustedPolicyText = 'policy not trusted by the machine that made this report';

/** Who counted, one table per distinct policy: the auditor reads the rule once, then each ceremony refers to it by digest. */
function policySection(detail: CeremonyDetail): string {
  const approvers = detail.approvers
    .map((approver) => `<tr><td>${escapeHtml(approver.id)}</td><td>${escapeHtml(approver.role ?? '—')}</td><td>${approver.keyIds.length > 0 ? approver.keyIds.map((keyId) => code(keyId)).join('<br>') : 'identified by an X.509 certificate (its identity is under each approval)'}</td></tr>`)
    .join('');
  return `<section class="policy" id="policy-${escapeHtml(detail.policy.digest)}" aria-label="Policy sha256:${escapeHtml(detail.policy.digest)}">
<h3>Policy ${code(`sha256:${detail.policy.digest}`)}</h3>
${detail.policyTrusted ? '' : `<p class="untrusted"><strong>Not trusted by the machine that made this report</strong>: the approvals under it are counted against the keys it names, whoever wrote it. Check its digest with the team before relying on them.</p>`}
<dl><dt>Rule</dt><dd class="policy-rule">${escapeHtml(detail.policy.description)}</dd><dt>Threshold</dt><dd class="policy-threshold">${detail.policy.threshold} of ${detail.approvers.length}</dd></dl>
<table class="people"><caption>People of the policy</caption><thead><tr><th scope="col">Approver</th><th scope="col">Role</th><th scope="col">Key ids (SHA-256 of the public key)</th></tr></thead><tbody>${approvers}</tbody></table>
</section>`;
}

function subjectsSection(detail: CeremonyDetail): string {
  const rows = detail.artifactDetails
    .map((artifact) => {
      const image = detail.artifacts.find((candidate) => candidate.name === artifact.name)?.reference;
      return `<tr><td>${escapeHtml(artifact.name)}${image ? `<br>${code(image)}` : ''}</td><td>${code(`sha256:${artifact.sha256}`)}${artifact.sha512 ? `<br>${code(`sha512:${artifact.sha512}`)}` : ''}</td><td class="number">${artifact.size === undefined ? '—' : escapeHtml(String(artifact.size))}</td></tr>`;
    })
    .join('');
  return `<table class="subjects"><thead><tr><th scope="col">Name</th><th scope="col">Digest</th><th scope="col">Bytes</th></tr></thead><tbody>${rows}</tbody></table>
${detail.statement ? `<p>Release statement ${code(`sha256:${detail.statement.digest}`)} (${escapeHtml(detail.statement.payloadType)}).</p>` : '<p>Not frozen: there is no release statement to sign.</p>'}`;
}

function approvalsSection(detail: CeremonyDetail): string {
  if (detail.approvals.length === 0) return '<p class="approvals">No approvals.</p>';
  const approvedEntries = detail.timeline.filter((entry) => entry.type === 'approved');
  const rows = detail.approvals
    .map((approval) => {
      // The timeline carries the trusted time and the certificate identity of each decision (shared/ceremony views).
      const entry = approvedEntries.find((candidate) => candidate.actor === approval.approverId && candidate.at === approval.at) ?? approvedEntries.find((candidate) => candidate.actor === approval.approverId);
      const time = entry?.trustedTime ? `${escapeHtml(entry.trustedTime)} <span class="note">(RFC 3161 time stamp)</span>` : `${escapeHtml(approval.at)} <span class="note">(signer's clock${entry?.timeNote ? `: ${escapeHtml(entry.timeNote)}` : ''})</span>`;
      const identity = [entry?.actorDetail, approval.attestation].filter((part): part is string => part !== undefined).map(escapeHtml).join('<br>') || '—';
      return `<tr><td>${escapeHtml(approval.approverId)}</td><td>${escapeHtml(approval.role ?? '—')}</td><td>${time}</td><td>${identity}</td><td>${code(approval.keyId)}</td></tr>`;
    })
    .join('');
  const rejections = detail.rejections.map((rejection) => `<li>${escapeHtml(rejection.approverId)} rejected at ${escapeHtml(rejection.at)}: ${escapeHtml(rejection.reason)}</li>`).join('');
  return `<table class="approvals"><thead><tr><th scope="col">Approver</th><th scope="col">Role</th><th scope="col">Time</th><th scope="col">Certificate identity, key attestation</th><th scope="col">Key id</th></tr></thead><tbody>${rows}</tbody></table>
${rejections ? `<ul class="rejections">${rejections}</ul>` : ''}`;
}

function verificationSection(ceremony: ReportCeremony): string {
  const { verification } = ceremony;
  if (!verification) return '<p class="verification">Not checked again for this report.</p>';
  const [verdict = '', ...rest] = verification.lines;
  return `<div class="verification ${verification.ok ? 'ok' : 'not-ok'}"><p class="verdict"><strong>${escapeHtml(verdict)}</strong> <span class="note">(checked ${escapeHtml(verification.checkedAt)})</span></p>${rest.length > 0 ? `<pre>${escapeHtml(rest.join('\n'))}</pre>` : ''}</div>`;
}

function ceremonySection(ceremony: ReportCeremony): string {
  const { detail } = ceremony;
  const findings = detail.findings
    .map((finding) => `<li><span class="status">${escapeHtml(finding.status)}</span> ${escapeHtml(finding.message)}${finding.override ? ` (overridden by ${escapeHtml(finding.override.by)}: ${escapeHtml(finding.override.reason)})` : ''}</li>`)
    .join('');
  const timeline = detail.timeline
    .map((entry) => `<tr><td>${escapeHtml(entry.at)}</td><td>${escapeHtml(entry.type)}</td><td>${escapeHtml(entry.actor)}</td><td>${escapeHtml(entry.signature)}</td><td>${escapeHtml(entry.detail ?? '')}</td></tr>`)
    .join('');
  const commands = ceremony.verifyCommands ?? [];
  return `<section class="ceremony" id="${anchor(detail.id)}" aria-label="Ceremony ${escapeHtml(detail.id)}">
<h2>${escapeHtml(detail.release.name)} ${escapeHtml(detail.release.version)}</h2>
<dl class="facts"><dt>Ceremony</dt><dd>${code(detail.id)}</dd><dt>State</dt><dd>${escapeHtml(detail.state)}</dd><dt>Package URL</dt><dd>${code(detail.release.purl)}</dd><dt>Opened</dt><dd>${escapeHtml(detail.openedAt)} by ${escapeHtml(detail.openedBy)}</dd>${detail.published ? `<dt>Published</dt><dd>${escapeHtml(detail.published.at)}, envelope ${code(`sha256:${detail.published.envelopeDigest}`)}</dd>` : ''}<dt>Policy</dt><dd><a href="#policy-${escapeHtml(detail.policy.digest)}">${code(`sha256:${detail.policy.digest}`)}</a>${detail.policyTrusted ? '' : ` <strong class="untrusted">${untrustedPolicyText}</strong>`}</dd></dl>
<h3>Subjects: what the approvers signed</h3>
${subjectsSection(detail)}
<h3>Approvals: ${escapeHtml(detail.tally)}</h3>
${approvalsSection(detail)}
<h3>Verification</h3>
${verificationSection(ceremony)}
${commands.length > 0 ? `<h3>Re-verify the published release</h3>${commands.map((command) => `<pre class="command">${escapeHtml(command)}</pre>`).join('')}` : ''}
<h3>Findings</h3><ul class="findings">${findings}</ul>
<h3>Timeline</h3><table class="timeline"><thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Actor</th><th scope="col">Signature</th><th scope="col">Detail</th></tr></thead><tbody>${timeline}</tbody></table>
${detail.problems.length > 0 ? `<h3>Problems</h3><ul class="problems">${detail.problems.map((problem) => `<li>${escapeHtml(problem)}</li>`).join('')}</ul>` : ''}
</section>`;
}

/** A4 portrait with the browser's print: tables that do not split a row, long digests that wrap, no colours that need ink. */
const style = `
:root{color-scheme:light}
body{font:10.5pt/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:60rem;padding:0 1.5rem;color:#111}
h1{font-size:18pt;margin:0 0 .25rem}h2{font-size:14pt;margin:0 0 .5rem;border-bottom:1px solid #999;padding-bottom:.2rem}h3{font-size:11pt;margin:1rem 0 .35rem}
table{border-collapse:collapse;width:100%;margin:.25rem 0 .5rem}caption{text-align:left;font-weight:600;padding:.2rem 0}
td,th{border:1px solid #bbb;padding:.2rem .4rem;text-align:left;vertical-align:top}th{background:#f2f2f2}
td.number{text-align:right}table.covered td:first-child code{white-space:nowrap;word-break:normal}
code,pre{font:9pt/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere;word-break:break-all}
pre{white-space:pre-wrap;margin:.25rem 0;padding:.4rem;border:1px solid #ddd;background:#fafafa}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.25rem 0}dt{font-weight:600}dd{margin:0}
.note{color:#555;font-size:9pt}.untrusted{color:#9b1111}.verification.ok .verdict{color:#0a5d1a}.verification.not-ok .verdict{color:#9b1111}
section.ceremony,section.policies,section.reverify{margin-top:1.5rem}
@page{size:A4 portrait;margin:16mm 14mm}
@media print{body{margin:0;max-width:none;padding:0;font-size:9.5pt}a{color:inherit;text-decoration:none}section.ceremony{break-before:page}tr,pre,dl,.verification{break-inside:avoid}h2,h3{break-after:avoid}thead{display:table-header-group}th{background:none}}
`;

export function htmlReport(summaries: CeremonySummary[], ceremonies: readonly ReportCeremony[], generatedAt: string, options: ReportOptions = {}): string {
  const detailed = new Set(ceremonies.map((ceremony) => ceremony.detail.id));
  const rows = summaries
    .map((summary) => {
      const id = detailed.has(summary.id) ? `<a href="#${anchor(summary.id)}">${code(summary.id)}</a>` : code(summary.id);
      return `<tr><td>${id}</td><td>${escapeHtml(summary.release.name)} ${escapeHtml(summary.release.version)}</td><td>${escapeHtml(summary.state)}${summary.policyTrusted ? '' : ` <strong class="untrusted">(${untrustedPolicyText})</strong>`}</td><td>${escapeHtml(summary.openedAt)}</td><td>${escapeHtml(summary.approvedBy.join(', ') || '—')}</td><td>${escapeHtml(summary.tally)}</td><td class="number">${summary.problemCount}</td></tr>`;
    })
    .join('\n');
  const policies = [...new Map(ceremonies.map((ceremony) => [ceremony.detail.policy.digest, ceremony.detail])).values()];
  const covered = plural(summaries.length, 'ceremony', 'ceremonies');
  const range = summaries.length > 0 ? ` opened ${escapeHtml(summaries[0]!.openedAt.slice(0, 10))} to ${escapeHtml(summaries.at(-1)!.openedAt.slice(0, 10))}` : '';
  const left = summaries.length - ceremonies.length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><meta name="referrer" content="no-referrer"><title>Conclave audit report: ${covered}</title>
<style>${style}</style></head>
<body><header><h1>Conclave audit report</h1><p>Generated ${escapeHtml(generatedAt)} by Conclave; covers ${covered}${range}.${left > 0 && ceremonies.length > 0 ? ` The first ${ceremonies.length} in full; the others as a row each.` : ''}</p></header>
<section class="contents" aria-label="Ceremonies covered"><table class="covered"><caption>Ceremonies covered</caption><thead><tr><th scope="col">Ceremony</th><th scope="col">Release</th><th scope="col">State</th><th scope="col">Opened</th><th scope="col">Approved by</th><th scope="col">Approvals</th><th scope="col">Problems</th></tr></thead><tbody>
${rows}
</tbody></table></section>
${policies.length > 0 ? `<section class="policies" aria-label="Policies"><h2>${policies.length === 1 ? 'Policy' : 'Policies'}</h2>${policies.map(policySection).join('\n')}</section>` : ''}
${options.auditCommand ? `<section class="reverify" aria-label="How to re-verify"><h2>How to re-verify</h2><p>Every event, signature, ceremony state and published envelope in the store, checked again on any machine with the store:</p><pre class="command">${escapeHtml(options.auditCommand)}</pre>${ceremonies.some((ceremony) => (ceremony.verifyCommands ?? []).length > 0) ? '<p>Each published release, from its published files: the commands under each ceremony.</p>' : ''}</section>` : ''}
${ceremonies.map(ceremonySection).join('\n')}
</body></html>
`;
}
