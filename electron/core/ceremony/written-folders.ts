/**
 * The store's folders Conclave wrote into since the last sync (issue 15): a
 * sync commits and pushes what they hold first, then looks at every folder of
 * the store (folder-scan.ts) while git pushes, instead of before.
 *
 * Only a hint. The sync's look at every folder still decides what goes out,
 * so a file that another program put there, a line lost to a crash, or a file
 * written while a sync took the list, is found by that look and sent in the
 * same sync or the next, as before. Kept in the store's .git (never shared),
 * one line per folder ("<ceremony id>/events"), appended: several processes
 * (the window, a terminal) can note folders at once.
 */
import { appendFile, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ceremonyIdPattern } from '../../../shared/ceremony/events';
import { ceremonySubfolder } from '../../../shared/ceremony/store-layout';

const listName = 'conclave-written';
/** The list a sync took (renamed, so that writers start a new one); removed once that sync has read every folder. */
const takenName = 'conclave-written.taken';
/** A list longer than this is not worth reading: the sync reads every changed folder anyway. */
const maxListBytes = 1024 * 1024;

export type StoreFolder = 'events' | 'evidence';

/** Notes, before a file is written there, that a folder of the store is about to change; nothing when the store is not a git repository yet. */
export async function noteWritten(root: string, folders: readonly { ceremonyId: string; folder: StoreFolder }[]): Promise<void> {
  const list = join(root, '.git', listName);
  // A list past what a sync reads (a store that is never synced) is not added to: it would only grow.
  if (folders.length === 0 || (await stat(list).then((entry) => entry.size, () => 0)) > maxListBytes) return;
  // One write of whole lines with O_APPEND: lines of two processes do not interleave. Without a .git folder the
  // append fails (ENOENT, ENOTDIR) and nothing is created.
  await appendFile(list, folders.map(({ ceremonyId, folder }) => `${ceremonyId}/${folder}\n`).join(''), { mode: 0o644 }).catch(() => undefined);
}

export interface WrittenFolders {
  /** The folders (store paths, "ceremonies/YYYY/MM/DD/<id>/events"), each once, in the order noted. */
  folders: string[];
  /** Forgets them, once the sync has read every folder of the store and main holds what it found. */
  done(): Promise<void>;
}

/**
 * Takes the list for a sync: what it names, with what a sync that was cut
 * short took and did not finish. Writers meanwhile note into a new list,
 * which the next sync takes.
 */
export async function takeWritten(root: string): Promise<WrittenFolders> {
  const gitDir = join(root, '.git');
  const taken = join(gitDir, takenName);
  const moving = join(gitDir, `${takenName}.new`);
  const read = (path: string) => readFile(path, 'utf8').catch(() => '');
  // Renamed first (atomic: a writer's line is in the list moved, or starts a new one), then added to what an earlier sync took.
  const leftOver = await read(moving);
  if (leftOver) await appendFile(taken, leftOver, { mode: 0o644 });
  await rename(join(gitDir, listName), moving).catch(() => undefined);
  const moved = await read(moving);
  if (moved) await appendFile(taken, moved, { mode: 0o644 });
  // A sync cut short between these steps leaves the list moved: read again next time (a line twice is one folder).
  await rm(moving, { force: true });
  const text = await read(taken);
  const folders = text.length > maxListBytes ? [] : [...new Set(text.split('\n').filter(isFolderLine))].map((line) => {
    const [id, folder] = line.split('/') as [string, StoreFolder];
    return ceremonySubfolder(id, folder);
  });
  return { folders, done: () => rm(taken, { force: true }) };
}

function isFolderLine(line: string): boolean {
  const [id, folder, ...rest] = line.split('/');
  return rest.length === 0 && id !== undefined && ceremonyIdPattern.test(id) && (folder === 'events' || folder === 'evidence');
}
