/**
 * A team's shared repository for tests of joining it: a bare git remote
 * holding generated ceremonies, pushed with git alone, one of whose approvals
 * an outsider with push access broke. Used by the command line's sync
 * (tests/cli-process) and the window's (tests/repository).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';
import { generateCeremonies, type GeneratedHistory } from './generate-ceremonies';

export interface Team {
  remote: string;
  history: GeneratedHistory;
  /** The ceremony whose approval was tampered with, and whose approval it was. */
  tampered: { id: string; approver: string };
  /** Adds `count` ceremonies to the remote, as teammates' syncs would. */
  grow(count: number): Promise<string[]>;
}

/**
 * The team's store of `size` generated ceremonies, pushed to a bare remote in `dir` by git alone (no Conclave), with
 * one approval's signature broken by someone with push access.
 */
export async function teamRemote(dir: string, env: NodeJS.ProcessEnv, size: number): Promise<Team> {
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd: dir, env: { ...env, GIT_AUTHOR_NAME: 'team', GIT_AUTHOR_EMAIL: 'team@example.org', GIT_COMMITTER_NAME: 'team', GIT_COMMITTER_EMAIL: 'team@example.org' }, encoding: 'utf8' });
  const work = join(dir, 'team-store');
  const remote = join(dir, 'team.git');
  const teamGit = ['--git-dir', join(dir, 'team-work.git'), '--work-tree', work];
  git(['init', '-q', '--bare', '-b', 'main', remote]);
  git(['init', '-q', '--bare', '-b', 'main', join(dir, 'team-work.git')]);
  const history = await generateCeremonies(work, size);
  const tampered = breakAnApproval(work, history);
  const push = (message: string) => {
    git([...teamGit, 'add', '-A', 'ceremonies']);
    git([...teamGit, 'commit', '-q', '-m', message]);
    git([...teamGit, 'push', '-q', remote, 'main:main']);
  };
  push('the team so far');
  return {
    remote,
    history,
    tampered,
    // A teammate's clone, as the joiner's sync may have pushed to the remote meanwhile.
    grow: async (count) => {
      const clone = join(dir, `teammate-${Date.now()}`);
      git(['clone', '-q', remote, clone]);
      const grown = await generateCeremonies(clone, count);
      git(['-C', clone, 'add', '-A', 'ceremonies']);
      git(['-C', clone, 'commit', '-q', '-m', 'more ceremonies']);
      git(['-C', clone, 'push', '-q', 'origin', 'main']);
      return grown.ids;
    },
  };
}

/** Flips a byte of an approval file's envelope signature: the file still parses, and its signature no longer verifies. */
export function breakAnApproval(store: string, history: GeneratedHistory): { id: string; approver: string } {
  for (const id of history.ids) {
    const events = join(store, ceremonyFolder(id), 'events');
    const approval = readdirSync(events).find((name) => name.includes('-approved-'));
    if (!approval) continue;
    const envelope = JSON.parse(readFileSync(join(events, approval), 'utf8')) as { payload: string; signatures: { keyid: string; sig: string }[] };
    const signature = Buffer.from(envelope.signatures[0]!.sig, 'base64');
    signature[Math.floor(signature.length / 2)]! ^= 0x01;
    envelope.signatures[0]!.sig = signature.toString('base64');
    writeFileSync(join(events, approval), JSON.stringify(envelope));
    const keyId = (JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { keyId: string }).keyId;
    const approver = Object.entries(history.keys).find(([, key]) => key.keyId === keyId)![0];
    return { id, approver };
  }
  throw new Error('the generated history has no approval');
}
