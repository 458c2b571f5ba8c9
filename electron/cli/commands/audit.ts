/**
 * `conclave audit verify [--since REF]`: re-checks the whole store and its git
 * history (issue 5, "a history that can be proven"). It never signs, so it
 * needs no token. Exit codes: 0 when everything checks, 1 when anything does
 * not (every finding is listed, not only the first).
 */

import { appDataDir, ceremonyStoreDir } from '../../core/app-paths';
import { auditStore } from '../../core/audit/audit';
import { describeFinding, type AuditReport } from '../../core/audit/findings';
import { localCeremonyService } from '../../core/ceremony/local-service';
import { GitRunner } from '../../core/repository/git';
import type { CliIo } from '../io';
import type { CommandInput } from '../command-spec';
import { exitCodes } from '../exit-codes';

/** An audit reads; it never signs. A call here would be a bug, not a missing token. */
export async function runAudit(input: CommandInput, io: CliIo): Promise<number> {
  const root = ceremonyStoreDir(io.env, input.string('store'));
  const since = input.string('since');
  const service = localCeremonyService({ dataDir: appDataDir(io.env), storeDir: root });
  const report = await auditStore(service, new GitRunner(io.env, io.interactive(), 'git', io.signal), since !== undefined ? { since } : {});
  if (input.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else if (!input.quiet || !report.ok) io.out(describeAudit(report));
  return report.ok ? exitCodes.done : exitCodes.refused;
}

export function describeAudit(report: AuditReport): string {
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const { counts } = report;
  const lines: string[] = [];
  lines.push(report.ok ? `Verified: the store at ${report.root} is consistent.` : `NOT verified: ${plural(report.findings.length, 'problem')} in the store at ${report.root}.`);
  for (const finding of report.findings) lines.push(`  ✗ [${finding.code}] ${describeFinding(finding)}`);
  for (const note of report.notes) lines.push(`  note: ${note}`);
  const history = report.historyChecked ? `a history of ${plural(counts.commits, 'commit')}${report.since !== undefined ? ` after ${report.since}` : ''}` : 'no git history';
  lines.push(
    `Checked ${plural(counts.ceremonies, 'ceremony').replace('ceremonys', 'ceremonies')}, ${plural(counts.events, 'event')}, ${plural(counts.signatures, 'signature')}, ${plural(counts.evidence, 'evidence file')}, ${plural(counts.publishedEnvelopes, 'published envelope')} and ${history}.`,
  );
  if (report.recordedVerified && report.head) {
    lines.push(`This machine now vouches for main up to ${report.head.slice(0, 12)} (refs/conclave/verified); "conclave audit verify --since refs/conclave/verified" checks only what comes after.`);
  }
  return `${lines.join('\n')}\n`;
}
