/**
 * The summary index built incrementally and in parallel (issue 15): on a
 * refresh only ceremonies whose event files came, went or changed are read
 * and judged again, many are judged on worker threads, and the first rows are
 * in the index before the rest is built. Judgements are counted, never timed.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeremonyIndex } from '../../electron/core/ceremony/ceremony-index';
import { pageOf } from '../../electron/core/ceremony/ceremony-pages';
import { summarize } from '../../electron/core/ceremony/ceremony-views';
import { eventFilesStamp, type IndexedCeremony } from '../../electron/core/ceremony/index-judging';
import { judgeOnThreads } from '../../electron/core/ceremony/index-threads';
import { localCeremonyService } from '../../electron/core/ceremony/local-service';
import { createCore } from '../../electron/core/create-core';
import type { EventPayload } from '../../shared/api/contract';
import { generateCeremonies } from '../support/generate-ceremonies';
import { makeDataDir, makeTokenFolder, softhsmModule } from '../support/softhsm';
import type { NamedModule } from '../../electron/core/tokens/machine-modules';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

let home: ReturnType<typeof makeDataDir>;
let storeDir: string;
let ids: string[];
let policyDocument: unknown;

beforeEach(async () => {
  home = makeDataDir();
  storeDir = join(home.dir, 'store');
  mkdirSync(storeDir, { recursive: true });
  ({ ids, policyDocument } = await generateCeremonies(storeDir, 40));
}, 120_000);
afterEach(() => home.cleanup());

const indexOf = (cache = 'summaries.json') => new CeremonyIndex(localCeremonyService({ dataDir: home.dir, storeDir }), join(home.dir, 'cache', cache));
const eventsDir = (id: string) => join(storeDir, ceremonyFolder(id), 'events');

/** Settles when the core tells the window its index is complete (ceremonies.indexed), as the window would hear it. */
function indexComplete(core: ReturnType<typeof createCore>): Promise<void> {
  return new Promise((resolve) => {
    const stop = core.subscribe((name, payload) => {
      if (name !== 'ceremonies.indexed' || !(payload as EventPayload<'ceremonies.indexed'>).complete) return;
      stop();
      resolve();
    });
  });
}

