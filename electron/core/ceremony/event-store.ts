/**
 * The ceremony store on disk: one folder per ceremony, one file per event,
 * each written once and never rewritten (temporary name, fsync, rename, fsync
 * of the folder). File names carry the time, the event type and 64 random
 * bits, so two machines never pick the same name and their stores merge as a
 * plain union of files (issue 5 shares this folder through git).
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { mkdir, open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { maxEventFileBytes, readEventFile, type EventFile } from '../../../shared/ceremony/event-file';
import { CeremonyEvent, ceremonyIdPattern } from '../../../shared/ceremony/events';
import type { Envelope } from '../../../shared/dsse/envelope';
import { ConclaveError } from '../../../shared/errors';
import { ceremonySubfolder } from '../../../shared/ceremony/store-layout';
import { syncFolder, writeFileAtomically } from '../atomic-file';
import { listCeremonyIds } from './dated-folders';
import { moveLegacyCeremonies } from './store-layout-migration';
import { noteWritten } from './written-folders';

/** An event file as stored: its name, unique across machines, its envelope and its event. */
export type StoredEvent = EventFile;
const base32 = 'abcdefghijklmnopqrstuvwxyz234567';

export function newCeremonyId(now: Date = new Date()): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  const random = [...randomBytes(10)].map((byte) => base32[byte & 31]).join('');
  return `c-${day}-${random}`;
}

/** A file's size and modification time, as it was opened. */
export interface OpenedFile {
  size: number;
  mtimeMs: number;
}

/** A ceremony's event files as readFiles read them. */
export interface EventFilesRead {
  files: StoredEvent[];
  unreadable: { source: string; code: 'event-unreadable' | 'event-wrong-ceremony'; reason: string }[];
  /** The names the folder listed, and each file's size and time as it was opened (absent: it could not be opened). */
  names: string[];
  opened: Map<string, OpenedFile>;
}

/** A ceremony's event files as readTexts read them: in the folder's order, each one's text or why it could not be read. */
export interface EventTextsRead extends Pick<EventFilesRead, 'names' | 'opened'> {
  texts: ({ name: string; text: string } | { name: string; unreadable: string })[];
}

/** The second half of readFiles: each text read as an event of this ceremony, or reported with why it is not one. */
export function eventFilesOf(ceremonyId: string, read: EventTextsRead): EventFilesRead {
  const files: StoredEvent[] = [];
  const unreadable: EventFilesRead['unreadable'] = [];
  for (const entry of read.texts) {
    if ('unreadable' in entry) {
      unreadable.push({ source: entry.name, code: 'event-unreadable', reason: entry.unreadable });
      continue;
    }
    const reading = readEventFile(entry.name, entry.text, ceremonyId);
    if (reading.ok) files.push(reading.file);
    else unreadable.push({ source: entry.name, code: reading.code, reason: reading.reason });
  }
  return { files, unreadable, names: read.names, opened: read.opened };
}

/**
 * readText's check and read, blocking the thread; `opened` learns the file's
 * size and time. One read of a byte more than the size says the whole file
 * came (readFileSync would stat it again and read once more to see its end:
 * a third of the syscalls of an index thread).
 */
