/**
 * What this machine has verified of the store's history, and what one audit
 * (Verify history, as `conclave audit verify`) found, in words. Pure
 * functions: the History screen calls them, tests check them.
 */
import type { CallOutput, RepositoryStatus } from '../../../../shared/api/contract';
import { durationText, exactTime, problemText } from '../ceremonies/format';

export type HistoryVerification = NonNullable<RepositoryStatus['verification']>;
export type HistoryAudit = CallOutput<'repository.audit'>;
export type AuditFinding = HistoryAudit['findings'][number];

/** How a line is shown: the message style it takes (message-ok, message-info, message-neutral, message-error). */
export type VerificationTone = 'ok' | 'info' | 'neutral' | 'error';

export interface VerificationWords {
  text: string;
  tone: VerificationTone;
}

/** "1a2b3c4d5e6f": commits as people compare them with `git log`. */
export function shortCommit(commit: string): string {
  return commit.slice(0, 12);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "22 Nov 2026, 14:05" (in this computer's language and time zone). */
export function verifiedTime(instant: string, format: Intl.DateTimeFormat = timeFormat): string {
  return exactTime(instant, format);
}

/** "2 hours ago"; the time itself when it cannot be read as past (a clock set wrong somewhere). */
function agoText(instant: string, now: number, format: Intl.DateTimeFormat): string | undefined {
  const at = Date.parse(instant);
  if (Number.isNaN(at)) return undefined;
  if (at > now + 60_000) return verifiedTime(instant, format);
  return `${durationText(now - at)} ago`;
}

const commits = (count: number) => `${count} commit${count === 1 ? '' : 's'}`;

export const verificationText = {
  checking: 'Checking what this machine has verified…',
  never: 'Never verified on this machine.',
  busy: 'Verifying every event, signature, published envelope and commit in the store… On a large store this takes a few minutes.',
} as const;

/**
 * The History screen's line about verification: "History verified through
 * commit 1a2b3c4d5e6f on 22 Nov 2026, 14:05.", "3 commits since the last
 * verification (1a2b3c4d5e6f, 2 hours ago).", "Never verified on this
 * machine.", "The last verification found 4 problems (…)."
 */
export function verificationWords(status: RepositoryStatus | undefined, now: number, format: Intl.DateTimeFormat = timeFormat): VerificationWords {
  if (!status) return { text: verificationText.checking, tone: 'info' };
  // The core leaves it out only when it cannot read this machine's record: nothing is known to be verified.
  const verification = status.verification ?? { state: 'never' };
  const when = verification.at ? verifiedTime(verification.at, format) : undefined;
  switch (verification.state) {
    case 'never':
      // A fact about this machine's record, not news: quiet, so it never reads as louder than an audit's verdict beside it.
      return { text: verificationText.never, tone: 'neutral' };
    case 'verified':
      if (!verification.head) return { text: `History verified${when ? ` on ${when}` : ''}.`, tone: 'ok' };
      return { text: `History verified through commit ${shortCommit(verification.head)}${when ? ` on ${when}` : ''}.`, tone: 'ok' };
    case 'behind': {
      const since = verification.commitsSince;
      const lead = since !== undefined && since > 0 ? `${commits(since)} since the last verification` : 'New commits since the last verification';
      const ago = verification.at ? agoText(verification.at, now, format) : undefined;
      const where = [verification.head ? shortCommit(verification.head) : undefined, ago].filter((part) => part !== undefined);
      return { text: `${lead}${where.length > 0 ? ` (${where.join(', ')})` : ''}.`, tone: 'info' };
    }
    case 'failed': {
      const found = verification.findings ? problemText(verification.findings) : 'problems';
      const clean = verification.head ? ` History was last verified clean through commit ${shortCommit(verification.head)}.` : '';
      return { text: `The last verification found ${found}${when ? ` (${when})` : ''}.${clean}`, tone: 'error' };
    }
  }
}

const counted = (count: number, one: string, many: string) => `${count.toLocaleString('en')} ${count === 1 ? one : many}`;

/** "12 ceremonies, 48 events, 61 signatures, 9 evidence files, 3 published envelopes and 20 commits". */
export function auditCountsText(counts: HistoryAudit['counts'], withCommits = true): string {
  const parts = [
    counted(counts.ceremonies, 'ceremony', 'ceremonies'),
    counted(counts.events, 'event', 'events'),
    counted(counts.signatures, 'signature', 'signatures'),
    counted(counts.evidence, 'evidence file', 'evidence files'),
    counted(counts.publishedEnvelopes, 'published envelope', 'published envelopes'),
    ...(withCommits ? [counted(counts.commits, 'commit', 'commits')] : []),
  ];
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** Every problem the audit found, listed or not. */
export function auditProblemCount(audit: HistoryAudit): number {
  return audit.findings.length + audit.moreFindings;
}

/** The one sentence an audit ends with (announced): verified, clean files without a history, or how many problems. */
export function auditSummary(audit: HistoryAudit): VerificationWords {
  if (!audit.ok) {
    return { text: `The verification found ${problemText(auditProblemCount(audit))}; ${auditCountsText(audit.counts)} checked.`, tone: 'error' };
  }
  if (!audit.head) {
    // The CLI's verdict word leads, as `conclave audit verify` prints it; what was not checked follows.
    return {
      text: `Verified: no problems in ${auditCountsText(audit.counts, false)}. The store has no git history yet, so there was no history to verify and nothing was recorded as verified on this machine.`,
      tone: 'ok',
    };
  }
  return { text: `Verified: ${auditCountsText(audit.counts)} checked.`, tone: 'ok' };
}

/** Where a problem is: "ceremonies/2026/12/05/c-…/events/3.json", "commit 1a2b3c4d5e6f", or its ceremony. */
export function findingPlace(finding: AuditFinding): { label: string; value: string }[] {
  const places: { label: string; value: string }[] = [];
  if (finding.file) places.push({ label: 'File', value: finding.file });
  else if (finding.ceremonyId) places.push({ label: 'Ceremony', value: finding.ceremonyId });
  if (finding.commit) places.push({ label: 'Commit', value: shortCommit(finding.commit) });
  return places;
}

/** "and 12 more": problems beyond those listed; the audit command (shown after it) lists them all. */
export function moreFindingsText(more: number): string | undefined {
  return more > 0 ? `and ${more.toLocaleString('en')} more, which this command lists with the others:` : undefined;
}
