/**
 * What you review is what you sign (issue 10): the subjects, the release and
 * the policy an approver's signature binds are read from the frozen statement
 * itself (the bytes the token signs, as the core sent them in
 * `detail.statement.json`), never from the opening's artifact list. Pure
 * functions: the sign dialog shows them, tests check them.
 */
import { z } from 'zod';
import type { CeremonyDetail } from '../../../../shared/api/contract';

export interface StatementSubject {
  name: string;
  sha256: string;
}

export interface StatementView {
  subjects: StatementSubject[];
  /** The release as the statement names it: its package URL, name and version. */
  release: { purl: string; name: string | undefined; version: string | undefined };
  /** The SHA-256 of the policy the statement names. */
  policyDigest: string;
}

export type StatementReading = { ok: true; view: StatementView } | { ok: false; reason: string };

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

// Loose: only what an approver must see is required; the core has already checked the rest strictly.
const StatementShape = z.looseObject({
  _type: z.literal('https://in-toto.io/Statement/v1'),
  subject: z.array(z.looseObject({ name: z.string(), digest: z.looseObject({ sha256: Sha256 }) })).min(1),
  predicate: z.looseObject({
    release: z.looseObject({ purl: z.string(), name: z.string().optional(), version: z.string().optional() }),
    policy: z.looseObject({ digest: z.looseObject({ sha256: Sha256 }) }),
  }),
});

/** The subjects, release and policy of a frozen statement's JSON; why not, when it cannot be read that way. */
export function readStatement(json: string): StatementReading {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'the statement is not JSON' };
  }
  const checked = StatementShape.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    return { ok: false, reason: `the statement is not a release statement Conclave can show${where ? ` (at ${where})` : ''}` };
  }
  const { subject, predicate } = checked.data;
  return {
    ok: true,
    view: {
      subjects: subject.map((entry) => ({ name: entry.name, sha256: entry.digest.sha256 })),
      release: { purl: predicate.release.purl, name: predicate.release.name, version: predicate.release.version },
      policyDigest: predicate.policy.digest.sha256,
    },
  };
}

/**
 * Where the statement and the rest of the ceremony disagree, in words. The
 * core refuses such a statement (its subjects must be exactly the opened
 * artifacts), so this is a second pair of eyes: anything listed here means
 * "do not sign".
 */
export function statementDiscrepancies(view: StatementView, detail: Pick<CeremonyDetail, 'artifactDetails' | 'policy' | 'release'>): string[] {
  const problems: string[] = [];
  const opened = new Set(detail.artifactDetails.map((artifact) => `${artifact.sha256} ${artifact.name}`));
  const signed = new Set(view.subjects.map((subject) => `${subject.sha256} ${subject.name}`));
  for (const subject of view.subjects) {
    if (!opened.has(`${subject.sha256} ${subject.name}`)) problems.push(`The statement names “${subject.name}” (sha256:${subject.sha256.slice(0, 16)}…), which the ceremony was not opened with.`);
  }
  for (const artifact of detail.artifactDetails) {
    if (!signed.has(`${artifact.sha256} ${artifact.name}`)) problems.push(`The statement leaves out “${artifact.name}” (sha256:${artifact.sha256.slice(0, 16)}…), which the ceremony was opened with.`);
  }
  if (view.policyDigest !== detail.policy.digest) problems.push(`The statement names the policy sha256:${view.policyDigest.slice(0, 16)}…, not this ceremony's (sha256:${detail.policy.digest.slice(0, 16)}…).`);
  if (view.release.purl !== detail.release.purl) problems.push(`The statement names the release ${view.release.purl}, not ${detail.release.purl}.`);
  return problems;
}
