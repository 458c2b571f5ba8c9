import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, type WatchListener } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ceremonyFolder } from '../../../shared/ceremony/store-layout';
import { writeFileAtomically } from '../atomic-file';
import { watchCeremonyStore, type StoreWatcher } from './store-watcher';

/** Called with each folder about to be watched, just before the real fs.watch: a test makes a folder appear in that moment. */
const watching = vi.hoisted(() => ({ before: (_dir: string): void => undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return {
    ...real,
    watch: (dir: string, options: { persistent?: boolean }, listener: WatchListener<string>) => {
      watching.before(dir);
      return real.watch(dir, options, listener);
    },
  };
});

const first = 'c-20260101-aaaaaaaaaa';
const second = 'c-20260102-bbbbbbbbbb';
const third = 'c-20260103-cccccccccc';

const folders: string[] = [];
const watchers: StoreWatcher[] = [];
afterEach(() => {
  watching.before = () => undefined;
  for (const watcher of watchers.splice(0)) watcher.close();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'conclave-store-watcher-'));
  folders.push(folder);
  return folder;
}

/** An event written as the store writes one: a temporary file renamed into the ceremony's events folder. */
async function writeEvent(storeDir: string, id: string, name: string): Promise<void> {
  const dir = join(storeDir, ceremonyFolder(id), 'events');
  mkdirSync(dir, { recursive: true });
  await writeFileAtomically(join(dir, `${name}.json`), JSON.stringify({ name }));
}

/** Every id reported, and a way to wait until some are. */
function recorder() {
  const seen = new Set<string>();
  const waiters: { ids: readonly string[]; resolve: () => void }[] = [];
  const onChange = (ids: readonly string[]) => {
    for (const id of ids) seen.add(id);
    for (const waiter of [...waiters]) {
      if (waiter.ids.every((id) => seen.has(id))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const reported = (...ids: string[]) =>
    ids.every((id) => seen.has(id)) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ ids, resolve }));
  return { onChange, reported, seen };
}

function watchFor(storeDir: string, onChange: (ids: readonly string[]) => void, options: { debounceMs?: number; maxWatched?: number; maxWatchedDays?: number } = {}): StoreWatcher {
  const watcher = watchCeremonyStore({ storeDir, onChange, ...options });
  watchers.push(watcher);
  return watcher;
}