function readTextBlocking(path: string, opened: (stats: OpenedFile) => void): string {
  const fd = openSync(path, 'r');
  try {
    const stats = fstatSync(fd);
    opened({ size: stats.size, mtimeMs: stats.mtimeMs });
    if (stats.size > maxEventFileBytes) throw new Error('too large to be an event');
    const buffer = Buffer.allocUnsafe(stats.size + 1);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    if (read <= stats.size) return buffer.toString('utf8', 0, read);
    // Grown since the stat (rewritten in place as it is read): all of it, from the start (the read above left the position there).
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** An event's file name: its time, its type and 64 random bits. */
function eventFileName(event: CeremonyEvent): string {
  return `${event.at.replace(/[-:.]/g, '')}-${event.type}-${randomBytes(8).toString('hex')}.json`;
}

export class CeremonyStore {
  private layoutChecked: Promise<void> | undefined;

  /**
   * @param blocking event files are read without the thread pool: for an
   *   index thread, which answers nothing else while it reads, a blocking read
   *   costs a fraction of one sent to the pool and back (at 10,000 ceremonies,
   *   a third of the thread's time went to waiting on those round trips).
   */
  constructor(
    readonly root: string,
    readonly blocking = false,
  ) {}

  /**
   * Ceremonies of a store made before the dated folders are moved to them,
   * once per store object, before anything of the store is read or written.
   */
  ready(): Promise<void> {
    this.layoutChecked ??= moveLegacyCeremonies(this.root).then(
      () => undefined,
      (error: unknown) => {
        this.layoutChecked = undefined;
        throw new ConclaveError('internal', `Conclave could not move the ceremonies of ${this.root} to their dated folders (${error instanceof Error ? error.message : String(error)}); nothing was lost. Check that the folder is writable and try again.`);
      },
    );
    return this.layoutChecked;
  }

  eventsDir(ceremonyId: string): string {
    return join(this.root, this.folderOf(ceremonyId, 'events'));
  }

  private folderOf(ceremonyId: string, folder: 'events' | 'evidence'): string {
    if (!ceremonyIdPattern.test(ceremonyId)) throw new ConclaveError('invalid-input', `"${ceremonyId}" is not a ceremony id. "conclave ceremony list" shows them.`);
    return ceremonySubfolder(ceremonyId, folder);
  }

  /** Every ceremony id of the store, sorted (their dated folders are read, year by year, month by month, day by day). */
  async listCeremonies(): Promise<string[]> {
    await this.ready();
    return listCeremonyIds(this.root);
  }

  async exists(ceremonyId: string): Promise<boolean> {
    await this.ready();
    try {
      return (await stat(this.eventsDir(ceremonyId))).isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * Keeps an evidence file (provenance, SBOM) with the ceremony, named by its
   * SHA-256, so reviewers and auditors see exactly what was checked. Writing
   * the same content twice is harmless: the name is the content.
   */
  async putEvidence(ceremonyId: string, bytes: Uint8Array): Promise<string> {
    await this.ready();
    const digest = createHash('sha256').update(bytes).digest('hex');
    const dir = this.evidenceDir(ceremonyId);
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${digest}.json`);
    try {
      await stat(path);
    } catch {
      await noteWritten(this.root, [{ ceremonyId, folder: 'evidence' }]);
      await writeFileAtomically(path, bytes, 0o644);
      await syncFolder(dir);
    }
    return digest;
  }

  /** The evidence file with this digest, checked against it; undefined when it is not (yet) in the store. */
  async getEvidence(ceremonyId: string, digest: string): Promise<Uint8Array | undefined> {
    if (!/^[0-9a-f]{64}$/.test(digest)) return undefined;
    await this.ready();
    try {
      const bytes = new Uint8Array(await readFile(join(this.evidenceDir(ceremonyId), `${digest}.json`)));
      return createHash('sha256').update(bytes).digest('hex') === digest ? bytes : undefined;
    } catch {
      return undefined;
    }
  }

  private evidenceDir(ceremonyId: string): string {
    return join(this.root, this.folderOf(ceremonyId, 'evidence'));
  }

  /** The digests of the ceremony's evidence files, sorted. */
  async evidenceDigests(ceremonyId: string): Promise<string[]> {
    await this.ready();
    try {
      return (await readdir(this.evidenceDir(ceremonyId))).flatMap((name) => /^([0-9a-f]{64})\.json$/.exec(name)?.[1] ?? []).sort();
    } catch {
      return [];
    }
  }

  /**
   * Writes an event file under the name another machine gave it (an import),
   * atomically and durably. The caller has checked the name and that no file
   * of that name exists; events are never rewritten.
   */
  async putEventFile(ceremonyId: string, name: string, text: string): Promise<void> {
    await this.ready();
    const dir = this.eventsDir(ceremonyId);
    await mkdir(dir, { recursive: true });
    await noteWritten(this.root, [{ ceremonyId, folder: 'events' }]);
    await writeFileAtomically(join(dir, name), text, 0o644);
    await syncFolder(dir);
  }

  /** The event file names of a ceremony, sorted: enough to tell whether anything changed since last time. */
  async eventFileNames(ceremonyId: string): Promise<string[]> {
    await this.ready();
    try {
      const dir = this.eventsDir(ceremonyId);
      return (this.blocking ? readdirSync(dir) : await readdir(dir)).filter((name) => !name.startsWith('.') && name.endsWith('.json')).sort();
    } catch {
      return [];
    }
  }

  /** Appends one event; returns its file name. An event that would not read back is refused before anything is written. */
  async append(envelope: Envelope, event: CeremonyEvent): Promise<string> {
    if (!CeremonyEvent.safeParse(event).success) throw new ConclaveError('internal', `Conclave refused to write a ${event.type} event that it could not read back; nothing was written. Please report this.`);
    await this.ready();
    const dir = this.eventsDir(event.ceremonyId);
    await mkdir(dir, { recursive: true });
    const name = eventFileName(event);
    await noteWritten(this.root, [{ ceremonyId: event.ceremonyId, folder: 'events' }]);
    await writeFileAtomically(join(dir, name), `${JSON.stringify(envelope, null, 2)}\n`, 0o644);
    await syncFolder(dir);
    return name;
  }

  /**
   * Events of one ceremony (an opening and its freeze) made ready to append:
   * their files as readFiles will read them back (named now, read from the
   * very text to be written), so a command need not read the folder again,
   * and write(), which writes each file whole and synced as append() does,
   * side by side, then syncs the folder once, when all are in it. An event
   * that would not read back is refused here, before anything is written.
   */
  prepareEvents(events: readonly { envelope: Envelope; event: CeremonyEvent }[]): { files: StoredEvent[]; write(): Promise<void> } {
    const entries = events.map(({ envelope, event }) => {
      if (!CeremonyEvent.safeParse(event).success) throw new ConclaveError('internal', `Conclave refused to write a ${event.type} event that it could not read back; nothing was written. Please report this.`);
      const dir = this.eventsDir(event.ceremonyId);
      const name = eventFileName(event);
      const text = `${JSON.stringify(envelope, null, 2)}\n`;
      const reading = readEventFile(name, text, event.ceremonyId);
      if (!reading.ok) throw new ConclaveError('internal', `Conclave refused to write a ${event.type} event that would not read back (${reading.reason}); nothing was written. Please report this.`);
      return { dir, name, text, file: reading.file };
    });
    return {
      files: entries.map((entry) => entry.file),
      write: async () => {
        await this.ready();
        const dirs = [...new Set(entries.map((entry) => entry.dir))];
        for (const dir of dirs) await mkdir(dir, { recursive: true });
        await noteWritten(this.root, [...new Set(events.map(({ event }) => event.ceremonyId))].map((ceremonyId) => ({ ceremonyId, folder: 'events' as const })));
        await Promise.all(entries.map((entry) => writeFileAtomically(join(entry.dir, entry.name), entry.text, 0o644)));
        for (const dir of dirs) await syncFolder(dir);
      },
    };
  }

  /**
   * Every event file of a ceremony, read as untrusted text (event-file.ts).
   * Files that are not readable events are reported and skipped, never fatal:
   * one damaged file must not hide the signatures in the others. Temporary
   * files left by a crash are ignored.
   */
  async readFiles(ceremonyId: string): Promise<EventFilesRead> {
    return eventFilesOf(ceremonyId, await this.readTexts(ceremonyId));
  }

  /**
   * The first half of readFiles: the folder listed and each file's text read,
   * nothing parsed yet. An index thread reads a whole batch of ceremonies
   * this way before it parses and judges any of them (index-judging.ts).
   */
  async readTexts(ceremonyId: string): Promise<EventTextsRead> {
    await this.ready();
    const dir = this.eventsDir(ceremonyId);
    let names: string[];
    try {
      names = (this.blocking ? readdirSync(dir) : await readdir(dir)).filter((name) => !name.startsWith('.') && name.endsWith('.json')).sort();
    } catch {
      throw new ConclaveError('invalid-input', `There is no ceremony ${ceremonyId} in the store at ${this.root}.`);
    }
    const texts: EventTextsRead['texts'] = [];
    const opened = new Map<string, OpenedFile>();
    for (const name of names) {
      try {
        const onOpened = (stats: OpenedFile) => void opened.set(name, stats);
        texts.push({ name, text: this.blocking ? readTextBlocking(join(dir, name), onOpened) : await this.readText(join(dir, name), onOpened) });
      } catch (error) {
        texts.push({ name, unreadable: `it cannot be read (${error instanceof Error ? error.message : String(error)}).` });
      }
    }
    return { texts, names, opened };
  }

  /** The events folder's modification time (0 when it cannot be looked at): it changes whenever a file is added. */
  async eventsFolderTime(ceremonyId: string): Promise<number> {
    const dir = this.eventsDir(ceremonyId);
    try {
      return (this.blocking ? statSync(dir) : await stat(dir)).mtimeMs;
    } catch {
      return 0;
    }
  }

  /**
   * The file's text, refused unread when it is larger than any event; one open for the size check and the read, as
   * this runs for every file. `opened` learns its size and time (the index stamps exactly what was read).
   */
  private async readText(path: string, opened: (stats: OpenedFile) => void): Promise<string> {
    const handle = await open(path, 'r');
    try {
      const stats = await handle.stat();
      opened({ size: stats.size, mtimeMs: stats.mtimeMs });
      if (stats.size > maxEventFileBytes) throw new Error('too large to be an event');
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  }
}
