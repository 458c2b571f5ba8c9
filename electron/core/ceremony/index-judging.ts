/**
 * One ceremony read and judged for the summary index (ceremony-index.ts), the
 * same on the window's thread and on an index thread (index-worker.ts): what
 * its event files are, a stamp of them, and its summary record.
 *
 * The stamp is what says whether a ceremony must be read again: the names of
 * its event files with each one's size and modification time. Event files
 * are never rewritten, so a new name is the usual change; size and time catch
 * a file replaced under the same name (a bad merge, a restored backup).
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sameList } from '../../../shared/lists/same-list';
import type { CeremonyService, LoadedCeremony } from './ceremony-service';
import { summarize, type SummaryRecord } from './ceremony-views';
import type { CeremonyStore } from './event-store';

export interface EventFilesStamp {
  /** The event file names, sorted (as the store lists them). */
  files: string[];
  /** Modification time of the events folder: unchanged, and with the same names, no file needs a look. */
  folderTime: number;
  /** A digest of every file's name, size and modification time. */
  stamp: string;
}

export interface IndexedCeremony extends EventFilesStamp {
  id: string;
  record: SummaryRecord;
}

/** The folder's time and names; the stamp of each file only when `previous` (same names, same folder time) does not already answer. */
export async function eventFilesStamp(store: CeremonyStore, id: string, previous?: EventFilesStamp): Promise<EventFilesStamp> {
  const dir = store.eventsDir(id);
  const statOf = (path: string) => (store.blocking ? Promise.resolve(statBlocking(path)) : stat(path).catch(() => undefined));
  const [files, folderTime] = await Promise.all([store.eventFileNames(id), statOf(dir).then((folder) => folder?.mtimeMs ?? 0)]);
  if (previous && previous.folderTime === folderTime && sameList(previous.files, files)) return previous;
  const stats = await Promise.all(files.map((name) => statOf(join(dir, name))));
  return { files, folderTime, stamp: stampOf(files, (name, index) => stats[index]) };
}

/** A file's or folder's stats, blocking the thread; undefined when it cannot be looked at, whatever the reason. */
function statBlocking(path: string): { size: number; mtimeMs: number } | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** The digest of each file's name, size and time ("-": it could not be looked at). */
function stampOf(files: string[], statsOf: (name: string, index: number) => { size: number; mtimeMs: number } | undefined): string {
  const lines = files.map((name, index) => {
    const file = statsOf(name, index);
    return file ? `${name}\t${file.size}\t${file.mtimeMs}` : `${name}\t-`;
  });
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 32);
}

/** Stamps the files first, then loads: a file that changes in between gives another stamp next time, and is read again then. */
export async function judgeForIndex(service: CeremonyService, id: string): Promise<IndexedCeremony | undefined> {
  const store = service.store;
  if (store.blocking) {
    // An index thread: the stamp is of the very files the load read, sizes and times as each was opened (one listing,
    // one open of each, where stamping first listed and looked at each a second time). The folder's time is read
    // before the listing: a file that comes after it changes the time, and the ceremony is read again.
    const folderTime = statBlocking(store.eventsDir(id))?.mtimeMs ?? 0;
    const loaded = await tryLoad(service, id);
    const read = store.takeLastRead(id);
    if (!loaded) return undefined;
    if (read) return { id, files: read.names, folderTime, stamp: stampOf(read.names, (name) => read.files.get(name)), record: summarize(loaded) };
  }
  const stamped = await eventFilesStamp(store, id);
  const loaded = await tryLoad(service, id);
  return loaded ? { id, ...stamped, record: summarize(loaded) } : undefined;
}

async function tryLoad(service: CeremonyService, id: string): Promise<LoadedCeremony | undefined> {
  try {
    return await service.load(id);
  } catch {
    // Not loadable yet (its opening has not arrived, mid-sync): listed once it is.
    return undefined;
  }
}

