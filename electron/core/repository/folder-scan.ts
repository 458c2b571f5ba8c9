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
 * caller), and a folder modified within two seconds before the record was
 * made is read again (a file written in the same clock tick as the listing
 * could have been missed, as git's "racy" files).
 */
import { readFile } from 'node:fs/promises';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { ceremonySubfolder } from '../../../shared/ceremony/store-layout';
import { writeFileAtomically } from '../atomic-file';
import { listCeremonyIds } from '../ceremony/event-store';
import { classifyPath } from './layout';

const recordName = 'conclave-folders';
/** Modified this close before a listing, a folder is listed again next time: coarse file-system clocks tick in seconds. */
const racyNs = 2_000_000_000n;
/** Stats between two turns of the event loop: the window's core keeps answering during a scan. */
const statsPerTurn = 2000;

/**
 * Lines of text (a JSON object of 200,000 keys takes half a second each way):
 * "conclave-folders 1", the head, when the scan began (ns since the epoch),
 * then "id/events mtime-ns" per folder.
 */
interface FolderRecord {
  head: string;
  at: bigint;
  folders: Map<string, string>;
}

export interface FolderScan {
  /** Event and evidence files (by their store paths) in the folders that were read. */
  files: string[];
  /** The folders that were read; undefined when the record could not be used and every folder was. */
  changed?: string[];
  /** Remembers every folder as seen by this scan, for a main at `head`; the folders of `recheck` are read again next time. */
  save(head: string, recheck: readonly string[]): Promise<void>;
}

/**
 * @param trusted whether main has only gained files since the recorded head
 *   (it is an ancestor, and nothing was removed or edited since).
 */
export async function scanFolders(root: string, trusted: (head: string) => Promise<boolean>): Promise<FolderScan> {
  const at = BigInt(Date.now()) * 1_000_000n;
  const recordPath = join(root, '.git', recordName);
  const record = await readRecord(recordPath);
  const usable = record !== undefined && (await trusted(record.head));
  const seen = new Map<string, string>();
  const files: string[] = [];
  const changed: string[] = [];
  let done = 0;
  const prefix = `${resolve(root)}${sep}`;
  for (const id of await listCeremonyIds(root)) {
    for (const folder of ['events', 'evidence'] as const) {
      if (++done % statsPerTurn === 0) await new Promise((resolve) => setImmediate(resolve));
      const key = `${id}/${folder}`;
      const path = ceremonySubfolder(id, folder);
      // Joined by hand: path.join normalises the whole string each time, a third of the cost of 200,000 stats.
      const stats = statSync(`${prefix}${path}`, { bigint: true, throwIfNoEntry: false });
      if (!stats?.isDirectory()) continue;
      // Read before the listing: a file added while listing changes the time again, so the folder is read next time.
      const time = stats.mtimeNs.toString();
      seen.set(key, time);
      if (usable && record.folders.get(key) === time && stats.mtimeNs < record.at - racyNs) continue;
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
    ...(usable ? { changed } : {}),
    async save(head, recheck) {
      for (const path of recheck) {
        const kind = classifyPath(path);
        if (kind?.kind === 'event' || kind?.kind === 'evidence') seen.delete(`${kind.ceremonyId}/${kind.kind === 'event' ? 'events' : 'evidence'}`);
      }
      const lines = [`${recordName} 1`, head, at.toString()];
      for (const [key, time] of seen) lines.push(`${key} ${time}`);
      await writeFileAtomically(recordPath, `${lines.join('\n')}\n`, 0o644);
    },
  };
}

async function readRecord(path: string): Promise<FolderRecord | undefined> {
  const lines = (await readFile(path, 'utf8').catch(() => '')).split('\n');
  const [format, head, at] = lines;
  if (format !== `${recordName} 1` || !head || !at || !/^\d+$/.test(at)) return undefined;
  const folders = new Map<string, string>();
  for (let index = 3; index < lines.length; index++) {
    const line = lines[index]!;
    const space = line.indexOf(' ');
    if (space > 0) folders.set(line.slice(0, space), line.slice(space + 1));
  }
  return { head, at: BigInt(at), folders };
}
