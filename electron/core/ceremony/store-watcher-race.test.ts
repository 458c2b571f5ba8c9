/**
 * The store watcher and the moment between looking for a ceremony's events
 * folder and watching its folder (store-watcher.ts): an events folder made
 * just then must not leave the ceremony's events unseen. fs.watch is wrapped
 * so the folder appears exactly in that moment, as the core's thread pool or
 * another process can make it on a busy machine.
 */
import { mkdirSync, mkdtempSync, rmSync, type WatchListener } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ceremonyFolder } from '../../../shared/ceremony/store-layout';
import { writeFileAtomically } from '../atomic-file';

/** Called with the folder about to be watched, just before the real watch. */
let beforeWatch: (dir: string) => void = () => undefined;

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return {
    ...real,
    watch: (dir: string, options: { persistent?: boolean }, listener: WatchListener<string>) => {
      beforeWatch(dir);
      return real.watch(dir, options, listener);
    },
  };
});

const { watchCeremonyStore } = await import('./store-watcher');

const opened = 'c-20260101-aaaaaaaaaa';
const racing = 'c-20260101-bbbbbbbbbb';
const folders: string[] = [];
afterEach(() => {
  beforeWatch = () => undefined;
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function writeEvent(storeDir: string, id: string, name: string): Promise<void> {
  const dir = join(storeDir, ceremonyFolder(id), 'events');
  mkdirSync(dir, { recursive: true });
  await writeFileAtomically(join(dir, `${name}.json`), JSON.stringify({ name }));
}

/** Whether `id` is reported within `ms` (a report comes within a fraction of a second; none means it was missed). */
function reportedWithin(seen: Set<string>, id: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const started = Date.now();
    const look = () => (seen.has(id) ? resolve(true) : Date.now() - started > ms ? resolve(false) : setTimeout(look, 20));
    look();
  });
}

describe('the ceremony store watcher, as a ceremony folder is being made', () => {
  it('follows a ceremony whose events folder appears just as its folder is watched: its next event is reported', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'conclave-store-watcher-race-'));
    folders.push(storeDir);
    await writeEvent(storeDir, opened, 'opened');
    const seen = new Set<string>();
    const watcher = watchCeremonyStore({ storeDir, onChange: (ids) => ids.forEach((id) => seen.add(id)), debounceMs: 20 });
    try {
      // A new ceremony's folder comes before its events folder (its evidence is written first)...
      const folder = join(storeDir, ceremonyFolder(racing));
      beforeWatch = (dir) => {
        // ...which appears exactly while the watcher turns from looking to watching.
        if (dir === folder) mkdirSync(join(folder, 'events'), { recursive: true });
      };
      mkdirSync(join(folder, 'evidence'), { recursive: true });
      expect(await reportedWithin(seen, racing, 5000)).toBe(true);
      beforeWatch = () => undefined;

      // Another process approves: the new file in its events folder is reported.
      seen.clear();
      await writeEvent(storeDir, racing, 'approved');
      expect(await reportedWithin(seen, racing, 5000)).toBe(true);
    } finally {
      watcher.close();
    }
  });
});