describe('the ceremony store watcher', () => {
  it('reports a new event in a ceremony and a new ceremony by their ids, as another process writes them', async () => {
    const storeDir = tempFolder();
    await writeEvent(storeDir, first, 'opened');
    const record = recorder();
    watchFor(storeDir, record.onChange);

    // The CLI approves the first ceremony and opens another.
    await writeEvent(storeDir, first, 'approved');
    await writeEvent(storeDir, second, 'opened');
    await record.reported(first, second);
    expect([...record.seen].sort()).toEqual([first, second]);

    // The new ceremony is followed too: its next event is reported.
    record.seen.clear();
    await writeEvent(storeDir, second, 'frozen');
    await record.reported(second);
    expect(record.seen.has(first)).toBe(false);
  });

  it('notices the store appearing in a fresh data folder, and what is written in it', async () => {
    const dataDir = tempFolder();
    const storeDir = join(dataDir, 'store');
    const record = recorder();
    watchFor(storeDir, record.onChange);

    await writeEvent(storeDir, first, 'opened');
    await record.reported(first);
    await writeEvent(storeDir, first, 'frozen');
    record.seen.clear();
    await writeEvent(storeDir, first, 'approved');
    await record.reported(first);
  });

  it('reports a burst of writes to one ceremony under its one id', async () => {
    const storeDir = tempFolder();
    await writeEvent(storeDir, first, 'opened');
    const calls: (readonly string[])[] = [];
    const record = recorder();
    watchFor(storeDir, (ids) => {
      calls.push(ids);
      record.onChange(ids);
    });
    // A publish writes several files one after the other.
    for (const name of ['published', 'summary', 'bundle-alice', 'bundle-bob']) writeFileSync(join(storeDir, ceremonyFolder(first), 'events', `${name}.json`), '{}');
    await record.reported(first);
    expect(calls.flat().every((id) => id === first)).toBe(true);
    expect(calls[0]).toEqual([first]);
  });

  it('follows the newest ceremonies only, up to maxWatched, and still sees new ceremonies', async () => {
    const storeDir = tempFolder();
    for (const id of [first, second, third]) await writeEvent(storeDir, id, 'opened');
    const record = recorder();
    const witness = recorder();
    watchFor(storeDir, record.onChange, { maxWatched: 2 });
    watchFor(storeDir, witness.onChange);

    // The oldest is not followed: its new event reaches the witness, which follows all three, and not this watcher.
    await writeEvent(storeDir, first, 'approved');
    await writeEvent(storeDir, third, 'approved');
    await witness.reported(first, third);
    await record.reported(third);
    expect(record.seen.has(first)).toBe(false);
  });

  it('watches only the newest day folders for new ceremonies, and a day folder as it appears', async () => {
    const storeDir = tempFolder();
    for (const id of [first, second]) await writeEvent(storeDir, id, 'opened');
    const record = recorder();
    const witness = recorder();
    watchFor(storeDir, record.onChange, { maxWatchedDays: 1, maxWatched: 0 });
    watchFor(storeDir, witness.onChange, { maxWatched: 0 });
    // A new ceremony in an older day than the newest is seen only by a watcher that follows that day.
    const older = 'c-20260101-dddddddddd';
    await writeEvent(storeDir, older, 'opened');
    // A new day (and month and year) folder appears and is followed at once.
    const newer = 'c-20270215-eeeeeeeeee';
    await writeEvent(storeDir, newer, 'opened');
    await witness.reported(older, newer);
    await record.reported(newer);
    expect(record.seen.has(older)).toBe(false);
    // A ceremony folder under a date that is not its own is not a ceremony of that day.
    mkdirSync(join(storeDir, 'ceremonies', '2027', '02', '15', 'c-20270216-ffffffffff'), { recursive: true });
    await writeEvent(storeDir, 'c-20270215-gggggggggg', 'opened');
    await record.reported('c-20270215-gggggggggg');
    expect(record.seen.has('c-20270216-ffffffffff')).toBe(false);
  });

  it('reports nothing once closed, while a watcher left open on the same store does', async () => {
    const storeDir = tempFolder();
    await writeEvent(storeDir, first, 'opened');
    const closedOne = recorder();
    const witness = recorder();
    // The closed watcher would report first (no quiet time): anything it reported would be in before the witness's report.
    const closing = watchFor(storeDir, closedOne.onChange, { debounceMs: 0 });
    watchFor(storeDir, witness.onChange, { debounceMs: 50 });
    closing.close();

    await writeEvent(storeDir, first, 'approved');
    await writeEvent(storeDir, second, 'opened');
    await witness.reported(first, second);
    expect(closedOne.seen.size).toBe(0);
  });

  it('never keeps a process alive: a short command that made a watcher and never closed it still exits', async () => {
    const storeDir = tempFolder();
    await writeEvent(storeDir, first, 'opened');
    const tsx = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));
    const module = fileURLToPath(new URL('./store-watcher.ts', import.meta.url));
    const script = `import { watchCeremonyStore } from ${JSON.stringify(module)}; watchCeremonyStore({ storeDir: ${JSON.stringify(storeDir)}, onChange: () => undefined }); console.log('watching');`;
    const child = spawn(process.execPath, [tsx, '--eval', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(output).toContain('watching');
    expect(code).toBe(0);
  });

  it('follows a ceremony whose events folder appears just as its folder is watched: its next event is reported', async () => {
    // store-watcher.ts looks for a new ceremony's events/ folder, then watches its folder until one appears (an opening
    // writes its evidence first). events/ made between the look and the watch (the core's thread pool, another process
    // on a busy machine) must not leave the ceremony's events unseen: fs.watch is wrapped so it appears just then.
    const storeDir = tempFolder();
    await writeEvent(storeDir, first, 'opened');
    const record = recorder();
    watchFor(storeDir, record.onChange, { debounceMs: 20 });
    const racing = 'c-20260101-dddddddddd';
    const folder = join(storeDir, ceremonyFolder(racing));
    watching.before = (dir) => {
      if (dir === folder) mkdirSync(join(folder, 'events'), { recursive: true });
    };
    mkdirSync(join(folder, 'evidence'), { recursive: true });
    await record.reported(racing);
    watching.before = () => undefined;

    // Another process approves: the new file in its events folder is reported (never, without the second look).
    record.seen.clear();
    await writeEvent(storeDir, racing, 'approved');
    await record.reported(racing);
  });
});
