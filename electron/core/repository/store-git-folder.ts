/**
 * Whether the store is a git repository of its own. Conclave keeps records
 * of its own in the store's .git folder (the sync's lock, the folders it
 * wrote, where its last look stopped, the last audit), so a store whose .git
 * is a file pointing elsewhere (a linked worktree, a submodule, a clone made
 * with --separate-git-dir) is refused with what to do, before anything is
 * read or written there: otherwise each of those records failed with a bare
 * ENOTDIR or EEXIST.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConclaveError } from '../../../shared/errors';

/** 'none': not a git repository yet; 'own': .git is a folder. Throws for a linked checkout. */
export async function storeGitFolder(root: string): Promise<'none' | 'own'> {
  const entry = await stat(join(root, '.git')).catch(() => undefined);
  if (!entry) return 'none';
  if (entry.isDirectory()) return 'own';
  throw new ConclaveError(
    'invalid-input',
    `The store ${root} is a linked git checkout: its .git is a file that points elsewhere (a worktree, a submodule or a separate git folder). Conclave keeps its records in the store's own .git folder, so the store must be a repository of its own: clone the shared repository into a folder of its own ("git clone URL FOLDER") and use that folder as the store.`,
    { cause: 'store-git-linked' },
  );
}
