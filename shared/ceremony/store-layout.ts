/**
 * Where a ceremony's files live, in the store folder and in the shared
 * repository alike: `ceremonies/YYYY/MM/DD/<id>/events/<file>` and
 * `…/<id>/evidence/<sha256>.json`, the date being the one the id carries (the
 * day it was opened). The folder follows from the id alone, so every machine
 * puts a ceremony in the same place.
 *
 * Why dated folders (issue 15): git keeps a folder as one object listing its
 * entries. One folder of 100,000 ceremonies is a 4.6 MB object that every
 * commit rewrites and every push walks, whichever ceremony changed; a day's
 * folder lists that day's ceremonies.
 *
 * Stores made before kept every ceremony at `ceremonies/<id>`, the legacy
 * layout: read, and moved to the dated folder (store-layout-migration.ts in
 * the core; the repository records the move as a commit of its own).
 */
import { ceremonyIdPattern } from './events';

export const ceremoniesFolder = 'ceremonies';

export type CeremonyFolderKind = 'events' | 'evidence';

/** "2026/12/05": the dated folders of a ceremony id (no check that the date is a real day: the id decides, not the calendar). */
export function dateFoldersOf(ceremonyId: string): string {
  const day = ceremonyId.slice(2, 10);
  return `${day.slice(0, 4)}/${day.slice(4, 6)}/${day.slice(6, 8)}`;
}

/** "ceremonies/2026/12/05/c-20261205-…": the ceremony's folder, relative to the store, with "/" between names. */
export function ceremonyFolder(ceremonyId: string): string {
  if (!ceremonyIdPattern.test(ceremonyId)) throw new TypeError(`not a ceremony id: ${ceremonyId}`);
  return `${ceremoniesFolder}/${dateFoldersOf(ceremonyId)}/${ceremonyId}`;
}

/** "ceremonies/…/<id>/events": one of the ceremony's two folders. */
export function ceremonySubfolder(ceremonyId: string, folder: CeremonyFolderKind): string {
  return `${ceremonyFolder(ceremonyId)}/${folder}`;
}

/** "ceremonies/<id>": where the ceremony lived in the legacy layout. */
export function legacyCeremonyFolder(ceremonyId: string): string {
  return `${ceremoniesFolder}/${ceremonyId}`;
}

/** The names of the dated folders: four digits, then two, then two. */
export const yearFolderPattern = /^\d{4}$/;
export const monthOrDayFolderPattern = /^\d{2}$/;
