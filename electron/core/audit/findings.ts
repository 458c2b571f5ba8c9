/**
 * What `conclave audit verify` reports: one finding per inconsistency, each
 * naming the ceremony, the file (or commit) and what is wrong. Codes are a
 * closed union so that tests and tools assert the code, not the wording.
 */
import { ceremonyProblemKinds, type CeremonyProblemCode } from '../../../shared/ceremony/problems';

export const auditCodes = [
  /** What the judge found the files claim falsely (shared/ceremony/problems.ts, the `finding` kind): one code list for every path. */
  ...(Object.keys(ceremonyProblemKinds) as CeremonyProblemCode[]).filter((code) => ceremonyProblemKinds[code] === 'finding'),
  /** A ceremony whose events cannot be loaded (no opening, a policy that does not load). */
  'ceremony-unloadable',
  /** An evidence file whose content does not match the digest that names it. */
  'evidence-digest-mismatch',
  /** A published ceremony whose approvals no longer satisfy its policy by the consumers' verifier. */
  'published-envelope-invalid',
  /** A commit that modified or deleted an event or evidence file. */
  'history-modified',
  'history-deleted',
  /** The --since commit is not in the history of main: the history was rewritten since. */
  'history-rewritten',
  /** An event or evidence file of main that the store folder changed or lost. */
  'worktree-modified',
  'worktree-deleted',
  /** A file left in a ceremony's folder of the older layout (ceremonies/<id>) because its dated folder holds other bytes under its name. */
  'store-layout-clash',
] as const;
export type AuditCode = FindingCode | (typeof auditCodes)[number];
type FindingCode = { [Code in CeremonyProblemCode]: (typeof ceremonyProblemKinds)[Code] extends 'finding' ? Code : never }[CeremonyProblemCode];

export interface AuditFinding {
  code: AuditCode;
  ceremonyId?: string;
  /** The path in the store, e.g. ceremonies/2026/12/05/c-…/events/…-approved-….json. */
  file?: string;
  /** The commit that made the change, for history findings. */
  commit?: string;
  /** For the person at the screen. */
  message: string;
}

export interface AuditCounts {
  ceremonies: number;
  events: number;
  evidence: number;
  /** Signatures verified with a key of a ceremony's policy: event envelopes, approvals and rejections. */
  signatures: number;
  publishedEnvelopes: number;
  /** Commits whose changes were checked (after --since when given); 0 when the history was not checked. */
  commits: number;
}

export interface AuditReport {
  ok: boolean;
  root: string;
  since?: string;
  historyChecked: boolean;
  /** The head of main the audit checked, when the store has a history. */
  head?: string;
  /** Whether this audit moved the machine's verified head (refs/conclave/verified) to `head`. */
  recordedVerified?: boolean;
  counts: AuditCounts;
  findings: AuditFinding[];
  /** What was noticed and explained (skipped checks, decisions that do not count for a known reason). */
  notes: string[];
}

/** `ceremony c-…, ceremonies/…/x.json (commit abc1234): message`. */
export function describeFinding(finding: AuditFinding): string {
  const where = [finding.ceremonyId ? `ceremony ${finding.ceremonyId}` : undefined, finding.file, finding.commit ? `commit ${finding.commit.slice(0, 12)}` : undefined].filter(Boolean).join(', ');
  return `${where ? `${where}: ` : ''}${finding.message}`;
}
