/**
 * Moves the ceremonies of a store made before the dated folders
 * (`ceremonies/<id>`) to where they live now (`ceremonies/YYYY/MM/DD/<id>`,
 * shared/ceremony/store-layout.ts), once, the first time a Conclave that
 * knows the dated folders uses the store.
 *
 * Nothing is rewritten or lost: a ceremony's folder is renamed whole (one
 * atomic rename), and only when the dated folder already exists (a file for
 * the ceremony arrived there first) are its files moved one by one, each
 * under its own name. A file already there with the same bytes is the same
 * file; one with other bytes under the same name is left where it was and
 * reported (names are unique, so someone edited a file): the audit names it.
 * Two processes moving at once is harmless: a folder the other moved is gone.
 */
import { link, mkdir, readdir, readFile, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ceremonyIdPattern } from '../../../shared/ceremony/events';
import { ceremoniesFolder, ceremonyFolder, legacyCeremonyFolder } from '../../../shared/ceremony/store-layout';
import { syncFolder } from '../atomic-file';

export interface LayoutMigration {
  /** Ceremonies moved to their dated folder. */
  moved: string[];
  /** Files left in a legacy folder because the dated folder holds other bytes under their name ("ceremonies/<id>/events/<name>"). */
  clashes: string[];
}

/** Ceremony ids still in the legacy layout, sorted. */
export async function legacyCeremonies(root: string): Promise<string[]> {
  const names = await readdir(join(root, ceremoniesFolder)).catch(() => [] as string[]);
  return names.filter((name) => ceremonyIdPattern.test(name)).sort();
}

export async function moveLegacyCeremonies(root: string): Promise<LayoutMigration> {
  const result: LayoutMigration = { moved: [], clashes: [] };
  const ids = await legacyCeremonies(root);
  if (ids.length === 0) return result;
  const touched = new Set<string>([join(root, ceremoniesFolder)]);
  for (const id of ids) {
    const from = join(root, legacyCeremonyFolder(id));
    const to = join(root, ceremonyFolder(id));
    await mkdir(dirname(to), { recursive: true });
    touched.add(dirname(to));
    try {
      await rename(from, to);
      result.moved.push(id);
      continue;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue; // moved by another process meanwhile
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
    if (await mergeFolder(from, to, `${legacyCeremonyFolder(id)}`, result.clashes, touched)) result.moved.push(id);
  }
  // The renames last across a crash only once the folders that hold the new names are on disk.
  for (const folder of touched) await syncFolder(folder).catch(() => undefined);
  return result;
}

/** Moves what `from` holds into `to`, file by file; true when `from` is gone afterwards. */
async function mergeFolder(from: string, to: string, shown: string, clashes: string[], touched: Set<string>): Promise<boolean> {
  const entries = await readdir(from, { withFileTypes: true }).catch(() => []);
  await mkdir(to, { recursive: true });
  for (const entry of entries) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      try {
        await rename(source, target);
        touched.add(to);
      } catch {
        await mergeFolder(source, target, `${shown}/${entry.name}`, clashes, touched);
      }
      continue;
    }
    if (await moveWithoutReplacing(source, target)) {
      touched.add(to);
      continue;
    }
    const [present, moving] = [await readFile(target).catch(() => undefined), await readFile(source).catch(() => undefined)];
    if (present && moving && present.equals(moving)) await unlink(source);
    else clashes.push(`${shown}/${entry.name}`);
  }
  try {
    await rmdir(from);
    return true;
  } catch {
    return false;
  }
}

/** Renames a file unless `target` exists (a link, then the old name removed: a rename would replace it); false when it exists. */
async function moveWithoutReplacing(source: string, target: string): Promise<boolean> {
  try {
    await link(source, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without links: checked, then renamed (the window between the two is a file of the same unique name).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    if (await stat(target).then(() => true, () => false)) return false;
    await rename(source, target);
    return true;
  }
  await unlink(source);
  return true;
}
