/**
 * `conclave audit verify [--since REF]`: re-checks the whole store and its git
 * history (issue 5, "a history that can be proven"). It never signs, so it
 * needs no token. Exit codes: 0 when everything checks, 1 when anything does
 * not (every finding is listed, not only the first).
 */

import { parseArgs } from 'node:util';
import { appDataDir, ceremonyStoreDir } from '../../core/app-paths';
import { auditStore } from '../../core/audit/audit';
import { describeFinding, type AuditReport } from '../../core/audit/findings';
import { localCeremonyService } from '../../core/ceremony/local-service';
import { GitRunner } from '../../core/repository/git';
import { UsageError, type CliIo } from '../io';

export const auditUsage = `  audit verify [--since REF] [--json]      re-check every event, signature, ceremony state, published envelope and the
                                           git history of the store (only commits after REF with --since); exit 1 on any problem
  (audit takes --store DIR, or CONCLAVE_STORE)
`;

const options = {
  store: { type: 'string' },
  since: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** An audit reads; it never signs. A call here would be a bug, not a missing token. */
export async function runAudit(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options });
  const [action, ...rest] = positionals;
  if (action !== 'verify') throw new UsageError(`"audit ${action ?? ''}" is not an audit command: verify [--since REF].`);
  if (rest.length !== 0) throw new UsageError('audit verify takes no arguments besides --since, --store and --json.');
  const root = ceremonyStoreDir(io.env, values.store);
  const service = localCeremonyService({ dataDir: appDataDir(io.env), storeDir: root });
  const report = await auditStore(service, new GitRunner(io.env, io.interactive), values.since !== undefined ? { since: values.since } : {});
  io.out(values.json ? `${JSON.stringify(report, null, 2)}\n` : describeAudit(report));
  return report.ok ? 0 : 1;
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
