/**
 * Notices changes other programs make to the ceremony store (the CLI, a
 * sync, another window's core) within a moment, so the window shows them
 * without a reload: it watches the store's folders and reports which
 * ceremonies changed, a short quiet time after the last write (a publish
 * writes several files).
 *
 * The core (create-core.ts) hands the ceremonies reported to
 * catalog.refreshNow(), which re-reads them and pushes ceremony.changed for
 * each that changed (the Ceremonies list and an open ceremony follow it),
 * and closes the watcher before it saves its index. The core's own writes
 * are reported too; the index already knows them, so they push nothing
 * twice. While a sync runs, the core holds what is reported and looks at it
 * once the sync has ended: the sync judged what it wrote and handed the index
 * those verdicts, and a file it wrote never counts as a local change to send
 * back (which cost one sync with nothing to send). The watches never keep a
 * process alive (a short CLI command that made a core still exits), and
 * close() ends every one of them and the pending timer.
 *
 * Layout watched (shared/ceremony/store-layout.ts):
 * <store>/ceremonies/YYYY/MM/DD/<id>/events/<file>. One watch on the
 * ceremonies folder and on each year folder, one on each month folder and day
 * folder of the newest `maxWatchedDays` days (new ceremonies), and one per
 * ceremony's events folder (new events) for the newest `maxWatched`
 * ceremonies only: inotify watches are a limited resource shared by every
 * program of the user (often 8,192), and old ceremonies rarely change (the
 * catalog's periodic re-scan still finds it when one does). A new year,
 * month or day folder is watched as it appears. A watch the system refuses
 * is done without: the window then learns of that change later. Until the
 * store exists, the nearest folder above it that exists is watched instead.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import { ceremonyIdPattern } from '../../../shared/ceremony/events';
import { ceremonyFolder } from '../../../shared/ceremony/store-layout';
import { ceremoniesOfDay, datedFolders } from './dated-folders';

export interface StoreWatcherOptions {
  storeDir: string;
  /** The ids of the ceremonies whose files changed (new ones included), once writes have paused. */
  onChange: (ceremonyIds: readonly string[]) => void;
  /** Quiet time after the last write before reporting. */
  debounceMs?: number;
  /** Never wait longer than this to report, even while writes keep coming. */
  maxWaitMs?: number;
  /** How many ceremonies (the newest by id) have their events folder watched. */
  maxWatched?: number;
  /** How many day folders (the newest) are watched for new ceremonies. */
  maxWatchedDays?: number;
}

export interface StoreWatcher {
  /** Ends every watch and the pending report; nothing is reported afterwards. */
  close(): void;
}

