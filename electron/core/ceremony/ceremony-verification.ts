/**
 * A ceremony checked again, in the CLI's verdict words ("verified: …",
 * "NOT verified: …"): every event's signature against the ceremony's own
 * policy, and the envelope its approvals make, as the audit checks it. Used by
 * the window's Verify and by the audit report, so both say the same.
 */
import { describePolicy } from '../../../shared/policy/describe';
import { formatReport } from '../../../shared/verify/format';
import { checkPublishedEnvelope } from '../audit/published-envelope';
import type { CeremonyService } from './ceremony-service';

export interface CeremonyVerification {
  ok: boolean;
  /** One line per check, for people: first the verdict, then each problem. */
  lines: string[];
  checkedAt: string;
}

export async function verifyCeremony(reader: CeremonyService, id: string, now: () => Date): Promise<CeremonyVerification> {
  // Loading checks every event's signature against the ceremony's own policy again.
  const loaded = await reader.load(id);
  const { view, policy } = loaded;
  const lines: string[] = [];
  let ok = view.problems.length === 0;
  for (const problem of view.problems) lines.push(`problem: ${problem}`);
  lines.push(`${view.approvals.length + view.rejections.length} signed decision(s) checked against ${describePolicy(policy)}.`);
  // The same rebuild and check the audit runs, as of publishing when the ceremony was published.
  const check = view.approvals.length > 0 ? await checkPublishedEnvelope(loaded, view.published ? new Date(view.published.at) : undefined) : undefined;
  if (check) {
    if (view.state === 'approved' || view.state === 'published') ok = ok && check.report.ok;
    lines.push(...formatReport(check.report).split('\n'));
    if (view.published) {
      ok = ok && check.sameAsPublished;
      lines.push(check.sameAsPublished ? 'The published envelope is exactly the one these approvals make.' : 'The published envelope differs from the one these approvals make: an approval was added or removed after publishing.');
    }
  }
  lines.unshift(ok ? `verified: ceremony ${id} is ${view.state}` : `NOT verified: ceremony ${id} has problems`);
  return { ok, lines, checkedAt: now().toISOString() };
}
