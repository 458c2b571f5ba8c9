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
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sameList } from '../../../shared/lists/same-list';
import type { CeremonyService, LoadedCeremony } from './ceremony-service';
import { summarize, type SummaryRecord } from './ceremony-views';
import { eventFilesOf, type CeremonyStore, type EventTextsRead, type OpenedFile } from './event-store';

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
  const [files, folderTime] = await Promise.all([store.eventFileNames(id), store.eventsFolderTime(id)]);
  if (previous && previous.folderTime === folderTime && sameList(previous.files, files)) return previous;
  const stats = await Promise.all(files.map((name) => stat(join(dir, name)).catch(() => undefined)));
  return { files, folderTime, stamp: stampOf(files, (name, index) => stats[index]) };
}

/** The digest of each file's name, size and time ("-": it could not be looked at). */
function stampOf(files: string[], statsOf: (name: string, index: number) => OpenedFile | undefined): string {
  const lines = files.map((name, index) => {
    const file = statsOf(name, index);
    return file ? `${name}\t${file.size}\t${file.mtimeMs}` : `${name}\t-`;
  });
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 32);
}

/**
 * The folder's time first, then one read of its files, judged. The stamp is of
 * exactly the files judged, each as it was opened (one listing, one open of
 * each); a file that comes after the listing changes the folder's time, and
 * the ceremony is read again then.
 */
export async function judgeForIndex(service: CeremonyService, id: string): Promise<IndexedCeremony | undefined> {
  try {
    return (await readAndJudge(service, id)).indexed;
  } catch {
    // Not loadable yet (its opening has not arrived, mid-sync): listed once it is.
    return undefined;
  }
}

/**
 * As judgeForIndex reads and judges a ceremony, with the engine's verdict
 * beside the index's line: a sync that checks what it brought (ceremony-
 * arrivals.ts) leaves the lines for the next start (issue 15). Throws what
 * loading throws.
 */
export async function readAndJudge(service: CeremonyService, id: string): Promise<{ loaded: LoadedCeremony; indexed: IndexedCeremony }> {
  const folderTime = await service.store.eventsFolderTime(id);
  return judgeRead(service, id, folderTime, await service.store.readTexts(id));
}

/**
 * A batch of ceremonies as judgeForIndex judges each: every one's files read
 * first, then all parsed and judged. On an index thread, whose reads block,
 * reading and judging apart take less time than each ceremony's reads between
 * another's checks, as the kernel and the judge each keep their data in the
 * processor's caches: 15-20% less on one thread of the bench machine, 3-4%
 * with both its cores busy (the built-again index, issue 15).
 */
export async function judgeBatchForIndex(service: CeremonyService, ids: readonly string[]): Promise<{ id: string; indexed: IndexedCeremony | undefined }[]> {
  const read: { id: string; folderTime: number; texts: EventTextsRead | undefined }[] = [];
  for (const id of ids) {
    const folderTime = await service.store.eventsFolderTime(id);
    read.push({ id, folderTime, texts: await service.store.readTexts(id).catch(() => undefined) });
  }
  // Judged side by side: a ceremony that waits (a revocation list to fetch) holds up none of the others.
  return Promise.all(
    read.map(async ({ id, folderTime, texts }) => ({ id, indexed: texts && (await judgeRead(service, id, folderTime, texts).catch(() => undefined))?.indexed })),
  );
}

async function judgeRead(service: CeremonyService, id: string, folderTime: number, texts: EventTextsRead): Promise<{ loaded: LoadedCeremony; indexed: IndexedCeremony }> {
  const read = eventFilesOf(id, texts);
  const loaded = await service.judge(id, read.files, read.unreadable);
  return { loaded, indexed: { id, files: read.names, folderTime, stamp: stampOf(read.names, (name) => read.opened.get(name)), record: summarize(loaded) } };
}
