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
 * A look can be limited to some ceremonies (a sync that sends what Conclave
 * wrote looks at a share of the store, not at all of it): what it read is
 * kept, and the next look starts where it stopped, so every folder is looked
 * at in turn.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { ceremonyIdPattern } from '../../../shared/ceremony/events';
import { ceremonySubfolder, dateFoldersOf } from '../../../shared/ceremony/store-layout';
import { writeFileAtomically } from '../atomic-file';
import { ceremoniesOfDay, dayFolders } from '../ceremony/dated-folders';
import { classifyPath } from './layout';

/**
 * The record, in .git (never shared): a folder of small files, so that a
 * look that reaches a few months reads and writes a few files, not one of
 * 200,000 lines (a quarter of a second each way at 100,000 ceremonies).
 * "head": "conclave-folder-times 3" and the head of main the record holds for;
 * "next": where a look that stopped goes on (the first ceremony id it did
 * not reach); one file per month ("2026-12"): "id/events mtime-ns" per
 * folder of that month's ceremonies.
 */
const recordFolder = 'conclave-folder-times';
const headName = 'head';
const resumeName = 'next';
const monthNamePattern = /^\d{4}-\d{2}$/;
/** Versions 1 and 2: one file of every folder, and its resumption beside it. Read once, then replaced. */
const legacyRecordName = 'conclave-folders';
const legacyResumeName = 'conclave-folders.next';
/** Modified this close before a listing, a folder is listed again next time: coarse file-system clocks tick in seconds. */
const racyNs = 2_000_000_000n;
/**
 * Stats between two turns of the event loop, a few milliseconds: the window's
 * core keeps answering during a look, and a sync's own steps beside it (each
 * git it starts, each file it reads) wait at most one turn.
 */
const statsPerTurn = 200;

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
  /** At most this many ceremonies are looked at; the next look starts where this one stopped. */
  limit?: number;
}

/** Folder times by key ("id/events"), per month file ("2026-12"). */
type Months = Map<string, Map<string, string>>;

/**
 * @param trusted whether main has only gained files since the recorded head
 *   (it is an ancestor, and nothing was removed or edited since).
 */
export async function scanFolders(root: string, trusted: (head: string) => Promise<boolean>, options: FolderScanOptions = {}): Promise<FolderScan> {
  const at = BigInt(Date.now()) * 1_000_000n;
  const folder = join(root, '.git', recordFolder);
  const legacy = await readLegacyRecord(join(root, '.git', legacyRecordName));
  const recordedHead = (await readHead(join(folder, headName))) ?? legacy?.head;
  const usable = recordedHead !== undefined && (await trusted(recordedHead));
  // A record of the older form is taken whole, once, and written as months by this look's save.
  const recorded: Months = usable && legacy && legacy.head === recordedHead ? legacy.months : new Map();
  const converted = new Set(recorded.keys());
  const monthRecord = (month: string): Map<string, string> => {
    let times = recorded.get(month);
    if (!times) recorded.set(month, (times = usable ? readMonth(join(folder, month)) : new Map()));
    return times;
  };
  const seen: Months = new Map();
  const changedMonths = new Set<string>();
  const files: string[] = [];
  const changed: string[] = [];
  // Where the last look stopped, if it was stopped: every folder gets its turn however often looks are cut short.
  const resumeAt = (await readFile(join(folder, resumeName), 'utf8').catch(() => readFile(join(root, '.git', legacyResumeName), 'utf8')).catch(() => '')).trim();
  let looked = 0;
  let stoppedAt: string | undefined;
  const prefix = `${resolve(root)}${sep}`;
  for (const id of ceremoniesFrom(root, ceremonyIdPattern.test(resumeAt) ? resumeAt : undefined)) {
    if (options.limit !== undefined && looked >= options.limit) {
      stoppedAt = id;
      break;
    }
    if (++looked % (statsPerTurn / 2) === 0) await new Promise((resolve) => setImmediate(resolve));
    const month = monthOf(id);
    const times = monthRecord(month);
    let seenTimes = seen.get(month);
    if (!seenTimes) seen.set(month, (seenTimes = new Map()));
    for (const kind of ['events', 'evidence'] as const) {
      const key = `${id}/${kind}`;
      const path = ceremonySubfolder(id, kind);
      // Joined by hand: path.join normalises the whole string each time, a third of the cost of 200,000 stats.
      const stats = folderStats(`${prefix}${path}`);
      if (!stats?.isDirectory()) continue;
      // Read before the listing: a file added while listing changes the time again, so the folder is read next time.
      const time = stats.mtimeNs.toString();
      if (stats.mtimeNs < at - racyNs) seenTimes.set(key, time);
      if (times.get(key) === time) continue;
      changed.push(path);
      changedMonths.add(month);
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
      if (!usable) {
        // Nothing of the old record holds: it goes first, head and all, so a save cut short leaves no record rather than a wrong one.
        await rm(folder, { recursive: true, force: true });
      }
      // Only months where a folder was read (or must be read again) are written; the others hold as they are.
      const months = new Set([...changedMonths, ...converted]);
      const recheckKeys = new Map<string, string[]>();
      for (const path of recheck) {
        const kind = classifyPath(path);
        if (kind?.kind !== 'event' && kind?.kind !== 'evidence') continue;
        const month = monthOf(kind.ceremonyId);
        months.add(month);
        recheckKeys.set(month, [...(recheckKeys.get(month) ?? []), `${kind.ceremonyId}/${kind.kind === 'event' ? 'events' : 'evidence'}`]);
      }
      for (const month of [...months].sort()) {
        // A look that reached part of a month keeps what earlier looks saw of the rest of it.
        const times = new Map([...(usable ? monthRecord(month) : []), ...(seen.get(month) ?? [])]);
        for (const key of recheckKeys.get(month) ?? []) times.delete(key);
        const lines: string[] = [];
        for (const [key, time] of times) lines.push(`${key} ${time}\n`);
        await writeFileAtomically(join(folder, month), lines.join(''), 0o644);
      }
      if (stoppedAt === undefined) {
        // A whole look saw every month there is: the record of a month with no ceremony left goes.
        for (const name of await readdir(folder).catch(() => [] as string[])) if (monthNamePattern.test(name) && !seen.has(name)) await rm(join(folder, name), { force: true });
        await rm(join(folder, resumeName), { force: true });
      } else await writeFileAtomically(join(folder, resumeName), `${stoppedAt}\n`, 0o644);
      // Last: the months above hold for main at `head`, and, main having only gained files since, for every head after it.
      await writeFileAtomically(join(folder, headName), `${recordFolder} 3\n${head}\n`, 0o644);
      await rm(join(root, '.git', legacyRecordName), { force: true });
      await rm(join(root, '.git', legacyResumeName), { force: true });
    },
  };
}