export function watchCeremonyStore(options: StoreWatcherOptions): StoreWatcher {
  const debounceMs = options.debounceMs ?? 150;
  const maxWaitMs = options.maxWaitMs ?? 1000;
  const maxWatched = options.maxWatched ?? 256;
  const maxWatchedDays = options.maxWatchedDays ?? 31;
  const ceremoniesDir = join(options.storeDir, 'ceremonies');

  let closed = false;
  /** The watch on the ceremonies folder, or on the nearest existing folder above it until it exists. */
  let top: { watcher: FSWatcher; onStore: boolean } | undefined;
  /** "2026", "2026/12", "2026/12/05" → the watch on that dated folder. */
  const dated = new Map<string, FSWatcher>();
  /** Ceremony id → the watch on its events folder (or on its own folder until events/ exists). */
  const ceremonies = new Map<string, { watcher: FSWatcher; onEvents: boolean }>();
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let firstPendingAt = 0;

  const report = () => {
    timer = undefined;
    if (closed || pending.size === 0) return;
    const ids = [...pending].sort();
    pending.clear();
    options.onChange(ids);
  };

  const changed = (id: string) => {
    if (closed) return;
    if (pending.size === 0) firstPendingAt = Date.now();
    pending.add(id);
    if (timer) clearTimeout(timer);
    const wait = Math.max(0, Math.min(debounceMs, firstPendingAt + maxWaitMs - Date.now()));
    timer = setTimeout(report, wait);
    timer.unref();
  };

  /** fs.watch, never keeping the process alive; a folder that vanished or cannot be watched gives undefined. */
  const tryWatch = (dir: string, listener: (file: string | null) => void, onGone: () => void): FSWatcher | undefined => {
    try {
      const watcher = watch(dir, { persistent: false }, (_event, file) => listener(file === null ? null : String(file)));
      // A watched folder removed or replaced (a sync, a restore): watch again from what is there now.
      watcher.on('error', () => {
        watcher.close();
        onGone();
      });
      return watcher;
    } catch {
      return undefined;
    }
  };

  const unwatchCeremony = (id: string) => {
    ceremonies.get(id)?.watcher.close();
    ceremonies.delete(id);
  };

  /** Watches a ceremony's events folder (or its folder, until events/ appears), keeping only the newest maxWatched. */
  const watchCeremony = (id: string) => {
    if (closed || maxWatched <= 0) return;
    const existing = ceremonies.get(id);
    const folder = join(options.storeDir, ceremonyFolder(id));
    const eventsDir = join(folder, 'events');
    const hasEvents = existsSync(eventsDir);
    if (existing && (existing.onEvents || !hasEvents)) return;
    unwatchCeremony(id);
    const watcher = hasEvents
      ? tryWatch(eventsDir, () => changed(id), () => {
          ceremonies.delete(id);
          changed(id);
          if (!closed && existsSync(folder)) watchCeremony(id);
        })
      : tryWatch(folder, (file) => {
          if (file === 'events' || file === null) {
            changed(id);
            watchCeremony(id);
          }
        }, () => ceremonies.delete(id));
    if (!watcher) return;
    ceremonies.set(id, { watcher, onEvents: hasEvents });
    if (ceremonies.size > maxWatched) {
      // Ids start with their day: the smallest is the oldest ceremony.
      const oldest = [...ceremonies.keys()].sort()[0]!;
      unwatchCeremony(oldest);
    }
    // events/ made between the look above and the watch (the core writes with the thread pool, another process at
    // any time) came before anything could tell of it: looked for again now that the watch is on, so the ceremony
    // is not left watched on its folder while its events arrive unseen.
    if (!hasEvents && ceremonies.get(id)?.watcher === watcher && existsSync(eventsDir)) {
      changed(id);
      watchCeremony(id);
    }
  };

  const idsIn = (day: string): string[] => ceremoniesOfDay(options.storeDir, day);

  const unwatchDated = (key: string) => {
    dated.get(key)?.close();
    dated.delete(key);
  };

  /**
   * Watches every year folder, and the month and day folders of the newest
   * days; `announce`: report the ceremonies of day folders not watched before
   * (they appeared, or the store did). Called again whenever a dated folder
   * gains an entry.
   */
  const followDates = (announce: boolean) => {
    if (closed) return;
    const { years, months, days } = datedFolders(options.storeDir);
    const recent = days.slice(-maxWatchedDays);
    const wanted = new Set<string>(years);
    for (const day of recent) {
      wanted.add(day.slice(0, 7));
      wanted.add(day);
    }
    // A month that has no day yet is where the next one appears.
    for (const month of months) if (!days.some((day) => day.startsWith(`${month}/`))) wanted.add(month);
    for (const key of [...dated.keys()]) if (!wanted.has(key)) unwatchDated(key);
    const fresh: string[] = [];
    for (const key of [...wanted].sort()) {
      if (dated.has(key)) continue;
      const isDay = key.length === 10;
      const watcher = tryWatch(
        join(ceremoniesDir, key),
        (file) => {
          if (!isDay) {
            followDates(true);
            return;
          }
          if (file !== null && ceremonyIdPattern.test(file)) {
            if (ceremonyFolder(file) !== `ceremonies/${key}/${file}`) return;
            changed(file);
            if (existsSync(join(ceremoniesDir, key, file))) watchCeremony(file);
            else unwatchCeremony(file);
            return;
          }
          // No name given (the platform could not say): look at every ceremony of the day again.
          if (file === null) for (const id of idsIn(key)) watchCeremony(id);
        },
        () => {
          dated.delete(key);
          followDates(true);
        },
      );
      if (!watcher) continue;
      dated.set(key, watcher);
      if (isDay) fresh.push(key);
    }
    const freshIds = fresh.flatMap(idsIn);
    for (const id of freshIds.slice(-maxWatched)) watchCeremony(id);
    if (announce) for (const id of freshIds) changed(id);
  };

  /** Watches the ceremonies folder, its dated folders and the newest ceremonies; `announce`: report every ceremony found (the store just appeared). */
  const arm = (announce: boolean) => {
    if (closed) return;
    top?.watcher.close();
    top = undefined;
    if (existsSync(ceremoniesDir)) {
      const watcher = tryWatch(ceremoniesDir, () => followDates(true), () => rearm());
      if (watcher) {
        top = { watcher, onStore: true };
        followDates(announce);
        return;
      }
    }
    // The store is not there yet (a fresh data folder): wait for it on the nearest folder that exists.
    let dir = options.storeDir;
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    // Only a step closer to the store re-arms: writes beside it (git's own files in the store) do not.
    const closer = () => existsSync(ceremoniesDir) || (dir !== options.storeDir && existsSync(options.storeDir));
    const watcher = tryWatch(
      dir,
      () => {
        if (closer()) rearm();
      },
      () => rearm(),
    );
    if (watcher) top = { watcher, onStore: false };
  };

  /** The store appeared, or its folder was replaced: watch it afresh and report what is in it. */
  const rearm = () => {
    if (closed) return;
    for (const id of [...ceremonies.keys()]) unwatchCeremony(id);
    for (const key of [...dated.keys()]) unwatchDated(key);
    arm(true);
  };

  arm(false);

  return {
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending.clear();
      top?.watcher.close();
      top = undefined;
      for (const key of [...dated.keys()]) unwatchDated(key);
      for (const id of [...ceremonies.keys()]) unwatchCeremony(id);
    },
  };
}
