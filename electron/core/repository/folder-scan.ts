/**
 * Which folders of the store have changed since the last sync, so a sync
 * reads only those (issue 15): listing every folder of 100,000 ceremonies
 * takes tens of seconds, a stat of each takes well under one. A folder's
 * modification time changes whenever a file is created in it or renamed into
 * it (how every event and evidence file arrives, atomic-file.ts), so a folder
 * whose time is the one recorded after the last commit holds no file that
 * main lacks.
 *
 * The record (in .git, never shared) names the main it was made for; it is
 * believed only while main has only gained files since (checked by the
 * caller), and a folder modified within two seconds before the look that saw
 * it is read again (a file written in the same clock tick as the listing
 * could have been missed, as git's "racy" files).
 *
 * A look can be stopped (a sync that has pushed what Conclave wrote does not
 * wait for the rest of it): what it read is kept, and the next look starts
 * where it stopped, so every folder is looked at in turn.
 */
import { readFile, rm } from 'node:fs/promises';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { ceremonyIdPattern } from '../../../shared/ceremony/events';
import { ceremonySubfolder, dateFoldersOf } from '../../../shared/ceremony/store-layout';
import { writeFileAtomically } from '../atomic-file';
import { ceremoniesOfDay, dayFolders } from '../ceremony/dated-folders';
import { classifyPath } from './layout';

const recordName = 'conclave-folders';
/** Where a look that was stopped goes on: the first ceremony id it did not reach. */
const resumeName = 'conclave-folders.next';
/** Modified this close before a listing, a folder is listed again next time: coarse file-system clocks tick in seconds. */
const racyNs = 2_000_000_000n;
/** Stats between two turns of the event loop: the window's core keeps answering during a scan. */
const statsPerTurn = 2000;

/**
 * Lines of text (a JSON object of 200,000 keys takes half a second each way):
 * "conclave-folders 2", the head of main the record was made for, then
 * "id/events mtime-ns" per folder. A folder modified within two seconds
 * before the look that saw it is not recorded, so it is read again.
 * Version 1 (one look per record) also held when that look began.
 */
interface FolderRecord {
  head: string;
  folders: Map<string, string>;
}

export interface FolderScan {
  /** Event and evidence files (by their store paths) in the folders that were read. */
  files: string[];
  /** The folders that were read (changed since the record, or with no record). */
  changed: string[];
  /** Whether every folder was looked at; a look that was stopped is taken up where it stopped by the next. */
  complete: boolean;
  /** Remembers the folders as seen by this look, for a main at `head`; the folders of `recheck` are read again next time. */
  save(head: string, recheck: readonly string[]): Promise<void>;
}

export interface FolderScanOptions {
  /** Asked between turns: true ends the look where it is (what it read so far is kept). */
  stop?: () => boolean;
}

/**
 * @param trusted whether main has only gained files since the recorded head
 *   (it is an ancestor, and nothing was removed or edited since).
 */
