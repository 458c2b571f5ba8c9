/**
 * When the summary index cannot save what it judged (ceremony-index.ts), every
 * start judges every ceremony again: about 5 s at 10,000 ceremonies instead of
 * a twentieth of a second. Nothing shown is wrong, so the cache's failures
 * were swallowed, and a person whose cache path had become a folder, or whose
 * data folder was not theirs to write, had slow starts with no reason given.
 * This says why, and what to do, for the Ceremonies screen.
 */
import { constants } from 'node:fs';
import { access, lstat, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

const consequence = 'Conclave could not save the ceremonies it has checked, so each start checks every ceremony again (slow on a large store)';

/** A person's sentence for a failed write of the cache at `path`. */
export function cacheNotSavedMessage(path: string, error: unknown): string {
  return reasonOf(path, (error as NodeJS.ErrnoException | undefined)?.code, error instanceof Error ? error.message : String(error));
}

function reasonOf(path: string, code: string | undefined, detail: string): string {
  const folder = dirname(path);
  switch (code) {
    case 'EISDIR':
      return `${consequence}: ${path} is a folder. Move that folder out of the way; Conclave keeps a file there.`;
    case 'ENOTDIR':
      return `${consequence}: a file is in the way of the folder ${folder}. Move that file out of the way.`;
    case 'EACCES':
    case 'EPERM':
      return `${consequence}: this account may not write to ${folder}. Give it the right to, or remove what is there.`;
    case 'EROFS':
      return `${consequence}: ${folder} is on a read-only disk.`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `${consequence}: the disk holding ${folder} is full. Free some space.`;
    default:
      return `${consequence} to ${path}: ${detail}.`;
  }
}

/**
 * Why the cache at `path` cannot be written, seen before any write (so the first screen of a start can say so, not
 * only the next one after a build): undefined when nothing stands in the way that these checks can see.
 */
export async function cacheUnwritable(path: string): Promise<string | undefined> {
  if ((await lstat(path).catch(() => undefined))?.isDirectory()) return reasonOf(path, 'EISDIR', 'is a folder');
  const folder = await stat(dirname(path)).catch((error: NodeJS.ErrnoException) => error);
  if (folder instanceof Error) return folder.code === 'ENOENT' ? undefined : cacheNotSavedMessage(path, folder);
  if (!folder.isDirectory()) return reasonOf(path, 'ENOTDIR', 'not a folder');
  return access(dirname(path), constants.W_OK).then(
    () => undefined,
    (error: unknown) => cacheNotSavedMessage(path, error),
  );
}
