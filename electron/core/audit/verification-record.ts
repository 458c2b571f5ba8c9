/**
 * What this machine last verified (issue 5): after `conclave audit verify`
 * the store remembers the head of main it checked, in its own git folder
 * (never shared: each client is its own witness). A later audit refuses a
 * history that no longer contains that head, the History screen shows how far
 * the store is past it, and `--since refs/conclave/verified` checks only what
 * came after.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { parseJsonText } from '../../../shared/json/parse';
import { writeFileAtomically } from '../atomic-file';
import type { GitRunner } from '../repository/git';
import { branch } from '../repository/repository-service';

/** The head of main the last clean audit covered, from the first commit on. */
export const verifiedRef = 'refs/conclave/verified';

const VerificationRecord = z.object({
  /** The head of main the audit checked. */
  head: z.string().regex(/^[0-9a-f]{40,64}$/),
  at: z.iso.datetime({ offset: true }),
  ok: z.boolean(),
  findings: z.number().int().nonnegative(),
});
export type VerificationRecord = z.output<typeof VerificationRecord>;

const recordPath = (root: string) => join(root, '.git', 'conclave-verification.json');

/** The last audit's outcome on this machine; undefined when none ran (or its record is unreadable). */
export async function readVerification(root: string): Promise<VerificationRecord | undefined> {
  try {
    const parsed = VerificationRecord.safeParse(parseJsonText(await readFile(recordPath(root), 'utf8'), { maxBytes: 4096 }));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Records an audit of `head`. A clean audit moves the verified ref to it, but
 * only when it covered everything since the last verified head (a full audit,
 * or one --since a commit the last one had verified): otherwise the commits
 * before --since were never checked here.
 */
export async function recordVerification(root: string, git: GitRunner, audit: { head: string; at: Date; ok: boolean; findings: number; sinceCommit?: string }): Promise<boolean> {
  const record: VerificationRecord = { head: audit.head, at: audit.at.toISOString(), ok: audit.ok, findings: audit.findings };
  await writeFileAtomically(recordPath(root), `${JSON.stringify(record, null, 2)}\n`, 0o644);
  if (!audit.ok) return false;
  if (audit.sinceCommit !== undefined) {
    const previous = await verifiedHead(root, git);
    const covered = previous !== undefined && (await git.run(['merge-base', '--is-ancestor', audit.sinceCommit, previous], { cwd: root })).code === 0;
    if (!covered) return false;
  }
  await git.ok(['update-ref', '-m', `conclave: audit verified ${branch}`, verifiedRef, audit.head], { cwd: root });
  return true;
}

export async function verifiedHead(root: string, git: GitRunner): Promise<string | undefined> {
  const resolved = await git.run(['rev-parse', '-q', '--verify', `${verifiedRef}^{commit}`], { cwd: root });
  return resolved.code === 0 ? resolved.stdout.trim() : undefined;
}

export interface VerificationState {
  state: 'never' | 'verified' | 'behind' | 'failed';
  /** The head last verified clean. */
  head?: string;
  /** When the last audit ran, whatever its outcome. */
  at?: string;
  /** Commits on main since the verified head. */
  commitsSince?: number;
  /** Problems the last audit found, when it failed. */
  findings?: number;
}

/** Where the store stands against its last verification, for the History screen. */
export async function verificationState(root: string, git: GitRunner): Promise<VerificationState> {
  const record = await readVerification(root);
  const head = await verifiedHead(root, git).catch(() => undefined);
  if (record && !record.ok) return { state: 'failed', at: record.at, findings: record.findings, ...(head ? { head } : {}) };
  if (!head) return { state: 'never' };
  const counted = await git.run(['rev-list', '--count', `${head}..${branch}`], { cwd: root });
  const commitsSince = counted.code === 0 ? Number(counted.stdout.trim()) : 0;
  return { state: commitsSince === 0 ? 'verified' : 'behind', head, commitsSince, ...(record ? { at: record.at } : {}) };
}
