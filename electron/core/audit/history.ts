/**
 * The chain of history (issue 5, "a history that can be proven"): the store's
 * git history only ever adds files. Every commit on main, merges included
 * (`-m`: each merge against each of its parents, so a merge that drops a file
 * another machine added is seen), must leave every event and evidence file it
 * inherited untouched; and the store folder must still hold main's files as
 * committed. Renames are shown as a deletion and an addition (`--no-renames`),
 * since a renamed event is a lost one.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConclaveError } from '../../../shared/errors';
import { blobEntryOf, type GitRunner } from '../repository/git';
import { branch } from '../repository/repository-service';
import { storeGitFolder } from '../repository/store-git-folder';
import { classifyPath, currentPath, describePath, layoutMoves } from '../repository/layout';
import type { AuditFinding } from './findings';
import { readVerification, verifiedHead, verifiedRef } from './verification-record';

export interface HistoryAudit {
  checked: boolean;
  /** The head of main that was checked. */
  head?: string;
  /** The commit --since named, resolved. */
  sinceCommit?: string;
  commits: number;
  findings: AuditFinding[];
  notes: string[];
}

const commitMarker = '\u0001';

export async function auditHistory(root: string, git: GitRunner, options: { since?: string } = {}): Promise<HistoryAudit> {
  const result: HistoryAudit = { checked: false, commits: 0, findings: [], notes: [] };
  if ((await storeGitFolder(root)) === 'none') {
    result.notes.push(`The store at ${root} is not a git repository, so there is no history to check; only its files were checked. Setting a remote (Settings, or "conclave remote add") or "conclave sync" makes it one.`);
    return result;
  }
  const run = (args: string[]) => git.run(args, { cwd: root });
  const ok = (args: string[]) => git.ok(args, { cwd: root });
  if ((await run(['rev-parse', '-q', '--verify', `${branch}^{commit}`])).code !== 0) {
    result.notes.push(`The store's git repository has no commits on main yet, so there is no history to check.`);
    return result;
  }
  result.head = (await ok(['rev-parse', branch])).trim();
  // This machine's witness: the head its last clean audit covered must still be in the history.
  const verified = await verifiedHead(root, git);
  if (verified && (await run(['merge-base', '--is-ancestor', verified, branch])).code !== 0) {
    const record = await readVerification(root);
    result.findings.push({
      code: 'history-rewritten',
      commit: verified,
      message: `The history of main was rewritten: it is now at ${result.head.slice(0, 12)}, which no longer contains ${verified.slice(0, 12)}, the head this machine verified${record ? ` on ${record.at}` : ''}. Find out who rewrote it; restore ${verified.slice(0, 12)} (it is kept as ${verifiedRef}) before trusting anything newer.`,
    });
  }
  let range = branch;
  if (options.since !== undefined) {
    const since = await run(['rev-parse', '-q', '--verify', `${options.since}^{commit}`]);
    if (since.code !== 0) {
      throw new ConclaveError('invalid-input', `"${options.since}" is not a commit of the store's repository, so --since cannot start there. Give a commit or ref from "git -C ${root} log main".`, { cause: 'unknown-ref' });
    }
    const sinceCommit = since.stdout.trim();
    result.sinceCommit = sinceCommit;
    if ((await run(['merge-base', '--is-ancestor', sinceCommit, branch])).code !== 0) {
      result.findings.push({
        code: 'history-rewritten',
        commit: sinceCommit,
        message: `The commit ${options.since} (${sinceCommit.slice(0, 12)}) is not in the history of main (now ${(await ok(['rev-parse', branch])).trim().slice(0, 12)}): the history was rewritten since it was verified, or it names another branch.`,
      });
    }
    range = `${sinceCommit}..${branch}`;
  }
  result.checked = true;
  result.commits = Number((await ok(['rev-list', '--count', range])).trim());

  // --raw: each change with its blobs, so a move to the dated folders (the same blob removed and added, layout.ts) is told from a loss.
  const log = await ok(['-c', 'core.quotePath=false', 'log', '-m', '--no-renames', '--raw', '--no-abbrev', `--format=${commitMarker}%H %s`, range, '--']);
  const seen = new Set<string>();
  // One diff per commit and parent (-m shows a merge against each of its parents).
  const diffs: { commit: string; subject: string; changes: { status: string; mode: string; blob: string; oldBlob: string; path: string }[] }[] = [];
  for (const line of log.split('\n')) {
    if (line.startsWith(commitMarker)) {
      diffs.push({ commit: line.slice(1, 41), subject: line.slice(42), changes: [] });
      continue;
    }
    const change = /^:(\d+) (\d+) ([0-9a-f]+) ([0-9a-f]+) ([A-Z])[0-9]*\t(.+)$/.exec(line);
    if (change && diffs.length > 0) diffs.at(-1)!.changes.push({ mode: change[2]!, oldBlob: change[3]!, blob: change[4]!, status: change[5]!, path: change[6]! });
  }
  for (const { commit, subject, changes } of diffs) {
    const moves = layoutMoves(changes);
    for (const { status, path } of changes) {
      if (moves.has(path)) continue;
      const finding = changeFinding(status, path, `commit ${commit.slice(0, 12)} ("${subject}")`);
      if (!finding) continue;
      const key = `${commit} ${status} ${path}`;
      if (seen.has(key)) continue; // a merge shows the same change against each parent
      seen.add(key);
      result.findings.push({ ...finding, commit });
    }
  }

  // The store folder against main: an event edited or deleted in place, not (yet) committed.
  // Compared blob by blob, never through git's index, which Conclave does not read (repository-service.ts).
  // Streamed: at 400,000 files the listing is about as large as a buffered answer may be.
  const committed: { path: string; blob: string; stored: string; ceremonyId: string }[] = [];
  await git.records(['ls-tree', '-r', '-z', branch], { cwd: root }, (record) => {
    const entry = blobEntryOf(record);
    const kind = entry ? classifyPath(entry.path) : undefined;
    if (entry && (kind?.kind === 'event' || kind?.kind === 'evidence')) committed.push({ path: entry.path, blob: entry.blob, stored: currentPath(kind), ceremonyId: kind.ceremonyId });
  });
  // A file main still holds in the legacy layout is in its dated folder in the store folder (moved when the store was first used).
  const present: typeof committed = [];
  for (const file of committed) {
    const { ceremonyId } = file;
    const exists = await stat(join(root, file.stored)).then(
      (info) => info.isFile(),
      () => false,
    );
    if (exists) present.push(file);
    else result.findings.push({ code: 'worktree-deleted', ceremonyId, file: file.path, message: `${capitalized(describePath(file.path))} is committed on main but missing from the store folder: it was deleted after it was committed.` });
  }
  if (present.length > 0) {
    const blobs = (await git.ok(['hash-object', '--no-filters', '--stdin-paths'], { cwd: root, input: `${present.map((file) => file.stored).join('\n')}\n` })).trim().split('\n');
    present.forEach((file, index) => {
      if (blobs[index] === file.blob) return;
      const ceremonyId = (classifyPath(file.path) as { ceremonyId: string }).ceremonyId;
      result.findings.push({ code: 'worktree-modified', ceremonyId, file: file.path, message: `${capitalized(describePath(file.path))} in the store folder differs from the one committed on main: it was edited in place after it was committed.` });
    });
  }
  return result;
}

function changeFinding(status: string, path: string, where: string): Omit<AuditFinding, 'commit'> | undefined {
  const kind = classifyPath(path);
  if (status === 'A' || (kind?.kind !== 'event' && kind?.kind !== 'evidence')) return undefined;
  const what = capitalized(describePath(path));
  if (status === 'D') return { code: 'history-deleted', ceremonyId: kind.ceremonyId, file: path, message: `${what} was deleted by ${where}; events and evidence are written once and never removed.` };
  return { code: 'history-modified', ceremonyId: kind.ceremonyId, file: path, message: `${what} was changed by ${where} (git status ${status}); events and evidence are written once and never rewritten.` };
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