export async function scanFolders(root: string, trusted: (head: string) => Promise<boolean>, options: FolderScanOptions = {}): Promise<FolderScan> {
  const at = BigInt(Date.now()) * 1_000_000n;
  const recordPath = join(root, '.git', recordName);
  const resumePath = join(root, '.git', resumeName);
  const record = await readRecord(recordPath);
  const usable = record !== undefined && (await trusted(record.head));
  const recorded = usable ? record.folders : new Map<string, string>();
  const seen = new Map<string, string>();
  const files: string[] = [];
  const changed: string[] = [];
  // Where the last look stopped, if it was stopped: every folder gets its turn however often syncs are cut short.
  const resumeAt = (await readFile(resumePath, 'utf8').catch(() => '')).trim();
  let done = 0;
  let stoppedAt: string | undefined;
  const prefix = `${resolve(root)}${sep}`;
  for (const id of ceremoniesFrom(root, ceremonyIdPattern.test(resumeAt) ? resumeAt : undefined)) {
    if (++done % (statsPerTurn / 2) === 0) {
      await new Promise((resolve) => setImmediate(resolve));
      if (options.stop?.()) {
        stoppedAt = id;
        break;
      }
    }
    for (const folder of ['events', 'evidence'] as const) {
      const key = `${id}/${folder}`;
      const path = ceremonySubfolder(id, folder);
      // Joined by hand: path.join normalises the whole string each time, a third of the cost of 200,000 stats.
      const stats = statSync(`${prefix}${path}`, { bigint: true, throwIfNoEntry: false });
      if (!stats?.isDirectory()) continue;
      // Read before the listing: a file added while listing changes the time again, so the folder is read next time.
      const time = stats.mtimeNs.toString();
      if (stats.mtimeNs < at - racyNs) seen.set(key, time);
      if (recorded.get(key) === time) continue;
      changed.push(path);
      let names: string[];
      try {
        names = readdirSync(join(root, path)).sort();
      } catch {
        continue;
      }
      for (const name of names) if (classifyPath(`${path}/${name}`)) files.push(`${path}/${name}`);
    }
  }
  return {
    files,
    changed,
    complete: stoppedAt === undefined,
    async save(head, recheck) {
      if (stoppedAt !== undefined) await writeFileAtomically(resumePath, `${stoppedAt}\n`, 0o644);
      else await rm(resumePath, { force: true });
      // Unchanged folders keep their lines: the record (200,000 lines) is written only when a folder was read. Its older
      // head still holds, since main only gains files.
      if (changed.length === 0 && usable) return;
      // A complete look saw every folder there is; one that stopped keeps what earlier looks saw of the rest.
      const folders = stoppedAt === undefined ? seen : new Map([...recorded, ...seen]);
      for (const path of recheck) {
        const kind = classifyPath(path);
        if (kind?.kind === 'event' || kind?.kind === 'evidence') folders.delete(`${kind.ceremonyId}/${kind.kind === 'event' ? 'events' : 'evidence'}`);
      }
      const lines = [`${recordName} 2`, head];
      for (const [key, time] of folders) lines.push(`${key} ${time}`);
      await writeFileAtomically(recordPath, `${lines.join('\n')}\n`, 0o644);
    },
  };
}

async function readRecord(path: string): Promise<FolderRecord | undefined> {
  const lines = (await readFile(path, 'utf8').catch(() => '')).split('\n');
  const [format, head] = lines;
  const version = format === `${recordName} 2` ? 2 : format === `${recordName} 1` ? 1 : undefined;
  if (!version || !head) return undefined;
  // Version 1 held when its look began on the third line; its folders modified within two seconds before are read again.
  let racyFrom: bigint | undefined;
  if (version === 1) {
    if (!lines[2] || !/^\d+$/.test(lines[2])) return undefined;
    racyFrom = BigInt(lines[2]) - racyNs;
  }
  const folders = new Map<string, string>();
  for (let index = version === 1 ? 3 : 2; index < lines.length; index++) {
    const line = lines[index]!;
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const time = line.slice(space + 1);
    if (racyFrom !== undefined && (!/^\d+$/.test(time) || BigInt(time) >= racyFrom)) continue;
    folders.set(line.slice(0, space), time);
  }
  return { head, folders };
}

/**
 * The store's ceremony ids in order, from `start` (the first id at or after
 * it) round to just before it. Each day folder is listed only when the look
 * reaches it: a look that is stopped early lists a few days, not 100,000
 * ceremonies.
 */
function* ceremoniesFrom(root: string, start: string | undefined): Generator<string> {
  const days = dayFolders(root);
  const startDay = start ? dateFoldersOf(start) : undefined;
  const first = startDay ? days.findIndex((day) => day >= startDay) : 0;
  const from = first < 0 ? 0 : first;
  const order = [...days.slice(from), ...days.slice(0, from)];
  for (const day of order) for (const id of ceremoniesOfDay(root, day)) if (!(day === startDay && start !== undefined && id < start)) yield id;
  // Round again to the start day's ceremonies before the start.
  if (startDay !== undefined && order[0] === startDay) for (const id of ceremoniesOfDay(root, startDay)) if (id < start!) yield id;
}