function monthOf(ceremonyId: string): string {
  return dateFoldersOf(ceremonyId).slice(0, 7).replace('/', '-');
}

async function readHead(path: string): Promise<string | undefined> {
  const [format, head] = (await readFile(path, 'utf8').catch(() => '')).split('\n');
  return format === `${recordFolder} 3` && head ? head : undefined;
}

/** One month's folder times; a file that is missing or unreadable records nothing, so its folders are read. */
function readMonth(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return new Map();
  }
  return parseTimes(text.split('\n'), 0);
}

function parseTimes(lines: string[], from: number, racyFrom?: bigint): Map<string, string> {
  const times = new Map<string, string>();
  for (let index = from; index < lines.length; index++) {
    const line = lines[index]!;
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const time = line.slice(space + 1);
    if (racyFrom !== undefined && (!/^\d+$/.test(time) || BigInt(time) >= racyFrom)) continue;
    times.set(line.slice(0, space), time);
  }
  return times;
}

/**
 * The record as versions 1 and 2 kept it: "conclave-folders N", the head,
 * (version 1: when its look began), then "id/events mtime-ns" per folder.
 * Version 1's folders modified within two seconds before its look are left
 * out (read again).
 */
async function readLegacyRecord(path: string): Promise<{ head: string; months: Months } | undefined> {
  const lines = (await readFile(path, 'utf8').catch(() => '')).split('\n');
  const [format, head] = lines;
  const version = format === `${legacyRecordName} 2` ? 2 : format === `${legacyRecordName} 1` ? 1 : undefined;
  if (!version || !head) return undefined;
  let racyFrom: bigint | undefined;
  if (version === 1) {
    if (!lines[2] || !/^\d+$/.test(lines[2])) return undefined;
    racyFrom = BigInt(lines[2]) - racyNs;
  }
  const months: Months = new Map();
  for (const [key, time] of parseTimes(lines, version === 1 ? 3 : 2, racyFrom)) {
    const id = key.slice(0, key.indexOf('/'));
    if (!ceremonyIdPattern.test(id)) continue;
    const month = monthOf(id);
    let times = months.get(month);
    if (!times) months.set(month, (times = new Map()));
    times.set(key, time);
  }
  return { head, months };
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

/** The folder's stats; none when it is not there, or when a file sits where one of the folders above it should be (ENOTDIR). */
function folderStats(path: string) {
  try {
    return statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOTDIR') return undefined;
    throw error;
  }
}
