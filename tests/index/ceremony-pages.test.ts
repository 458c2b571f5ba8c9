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
import { createCore } from '../../electron/core/create-core';
import { ceremonyTabs, maxPageRows, type CallInput, type CallOutput, type CallName, type CeremonySummary } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { generateCeremonies } from '../support/generate-ceremonies';
import { makeDataDir } from '../support/softhsm';

const ceremonyCount = 2500;
let home: ReturnType<typeof makeDataDir>;
let core: Core;
let generated: string[];
/** Every summary, the old way (ceremonies.list): what the pages are checked against. */
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
  core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [] });
  everything = await call('ceremonies.list', {});
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
    // The old answer, for comparison: every summary, megabytes of it.
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
    // The old call, with the old shape, still answers the same.
    const old = await call('history.search', { text: 'ledger', states: ['published'], limit: 20_000 });
    expect(old.items.map((item) => item.id)).toEqual(rows.map((row) => row.id));
  });

  it('gives every row the version ceremony.changed carries, and refuses a cursor it did not give', async () => {
    const page = await call('ceremonies.page', { tab: 'all', limit: 3 });
    for (const row of page.items) expect(row.version).toMatch(/^\d+-[0-9a-f]{16}$/);
    const failed = await dispatchCall(core.handlers, 'ceremonies.page', { tab: 'all', cursor: 'not-a-cursor' });
    expect(failed.ok).toBe(false);
    if (!failed.ok) expect(failed.error.code).toBe('invalid-input');
  });
});
