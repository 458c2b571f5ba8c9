/**
 * Lists answer only what the screen shows (issue 15): the Ceremonies tabs,
 * "waiting on me" and History's search give one page of rows and the counts,
 * through the core's API, on a generated store of thousands of ceremonies.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core';
import { dispatchCall } from '../../electron/core/api/dispatch';
import { CeremonyIndex } from '../../electron/core/ceremony/ceremony-index';
import { localCeremonyService } from '../../electron/core/ceremony/local-service';
import { createCore } from '../../electron/core/create-core';
import { ceremonyTabs, maxPageRows, type CallInput, type CallOutput, type CallName, type CeremonySummary, type EventPayload } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { generateCeremonies } from '../support/generate-ceremonies';
import { makeDataDir } from '../support/softhsm';

const ceremonyCount = 2500;
let home: ReturnType<typeof makeDataDir>;
let core: Core;
let generated: string[];
/** Every summary, newest first, from an index built apart from the core: what the pages are checked against. */
let everything: CeremonySummary[];

async function call<C extends CallName>(name: C, input: CallInput<C>): Promise<CallOutput<C>> {
  const result = (await dispatchCall(core.handlers, name, input)) as Result<CallOutput<C>>;
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
  return result.value;
}

/** Every page of a list, following its cursor to the end. */
async function allPages<C extends 'ceremonies.page' | 'history.page'>(name: C, input: CallInput<C>): Promise<CallOutput<C>[]> {
  const pages: CallOutput<C>[] = [];
  let cursor: string | undefined;
  do {
    const page = await call(name, { ...input, ...(cursor ? { cursor } : {}) });
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

const inTab = (summary: CeremonySummary, tab: (typeof ceremonyTabs)[number]) =>
  tab === 'all' || (tab === 'waiting' ? summary.waitingOnMe : tab === 'open' ? summary.state === 'open' || summary.state === 'frozen' : summary.state === tab);

beforeAll(async () => {
  home = makeDataDir();
  const storeDir = join(home.dir, 'store');
  mkdirSync(storeDir, { recursive: true });
  generated = (await generateCeremonies(storeDir, ceremonyCount)).ids;
  // Built where the core keeps its cache: the core starts from it, as at a warm start, and judges nothing again.
  const index = new CeremonyIndex(localCeremonyService({ dataDir: home.dir, storeDir }), join(home.dir, 'cache', 'ceremony-summaries.json'), undefined, { dataDir: home.dir, threads: {} });
  await index.refresh();
  await index.flushed();
  // No token is attached here: nothing waits on this machine.
  everything = index.recordsNewestFirst().map((record) => ({ ...record.summary, waitingOnMe: false }));
  core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [] });
  // Pages answer from the newest saved summaries at once; these tests walk every page, so they wait for all of them.
  await new Promise<void>((resolve) => {
    const stop = core.subscribe((name, payload) => {
      if (name !== 'ceremonies.indexed' || !(payload as EventPayload<'ceremonies.indexed'>).complete) return;
      stop();
      resolve();
    });
  });
}, 600_000);

afterAll(async () => {
  await core?.dispose();
  home?.cleanup();
});

describe('pages of ceremonies', () => {
  it('visits every ceremony exactly once, newest first, in pages bounded in rows and bytes', async () => {
    expect(everything).toHaveLength(ceremonyCount);
    const pages = await allPages('ceremonies.page', { tab: 'all', limit: maxPageRows });
    const ids = pages.flatMap((page) => page.items.map((item) => item.id));
    expect(ids).toHaveLength(ceremonyCount);
    expect(new Set(ids)).toEqual(new Set(generated));
    expect(ids).toEqual(everything.map((summary) => summary.id));
    for (const page of pages) {
      expect(page.items.length).toBeLessThanOrEqual(maxPageRows);
      expect(JSON.stringify(page).length).toBeLessThan(100_000);
      expect(page.total).toBe(ceremonyCount);
      expect(page.complete).toBe(true);
    }
    expect(pages.at(-1)!.nextCursor).toBeUndefined();
    // Every summary at once would be megabytes.
    expect(JSON.stringify(everything).length).toBeGreaterThan(1_000_000);
  });

  it('counts every tab as the window would from every summary, and pages each tab through its own ceremonies only', async () => {
    const first = await call('ceremonies.page', { tab: 'all' });
    for (const tab of ceremonyTabs) expect(first.counts[tab], tab).toBe(everything.filter((summary) => inTab(summary, tab)).length);
    expect(first.counts.published).toBeGreaterThan(0);
    expect(first.counts.rejected).toBeGreaterThan(0);
    for (const tab of ['published', 'rejected', 'cancelled', 'waiting'] as const) {
      const pages = await allPages('ceremonies.page', { tab, limit: 37 });
      const rows = pages.flatMap((page) => page.items);
      expect(rows.map((row) => row.id)).toEqual(everything.filter((summary) => inTab(summary, tab)).map((summary) => summary.id));
      expect(rows.every((row) => inTab(row, tab))).toBe(true);
      expect(pages.every((page) => page.total === first.counts[tab] && page.items.length <= 37)).toBe(true);
    }
  });

  it("answers History's search a page at a time, with counts over its text whatever the states", async () => {
    const matching = everything.filter((summary) => summary.release.name === 'ledger');
    const pages = await allPages('history.page', { text: 'ledger', states: ['published'], limit: 100 });
    const rows = pages.flatMap((page) => page.items);
    expect(rows.map((row) => row.id)).toEqual(matching.filter((summary) => summary.state === 'published').map((summary) => summary.id));
    expect(pages[0]!.total).toBe(rows.length);
    expect(pages[0]!.counts.all).toBe(matching.length);
    expect(pages[0]!.counts.rejected).toBe(matching.filter((summary) => summary.state === 'rejected').length);
    for (const page of pages) expect(JSON.stringify(page).length).toBeLessThan(100_000);
  });

  it('starts from its saved summaries newest first: the first page is in before the rest is parsed, and nothing is judged again', async () => {
    const index = new CeremonyIndex(localCeremonyService({ dataDir: home.dir, storeDir: join(home.dir, 'store') }), join(home.dir, 'cache', 'ceremony-summaries.json'));
    await index.cached();
    const head = index.recordsNewestFirst();
    expect(head.length).toBeGreaterThanOrEqual(maxPageRows);
    expect(head.length).toBeLessThan(ceremonyCount);
    expect(index.progress()).toEqual({ done: head.length, total: ceremonyCount });
    expect(head.slice(0, maxPageRows).map((record) => record.summary.id)).toEqual(everything.slice(0, maxPageRows).map((summary) => summary.id));
    await index.cached(true);
    expect(index.progress()).toBeUndefined();
    expect(index.recordsNewestFirst().map((record) => record.summary.id)).toEqual(everything.map((summary) => summary.id));
    expect(index.judgements).toBe(0);
  });

  it('gives every row the version ceremony.changed carries, and refuses a cursor it did not give', async () => {
    const page = await call('ceremonies.page', { tab: 'all', limit: 3 });
    for (const row of page.items) expect(row.version).toMatch(/^\d+-[0-9a-f]{16}$/);
    const failed = await dispatchCall(core.handlers, 'ceremonies.page', { tab: 'all', cursor: 'not-a-cursor' });
    expect(failed.ok).toBe(false);
    if (!failed.ok) expect(failed.error.code).toBe('invalid-input');
  });
});
