/**
 * Part (g) of `npm run bench` (issue 15): lists that answer only what the
 * screen shows, and the summary index built incrementally and in parallel,
 * measured in this process on the generated store (d) and (e) use, side by
 * side with reading every event file once.
 *
 * - the index built from nothing (a first start on a synced store): time to
 *   the first rows and to a first full page, and to the whole index, on this
 *   thread alone and on worker threads;
 * - the core's API over a summary cache: start → first page of Ceremonies
 *   and of a History search, and the size of each answer, against the old
 *   ceremonies.list.
 *
 * The threads run the built worker (out/main/index-worker.js) when there is
 * one, as the app does; otherwise its source through tsx, which starts slower.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore } from '../electron/core/create-core';
import { CeremonyIndex } from '../electron/core/ceremony/ceremony-index';
import { pageOf } from '../electron/core/ceremony/ceremony-pages';
import { defaultThreadCount, indexWorkerEntry } from '../electron/core/ceremony/index-threads';
import { localCeremonyService } from '../electron/core/ceremony/local-service';
import { maxPageRows } from '../shared/api/contract';
import { median, onCleanup, positiveNumber, print, row, timed } from './support';
import { historyFixture, readStore } from './window';

const repeats = positiveNumber('CONCLAVE_BENCH_REPEATS', 3);
const ceremonyCount = Math.round(positiveNumber('CONCLAVE_BENCH_CEREMONIES', 10_000));
const builtIndexWorker = fileURLToPath(new URL('../out/main/index-worker.js', import.meta.url));

interface ColdBuild {
  firstRows: number;
  firstPage: number;
  firstPageBytes: number;
  whole: number;
}

export async function benchPages(): Promise<void> {
  print(`(g) Pages and the summary index, ${ceremonyCount.toLocaleString('en')} ceremonies, in this process (no window)`);
  const history = await historyFixture();
  const storeDir = join(history.home, 'store');
  const figure = (values: number[]) => `${median(values).toFixed(3)} s`;
  const kilobytes = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

  const reading: number[] = [];
  await readStore(storeDir);
  for (let round = 0; round < repeats; round++) reading.push(await timed(() => readStore(storeDir)));

  // One round each: every round reads and verifies the whole store.
  const entry = existsSync(builtIndexWorker) ? { script: builtIndexWorker, eval: false } : indexWorkerEntry();
  const here = await coldBuild(storeDir, undefined);
  const threadsHome = dataFolder();
  const threads = await coldBuild(storeDir, { home: threadsHome, entry });

  // Warm: the core's API over the cache the threads' build left.
  const warm = { start: [] as number[], page: [] as number[], bytes: 0, history: [] as number[], historyBytes: 0, list: [] as number[], listBytes: 0 };
  for (let round = 0; round <= repeats; round++) {
    const measured = round > 0;
    const started = process.hrtime.bigint();
    const core = createCore({ dataDir: threadsHome, storeDir, shell: 'browser', version: 'bench', modules: [] });
    try {
      const page = await core.handlers['ceremonies.page']({ tab: 'all', limit: maxPageRows });
      const took = Number(process.hrtime.bigint() - started) / 1e9;
      let searched: unknown;
      const search = await timed(async () => void (searched = await core.handlers['history.page']({ text: 'ledger', limit: maxPageRows })));
      let listed: unknown;
      const list = await timed(async () => void (listed = await core.handlers['ceremonies.list']({})));
      if (measured) {
        warm.start.push(took);
        warm.history.push(search);
        warm.list.push(list);
        warm.bytes = JSON.stringify(page).length;
        warm.historyBytes = JSON.stringify(searched).length;
        warm.listBytes = JSON.stringify(listed).length;
      }
    } finally {
      await core.dispose();
    }
  }

  const coldRows = (name: string, build: ColdBuild, note: string) => {
    print(row(`cold, ${name}: first rows`, `${build.firstRows.toFixed(3)} s`, note));
    print(row(`cold, ${name}: first page of ${maxPageRows}`, `${build.firstPage.toFixed(3)} s`, `newest first; ${kilobytes(build.firstPageBytes)}`));
    print(row(`cold, ${name}: whole index`, `${build.whole.toFixed(3)} s`, `${(build.whole / median(reading)).toFixed(1)}× reading every file once`));
  };
  coldRows('this thread', here, 'before issue 15 the window waited for the whole index');
  coldRows(`${defaultThreadCount()} threads + this one`, threads, existsSync(builtIndexWorker) ? 'the built worker' : 'worker from source through tsx (run "npm run build" first)');
  print(row('warm: core start → first Ceremonies page', figure(warm.start), `ceremonies.page, ${maxPageRows} rows: ${kilobytes(warm.bytes)}`));
  print(row('warm: History search "ledger", first page', figure(warm.history), `history.page: ${kilobytes(warm.historyBytes)}`));
  print(row('warm: ceremonies.list (every summary)', figure(warm.list), `the old call: ${kilobytes(warm.listBytes)}`));
  print(row('reference: readdir + read every event file', figure(reading), 'the bytes a cold index must read, without parsing or verifying'));
  print('');
}

function dataFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-bench-pages-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The index built from nothing, timed to its first rows, its first full page and its end. */
async function coldBuild(storeDir: string, threads: { home: string; entry: ReturnType<typeof indexWorkerEntry> } | undefined): Promise<ColdBuild> {
  const home = threads?.home ?? dataFolder();
  const index = new CeremonyIndex(localCeremonyService({ dataDir: home, storeDir }), join(home, 'cache', 'ceremony-summaries.json'), undefined, {
    dataDir: home,
    ...(threads ? { threads: { from: 0, ...(threads.entry ? { entry: threads.entry } : {}) } } : {}),
  });
  const started = process.hrtime.bigint();
  const since = () => Number(process.hrtime.bigint() - started) / 1e9;
  const build: ColdBuild = { firstRows: 0, firstPage: 0, firstPageBytes: 0, whole: 0 };
  const rows = { waitingOnMe: () => false, row: (record: Parameters<typeof pageOf>[0][number]) => ({ ...record.summary, waitingOnMe: false, version: record.version }) };
  await index.refresh({
    onProgress: (progress) => {
      if (progress.done === 1) build.firstRows = since();
      if (progress.done === Math.min(maxPageRows, progress.total)) {
        build.firstPage = since();
        build.firstPageBytes = JSON.stringify(pageOf(index.recordsNewestFirst(), { tab: 'all', limit: maxPageRows }, rows, { ...progress, complete: false })).length;
      }
    },
  });
  build.whole = since();
  await index.flushed();
  return build;
}