describe('the summary index', () => {
  it('judges a ceremony again only when its event files change: one change, one judgement', async () => {
    const index = indexOf();
    await index.refresh();
    expect(index.judgements).toBe(40);
    expect(await index.refresh()).toEqual([]);
    expect(index.judgements).toBe(40);

    // A new event file in one ceremony (here one that is not a readable event: the judge is told of it all the same).
    const changed = ids[7]!;
    const before = index.record(changed)!.version;
    writeFileSync(join(eventsDir(changed), '29990101T000000000Z-approved-0000000000000000.json'), '{}');
    expect(await index.refresh()).toEqual([changed]);
    expect(index.judgements).toBe(41);
    expect(index.record(changed)!.version).not.toBe(before);

    // A file replaced under the same name, as tools replace files (written beside it, renamed over it): read again too.
    const other = ids[3]!;
    const replaced = join(eventsDir(other), readdirSync(eventsDir(other))[0]!);
    writeFileSync(`${replaced}.tmp`, `${readFileSync(replaced, 'utf8')}\n`);
    renameSync(`${replaced}.tmp`, replaced);
    expect(await index.refresh()).toEqual([other]);
    expect(index.judgements).toBe(42);

    // A change this app made and judged itself (catalog.changed hands the index what it loaded): no judgement of its own.
    const signed = ids[5]!;
    writeFileSync(join(eventsDir(signed), '29990101T000000000Z-approved-1111111111111111.json'), '{}');
    await index.update(signed, await localCeremonyService({ dataDir: home.dir, storeDir }).load(signed));
    expect(await index.refresh()).toEqual([]);
    expect(index.judgements).toBe(42);

    // A new ceremony (a sync brought it): only it is read.
    const added = (await generateCeremonies(storeDir, 1)).ids[0]!;
    expect(await index.refresh()).toEqual([added]);
    expect(index.judgements).toBe(43);
    expect(index.records()).toHaveLength(41);
  });

  it('keeps the newer summary when refreshes overlap: one that read a ceremony before an approval cannot finish over one that read it after', async () => {
    const service = localCeremonyService({ dataDir: home.dir, storeDir });
    const index = new CeremonyIndex(service, join(home.dir, 'cache', 'summaries.json'));
    await index.refresh();
    const id = ids[4]!;
    // The first refresh reads the ceremony, then is held before it can file its summary (a slow disk, a busy core).
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let reached = () => {};
    const reading = new Promise<void>((resolve) => (reached = resolve));
    const judge = service.judge.bind(service);
    let holdNext = true;
    service.judge = async (ceremonyId, files, unreadable) => {
      const loaded = await judge(ceremonyId, files, unreadable);
      if (ceremonyId === id && holdNext) {
        holdNext = false;
        reached();
        await held;
      }
      return loaded;
    };
    writeFileSync(join(eventsDir(id), '29990101T000000000Z-approved-1111111111111111.json'), '{}');
    const first = index.refresh({ restamp: [id] });
    await reading;
    // Meanwhile another program's file lands, and the store watcher asks for a second refresh.
    writeFileSync(join(eventsDir(id), '29990101T000000000Z-approved-2222222222222222.json'), '{}');
    const second = index.refresh({ restamp: [id] });
    // The first is let go once the second has filed its summary (or, when refreshes wait for each other, after a while).
    await Promise.race([second, new Promise((resolve) => setTimeout(resolve, 2000))]);
    release();
    await Promise.all([first, second]);

    const fresh = indexOf('fresh.json');
    await fresh.refresh();
    expect(index.record(id)!.version).toBe(fresh.record(id)!.version);
    expect(await index.refresh()).toEqual([]);
  });

  it('judges afresh a ceremony the app hands in when a file came after it was loaded', async () => {
    const index = indexOf();
    await index.refresh();
    const id = ids[6]!;
    const loaded = await localCeremonyService({ dataDir: home.dir, storeDir }).load(id);
    // Another program's file lands between this app's load and its update of the index.
    writeFileSync(join(eventsDir(id), '29990101T000000000Z-approved-3333333333333333.json'), '{}');
    const record = await index.update(id, loaded);
    expect(index.judgements).toBe(41);
    const fresh = indexOf('fresh.json');
    await fresh.refresh();
    expect(record!.version).toBe(fresh.record(id)!.version);
    expect(record!.version).not.toBe(summarize(loaded).version);
  });

  it('starts from its saved stamps: a restart reads only what changed, even a file rewritten in place', async () => {
    const first = indexOf();
    await first.refresh();
    await first.flushed();
    const restarted = indexOf();
    expect(await restarted.refresh({ thorough: true })).toEqual([]);
    expect(restarted.judgements).toBe(0);
    expect(restarted.records().map((record) => record.version).sort()).toEqual(first.records().map((record) => record.version).sort());

    // Written into in place (a backup restored over it): its folder's time stays, its size does not.
    await restarted.flushed();
    const rewritten = ids[11]!;
    appendFileSync(join(eventsDir(rewritten), readdirSync(eventsDir(rewritten))[0]!), '\n');
    const again = indexOf();
    expect(await again.refresh({ thorough: true })).toEqual([rewritten]);
    expect(again.judgements).toBe(1);
  });

  /**
   * A first build of `index` (its cache summaries.json) that the app quits after 10 ceremonies: the core's dispose
   * flushes the index there, and the process ends with the build. Answers the cache as that flush wrote it.
   */
  /** The header and the ceremonies' lines of a saved cache, without the digests between its blocks. */
  const ceremonyLinesOf = (saved: string) => saved.trim().split('\n').filter((line) => !line.startsWith('{"block":'));

  async function cacheSavedAfterTen(index: CeremonyIndex): Promise<string> {
    let savedHalfway: Promise<string> | undefined;
    await index.refresh({
      onProgress: (progress) => {
        if (progress.done === 10) savedHalfway = index.flushed().then(() => readFileSync(join(home.dir, 'cache', 'summaries.json'), 'utf8'));
      },
    });
    return savedHalfway!;
  }

  it('keeps what a first build judged when it is stopped halfway (the app quit): the next start judges only the rest', async () => {
    const index = indexOf();
    const saved = await cacheSavedAfterTen(index);
    const [header, ...lines] = ceremonyLinesOf(saved);
    expect(lines).toHaveLength(10);
    expect(JSON.parse(header!)).toMatchObject({ count: 10, partial: true });
    writeFileSync(join(home.dir, 'cache', 'after-quit.json'), saved);
    const next = indexOf('after-quit.json');
    await next.refresh({ thorough: true });
    expect(next.judgements).toBe(30);
    expect(next.records().map((record) => record.version).sort()).toEqual(index.records().map((record) => record.version).sort());
    // Built to the end, the cache it writes is whole again.
    await next.flushed();
    expect(JSON.parse(readFileSync(join(home.dir, 'cache', 'after-quit.json'), 'utf8').split('\n')[0]!)).not.toHaveProperty('partial');
  });

  it('over a cache saved halfway through a build, the window is told the index is incomplete until the rest is judged', async () => {
    writeFileSync(join(home.dir, 'cache', 'ceremony-summaries.json'), await cacheSavedAfterTen(indexOf()));

    const core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [] });
    const built = indexComplete(core);
    const changed: string[] = [];
    core.subscribe((name, payload) => {
      if (name === 'ceremony.changed') changed.push((payload as EventPayload<'ceremony.changed'>).id);
    });
    try {
      // Not the ten saved as if they were all: the window shows the index building, and asks again when it is complete.
      const early = await core.handlers['ceremonies.page']({ tab: 'all', limit: 100 });
      expect(early.complete).toBe(false);
      await built;
      const page = await core.handlers['ceremonies.page']({ tab: 'all', limit: 100 });
      expect(page.complete).toBe(true);
      expect(page.items.map((row) => row.id).sort()).toEqual([...ids].sort());
      // The rest came as a first build's rows come, not as 30 changes to announce one by one.
      expect(changed).toEqual([]);
    } finally {
      await core.dispose();
    }
  });

  it('stamps file by file the ceremonies the store watcher names: a file rewritten in place is read again, one judgement', async () => {
    const index = indexOf();
    await index.refresh();
    const id = ids[9]!;
    appendFileSync(join(eventsDir(id), readdirSync(eventsDir(id))[0]!), '\n');
    // The folder's time alone does not show it (no name came or went)…
    expect(await index.refresh()).toEqual([]);
    // …the watcher's report of the ceremony does.
    expect(await index.refresh({ restamp: [id] })).toEqual([id]);
    expect(index.judgements).toBe(41);
  });

  it('reads the cache an earlier version wrote (one JSON document) at an upgrade: listed at once, judged again by this version, nothing told that did not change', async () => {
    const first = indexOf();
    await first.refresh();
    await first.flushed();
    const path = join(home.dir, 'cache', 'summaries.json');
    const [header, ...lines] = ceremonyLinesOf(readFileSync(path, 'utf8'));
    const ceremonies = Object.fromEntries(lines.map((line) => JSON.parse(line) as { id: string }).map(({ id, ...entry }) => [id, entry]));
    writeFileSync(path, JSON.stringify({ version: 1, storeRoot: (JSON.parse(header!) as { storeRoot: string }).storeRoot, ceremonies }));
    const upgraded = indexOf();
    await upgraded.cached(true);
    expect(upgraded.records()).toHaveLength(40);
    // An earlier version's judge decided them (judged-by-version.test.ts): judged again, and the same summaries are no change.
    expect(await upgraded.refresh({ thorough: true })).toEqual([]);
    expect(upgraded.judgements).toBe(40);
    expect(upgraded.records()).toHaveLength(40);
    // Written again in this version's form, for the next start to read quickly.
    await upgraded.flushed();
    const rewritten = readFileSync(path, 'utf8');
    expect(JSON.parse(rewritten.slice(0, rewritten.indexOf('\n')))).toMatchObject({ format: 'conclave-summary-cache', version: 3, count: 40 });
  });

  it('has the first rows in a page before the whole index is built', async () => {
    const index = indexOf();
    const partial: { done: number; rows: number; complete: boolean }[] = [];
    await index.refresh({
      onProgress: (progress) => {
      // What a page asked for at this moment would answer.
      const page = pageOf(index.recordsNewestFirst(), { tab: 'all', limit: 20 }, { waitingOnMe: () => false, row: (record) => ({ ...record.summary, waitingOnMe: false, version: record.version }) }, { ...progress, complete: false });
        partial.push({ done: progress.done, rows: page.items.length, complete: page.complete });
      },
    });
    expect(partial[0]).toEqual({ done: 1, rows: 1, complete: false });
    expect(partial.find((moment) => moment.done === 20)?.rows).toBe(20);
    expect(partial.at(-1)!.done).toBe(40);
    expect(index.progress()).toBeUndefined();
  });

  it('judges on worker threads what this thread would, with the same summaries', async () => {
    const service = localCeremonyService({ dataDir: home.dir, storeDir });
    // One ceremony with a file that cannot be read (a folder by an event's name) after one that is not an event: each is
    // reported, in the folder's order, whichever half of the reading found it, on a thread as here.
    const notAnEvent = '20990101T000000000Z-approved-aaaaaaaaaaaaaaaa.json';
    const unreadable = '20990101T000000000Z-approved-bbbbbbbbbbbbbbbb.json';
    writeFileSync(join(eventsDir(ids[0]!), notAnEvent), '{"payloadType": ');
    mkdirSync(join(eventsDir(ids[0]!), unreadable));
    const damaged = await service.load(ids[0]!);
    expect((damaged.unreadable ?? []).map((file) => [file.source, file.reason.slice(0, 14)])).toEqual([
      [notAnEvent, 'it is not a re'],
      [unreadable, 'it cannot be r'],
    ]);
    const judged = new Map<string, IndexedCeremony | undefined>();
    let judgedHere = 0;
    await judgeOnThreads(
      ids,
      { dataDir: home.dir, storeDir, clockOffsetMs: 0 },
      (id, indexed) => judged.set(id, indexed),
      async () => {
        judgedHere++;
        return undefined;
      },
      { count: 2, alsoHere: false },
    );
    // Every ceremony judged on a thread: none fell back to this one.
    expect(judgedHere).toBe(0);
    expect([...judged.keys()].sort()).toEqual([...ids].sort());
    for (const id of ids.slice(0, 5)) expect(judged.get(id)!.record).toEqual(summarize(await service.load(id)));
    // A thread stamps the files it read as it opened them; the stamp is the one this thread makes looking at each.
    for (const id of ids) expect(judged.get(id)).toMatchObject(await eventFilesStamp(service.store, id));
  }, 120_000);

  /** A thread that answers each batch at once, judging nothing, and ends itself at the batch numbered `endsAt`. */
  const answeringThread = (endsAt: number) => ({
    eval: true,
    script: `const { parentPort } = require('node:worker_threads'); let seen = 0;
      parentPort.on('message', (request) => { if (++seen === ${endsAt}) process.exit(1); parentPort.postMessage({ batch: request.batch, judged: request.ids.map((id) => ({ id, indexed: undefined })) }); });`,
  });

  it('a thread that ends with batches in hand leaves them and the rest to this thread, each ceremony judged once', async () => {
    const times = new Map<string, number>();
    const count = (id: string) => times.set(id, (times.get(id) ?? 0) + 1);
    let judgedHere = 0;
    // Two batches are sent at once: the thread answers the first and ends at the second, with a third on its way.
    await judgeOnThreads(ids, { dataDir: home.dir, storeDir, clockOffsetMs: 0 }, count, async () => (judgedHere++, undefined), { count: 1, alsoHere: false, entry: answeringThread(2) });
    expect([...times.keys()].sort()).toEqual([...ids].sort());
    expect([...times.values()].every((judged) => judged === 1)).toBe(true);
    expect(judgedHere).toBe(ids.length - 4);
  });

  it('a thread that stops answering without ending is ended after its deadline; this thread judges what it held and the rest', async () => {
    const times = new Map<string, number>();
    let judgedHere = 0;
    // It answers its first batch, then takes in every other one and stays silent, alive.
    const silentThread = {
      eval: true,
      script: `const { parentPort } = require('node:worker_threads'); let seen = 0;
        parentPort.on('message', (request) => { if (++seen === 1) parentPort.postMessage({ batch: request.batch, judged: request.ids.map((id) => ({ id, indexed: undefined })) }); });`,
    };
    await judgeOnThreads(ids, { dataDir: home.dir, storeDir, clockOffsetMs: 0 }, (id) => times.set(id, (times.get(id) ?? 0) + 1), async () => (judgedHere++, undefined), {
      count: 1,
      alsoHere: false,
      entry: silentThread,
      answerWithinMs: 300,
    });
    expect([...times.keys()].sort()).toEqual([...ids].sort());
    expect([...times.values()].every((judged) => judged === 1)).toBe(true);
    expect(judgedHere).toBe(ids.length - 4);
  });

  it('a thread stuck in a read that never returns does not hold the index: its batches are judged here, and it is left to end', async () => {
    // A named pipe with no writer: opening it blocks in the kernel, where ending a thread cannot reach (a hung network disk).
    const pipe = join(home.dir, 'never');
    execFileSync('mkfifo', [pipe]);
    const stuckThread = {
      eval: true,
      script: `const { parentPort } = require('node:worker_threads'); const fs = require('node:fs'); let seen = 0;
        parentPort.on('message', (request) => { if (++seen === 1) return parentPort.postMessage({ batch: request.batch, judged: request.ids.map((id) => ({ id, indexed: undefined })) }); fs.readFileSync(${JSON.stringify(pipe)}); });`,
    };
    const times = new Map<string, number>();
    try {
      await judgeOnThreads(ids, { dataDir: home.dir, storeDir, clockOffsetMs: 0 }, (id) => times.set(id, (times.get(id) ?? 0) + 1), async () => undefined, {
        count: 1,
        alsoHere: false,
        entry: stuckThread,
        answerWithinMs: 300,
      });
      expect(times.size).toBe(ids.length);
      expect([...times.values()].every((judged) => judged === 1)).toBe(true);
    } finally {
      // Let the stuck read return, so the thread ends with the test.
      closeSync(openSync(pipe, 'w'));
    }
  });

  it('this thread judges the newest until a thread answers, then leaves the rest to the threads', async () => {
    const times = new Map<string, number>();
    const here: string[] = [];
    const order = [...ids];
    await judgeOnThreads(order, { dataDir: home.dir, storeDir, clockOffsetMs: 0 }, (id) => times.set(id, (times.get(id) ?? 0) + 1), async (id) => {
      here.push(id);
      // Slower than the thread, as judging a ceremony is beside an answer that judges nothing.
      await new Promise((resolve) => setTimeout(resolve, 25));
      return undefined;
    }, { count: 1, entry: answeringThread(Number.POSITIVE_INFINITY) });
    expect([...times.values()].every((judged) => judged === 1)).toBe(true);
    expect(times.size).toBe(ids.length);
    // It began among the newest (right after the two first batches the thread was sent), and stopped long before the end.
    expect(here.length).toBeGreaterThan(0);
    const start = order.indexOf(here[0]!);
    expect(start).toBeLessThanOrEqual(8);
    expect(here).toEqual(order.slice(start, start + here.length));
    expect(here.length).toBeLessThan(ids.length / 2);
  });

  it('sends ceremony.changed with the version a page row gives, new when the verdict changed', async () => {
    const core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [] });
    const built = indexComplete(core);
    const changed = new Map<string, EventPayload<'ceremony.changed'>>();
    let allChanged: () => void = () => undefined;
    const everyOne = new Promise<void>((resolve) => (allChanged = resolve));
    core.subscribe((name, payload) => {
      if (name !== 'ceremony.changed') return;
      const summary = payload as EventPayload<'ceremony.changed'>;
      changed.set(summary.id, summary);
      if (changed.size === ids.length) allChanged();
    });
    try {
      // Once the index is built, every ceremony is in a page.
      await built;
      const before = await core.handlers['ceremonies.page']({ tab: 'all', limit: 100 });
      expect(before.complete).toBe(true);
      expect(before.items).toHaveLength(ids.length);
      expect(before.items.every((row) => !row.policyTrusted)).toBe(true);
      // Trusting the policy changes every verdict under it, though no event file changed.
      const policyPath = join(home.dir, 'generated-policy.json');
      writeFileSync(policyPath, JSON.stringify(policyDocument, null, 2));
      await core.handlers['policies.import']({ path: policyPath });
      await everyOne;
      const after = await core.handlers['ceremonies.page']({ tab: 'all', limit: 100 });
      for (const row of after.items) {
        expect(row.policyTrusted).toBe(true);
        expect(changed.get(row.id)!.version).toBe(row.version);
        expect(row.version).not.toBe(before.items.find((old) => old.id === row.id)!.version);
      }
      // Nothing changed since: the same version, so a window holding it has nothing to fetch.
      const again = await core.handlers['ceremonies.page']({ tab: 'all', limit: 100 });
      expect(again.items.map((row) => row.version)).toEqual(after.items.map((row) => row.version));
    } finally {
      await core.dispose();
    }
  });

  it('answers from the saved index at the next start, and tells the window only of what changed meanwhile', async () => {
    const first = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [] });
    await indexComplete(first);
    const versions = new Map((await first.handlers['ceremonies.page']({ tab: 'all', limit: 100 })).items.map((row) => [row.id, row.version]));
    await first.dispose();
    // While the app was closed, a sync brought a file to one ceremony.
    const touched = ids[20]!;
    writeFileSync(join(eventsDir(touched), '29990101T000000000Z-approved-2222222222222222.json'), '{}');

    const second = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [] });
    const checked = indexComplete(second);
    const changed: EventPayload<'ceremony.changed'>[] = [];
    second.subscribe((name, payload) => {
      if (name === 'ceremony.changed') changed.push(payload as EventPayload<'ceremony.changed'>);
    });
    try {
      const page = await second.handlers['ceremonies.page']({ tab: 'all', limit: 100 });
      expect(page.items).toHaveLength(ids.length);
      // Checked against the store: only the ceremony that changed meanwhile is told.
      await checked;
      expect(changed.map((summary) => summary.id)).toEqual([touched]);
      expect(changed[0]!.version).not.toBe(versions.get(touched));
      const after = await second.handlers['ceremonies.page']({ tab: 'all', limit: 100 });
      expect(after.complete).toBe(true);
      for (const row of after.items) if (row.id !== touched) expect(row.version).toBe(versions.get(row.id));
    } finally {
      await second.dispose();
    }
  });

  /** A core's index saved, the app closed, a file brought to one ceremony meanwhile, and the app started again. */
  async function restartedAfterAChange(touched: string, second: { modules?: NamedModule[]; indexWaitsForWindowMs?: number } = {}): Promise<{ core: ReturnType<typeof createCore>; changed: string[]; checked: Promise<void> }> {
    const first = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [] });
    await indexComplete(first);
    await first.dispose();
    writeFileSync(join(eventsDir(touched), '29990101T000000000Z-approved-3333333333333333.json'), '{}');
    const core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [], ...second });
    const changed: string[] = [];
    core.subscribe((name, payload) => {
      if (name === 'ceremony.changed') changed.push((payload as EventPayload<'ceremony.changed'>).id);
    });
    return { core, changed, checked: indexComplete(core) };
  }

  it('over a saved index, leaves the store alone until the window has its first page, so the first screen comes first', async () => {
    // A token with a key is attached: the key scan at start finds it, and that too leaves the store alone.
    const tokens = makeTokenFolder();
    tokens.addToken('alice');
    execFileSync('pkcs11-tool', ['--module', softhsmModule!, '--token-label', 'alice', '--login', '--pin', '1234', '--keypairgen', '--key-type', 'EC:prime256v1', '--label', 'signing'], { env: { ...process.env, ...tokens.env }, stdio: 'pipe' });
    const touched = ids[30]!;
    // Waiting for a window longer than the test takes: only the first page may start the check.
    const { core, changed, checked } = await restartedAfterAChange(touched, { modules: [{ path: softhsmModule!, env: tokens.env }], indexWaitsForWindowMs: 600_000 });
    try {
      expect((await core.handlers['tokens.list']({})).modules.flatMap((module) => module.tokens).map((token) => token.label)).toEqual(['alice']);
      // No page asked for yet: the store is not checked against the saved index.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(changed).toEqual([]);
      const page = await core.handlers['ceremonies.page']({ tab: 'all', limit: 100 });
      expect(page.items).toHaveLength(ids.length);
      // Once the first page is out, the check runs and the window hears what changed meanwhile.
      await checked;
      expect(changed).toEqual([touched]);
    } finally {
      await core.dispose();
      tokens.cleanup();
    }
  });

  it('over a saved index, checks the store after a moment even when no window asks for a page', async () => {
    const touched = ids[31]!;
    const { core, changed, checked } = await restartedAfterAChange(touched);
    try {
      await checked;
      expect(changed).toEqual([touched]);
    } finally {
      await core.dispose();
    }
  });

  it('sees a file rewritten in place while it runs (its folder keeps its time): the row changes without a restart', async () => {
    const core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [] });
    try {
      await indexComplete(core);
      // The newest generated ceremony is published: an opening, a freeze, two approvals and the publication.
      const id = ids[0]!;
      const rowOf = async () => (await core.handlers['ceremonies.page']({ tab: 'all', limit: 100 })).items.find((row) => row.id === id)!;
      const before = await rowOf();
      expect(before.state).toBe('published');
      // The detail carries the version the row and ceremony.changed carry: a window holding it knows whether it is current.
      expect((await core.handlers['ceremonies.get']({ id })).version).toBe(before.version);
      const told = new Promise<EventPayload<'ceremony.changed'>>((resolve) => {
        core.subscribe((name, payload) => {
          if (name === 'ceremony.changed' && (payload as EventPayload<'ceremony.changed'>).id === id) resolve(payload as EventPayload<'ceremony.changed'>);
        });
      });
      const folderTime = statSync(eventsDir(id)).mtimeMs;
      const approval = readdirSync(eventsDir(id)).find((name) => name.includes('-approved-'))!;
      // Overwritten where it is (a bad restore): the names and the folder's time are as they were.
      writeFileSync(join(eventsDir(id), approval), '{}');
      expect(statSync(eventsDir(id)).mtimeMs).toBe(folderTime);
      const changed = await told;
      expect(changed.version).not.toBe(before.version);
      // The approval no longer reads: one more problem on the row.
      expect(changed.problemCount).toBeGreaterThan(before.problemCount);
      expect(await rowOf()).toMatchObject({ version: changed.version, problemCount: changed.problemCount });
      expect((await core.handlers['ceremonies.get']({ id })).version).toBe(changed.version);
    } finally {
      await core.dispose();
    }
  });

  it('tells the window how far the first build is, then that it is complete', async () => {
    const events: EventPayload<'ceremonies.indexed'>[] = [];
    const core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [] });
    const built = indexComplete(core);
    core.subscribe((name, payload) => {
      if (name === 'ceremonies.indexed') events.push(payload as EventPayload<'ceremonies.indexed'>);
    });
    try {
      await built;
      expect((await core.handlers['ceremonies.page']({ tab: 'all', limit: 100 })).items).toHaveLength(40);
      expect(events.at(-1)).toEqual({ done: 40, total: 40, complete: true });
      const partial = events.filter((event) => !event.complete);
      expect(partial.length).toBeGreaterThan(0);
      expect(partial.map((event) => event.done)).toEqual([...partial.map((event) => event.done)].sort((a, b) => a - b));
    } finally {
      await core.dispose();
    }
  });
});
