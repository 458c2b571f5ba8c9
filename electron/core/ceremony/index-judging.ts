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
  const statOf = (path: string) => (store.blocking ? Promise.resolve(statSync(path, { throwIfNoEntry: false })) : stat(path).catch(() => undefined));
  const [files, folderTime] = await Promise.all([store.eventFileNames(id), statOf(dir).then((folder) => folder?.mtimeMs ?? 0)]);
  if (previous && previous.folderTime === folderTime && sameList(previous.files, files)) return previous;
  const lines = await Promise.all(files.map((name) => statOf(join(dir, name)).then((file) => (file ? `${name}\t${file.size}\t${file.mtimeMs}` : `${name}\t-`))));
  return { files, folderTime, stamp: createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 32) };
}

/** Stamps the files first, then loads: a file that changes in between gives another stamp next time, and is read again then. */
export async function judgeForIndex(service: CeremonyService, id: string): Promise<IndexedCeremony | undefined> {
  const stamped = await eventFilesStamp(service.store, id);
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

