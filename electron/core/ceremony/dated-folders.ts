/**
 * Reading the store's dated folders (shared/ceremony/store-layout.ts): the
 * day folders, and the ceremonies of a day. Only folders named as the layout
 * names them are read, and only ids whose date is their folder's: a folder
 * under another day is not a ceremony of that day.
 */
import { readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ceremonyIdPattern } from '../../../shared/ceremony/events';
import { ceremoniesFolder, dateFoldersOf, monthOrDayFolderPattern, yearFolderPattern } from '../../../shared/ceremony/store-layout';

function names(path: string, pattern: RegExp): string[] {
  try {
    return readdirSync(path)
      .filter((name) => pattern.test(name))
      .sort();
  } catch {
    return [];
  }
}

/** The store's year ("2026"), month ("2026/12") and day ("2026/12/05") folders, each oldest first: a few hundred small folders read, never the ceremonies. */
export function datedFolders(root: string): { years: string[]; months: string[]; days: string[] } {
  const top = join(root, ceremoniesFolder);
  const years = names(top, yearFolderPattern);
  const months = years.flatMap((year) => names(join(top, year), monthOrDayFolderPattern).map((month) => `${year}/${month}`));
  const days = months.flatMap((month) => names(join(top, month), monthOrDayFolderPattern).map((day) => `${month}/${day}`));
  return { years, months, days };
}

/** Every day folder of the store ("2026/12/05"), oldest first. */
export function dayFolders(root: string): string[] {
  return datedFolders(root).days;
}

/** The ceremony ids of one day folder, sorted. */
export function ceremoniesOfDay(root: string, day: string): string[] {
  return names(join(root, ceremoniesFolder, day), ceremonyIdPattern).filter((id) => dateFoldersOf(id) === day);
}

/** Every ceremony id of the store, sorted; the day folders are listed without holding the thread for all of them at once. */
export async function listCeremonyIds(root: string): Promise<string[]> {
  const ids: string[] = [];
  for (const day of dayFolders(root)) {
    const found = await readdir(join(root, ceremoniesFolder, day)).catch(() => [] as string[]);
    ids.push(...found.filter((id) => ceremonyIdPattern.test(id) && dateFoldersOf(id) === day).sort());
  }
  return ids;
}
