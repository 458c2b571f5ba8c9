/**
 * Saved summaries say which version of Conclave's judge decided them. After
 * an upgrade (a rule fixed: say an approval that should never have counted)
 * the window lists the saved summaries at once, and the first refresh judges
 * every ceremony again with this version's judge; the window hears only of
 * the ceremonies whose summary changed. Until every one is judged again, the
 * saved cache keeps naming the earlier judge, so a start cut short does it
 * again.
 */
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeremonyIndex } from '../../electron/core/ceremony/ceremony-index';
import { writeFileAtomically } from '../../electron/core/atomic-file';
import { SummaryCacheReader, summaryCacheLines } from '../../electron/core/ceremony/index-cache';
import { ceremonyVersion } from '../../electron/core/ceremony/ceremony-views';
import { localCeremonyService } from '../../electron/core/ceremony/local-service';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';
import { generateCeremonies } from '../support/generate-ceremonies';
import { makeDataDir } from '../support/softhsm';

let home: ReturnType<typeof makeDataDir>;
let storeDir: string;
let ids: string[];

beforeEach(async () => {
  home = makeDataDir();
  storeDir = join(home.dir, 'store');
  mkdirSync(storeDir, { recursive: true });
  ({ ids } = await generateCeremonies(storeDir, 30));
}, 120_000);
afterEach(() => home.cleanup());

const cachePath = () => join(home.dir, 'cache', 'summaries.json');
const indexOf = (judgedBy: string, dataDir = home.dir, cache = cachePath()) => new CeremonyIndex(localCeremonyService({ dataDir, storeDir }), cache, undefined, { judgedBy });
const savedJudge = async () => (await SummaryCacheReader.open(cachePath(), storeDir))?.judgedBy;

/** The summaries version 1.0.0 saved, its judge having counted one approval more in `miscounted` than the rules allow. */
async function savedByEarlierJudge(miscounted: string): Promise<void> {
  const earlier = indexOf('1.0.0');
  await earlier.refresh();
  const record = earlier.record(miscounted)!;
  const outsider = ['alice', 'bob', 'carol'].find((approver) => !record.summary.approvedBy.includes(approver))!;
  record.summary.approvedBy = [...record.summary.approvedBy, outsider];
  record.summary.counted += 1;
  // Its version as that judge computed it, from its own summary.
  record.version = ceremonyVersion(readdirSync(join(storeDir, ceremonyFolder(miscounted), 'events')), record.summary);
  await earlier.flushed();
  expect(await savedJudge()).toBe('1.0.0');
}

describe('the summaries and the version of the judge that decided them', () => {
  it('after an upgrade, lists the saved summaries at once, judges every ceremony again, and tells only of those that changed', async () => {
    const miscounted = ids[4]!;
    await savedByEarlierJudge(miscounted);

    const upgraded = indexOf('1.1.0');
    await upgraded.cached(true);
    // Listed at once, as saved: the window has its rows before any ceremony is judged.
    expect(upgraded.records()).toHaveLength(ids.length);
    expect(upgraded.judgements).toBe(0);
    const saved = upgraded.record(miscounted)!;
    expect(saved.summary.counted).toBeGreaterThan(0);

    expect(await upgraded.refresh({ thorough: true })).toEqual([miscounted]);
    expect(upgraded.judgements).toBe(ids.length);
    // This judge's verdict, as an index built from nothing decides it.
    const fromNothing = indexOf('1.1.0', join(home.dir, 'elsewhere'), join(home.dir, 'elsewhere', 'summaries.json'));
    await fromNothing.refresh();
    expect(upgraded.record(miscounted)).toEqual(fromNothing.record(miscounted));
    expect(upgraded.record(miscounted)!.summary.counted).toBe(saved.summary.counted - 1);

    await upgraded.flushed();
    expect(await savedJudge()).toBe('1.1.0');
    // The next start of the same version judges nothing again.
    const next = indexOf('1.1.0');
    expect(await next.refresh({ thorough: true })).toEqual([]);
    expect(next.judgements).toBe(0);
  });

  it('a start cut short after judging only some ceremonies again leaves the cache naming the earlier judge: the next start judges them all', async () => {
    await savedByEarlierJudge(ids[2]!);
    const upgraded = indexOf('1.1.0');
    // One ceremony judged by this version (a window that changed it), then the app quits before the first refresh ends.
    await upgraded.update(ids[9]!);
    await upgraded.flushed();
    expect(await savedJudge()).toBe('1.0.0');

    const again = indexOf('1.1.0');
    await again.refresh({ thorough: true });
    expect(again.judgements).toBe(ids.length);
    await again.flushed();
    expect(await savedJudge()).toBe('1.1.0');
  });

  it('a ceremony the earlier judge listed and this one cannot load is no longer listed, and the next start judges nothing again', async () => {
    await savedByEarlierJudge(ids[1]!);
    const unloadable = ids[6]!;
    renameSync(join(storeDir, ceremonyFolder(unloadable), 'events'), join(storeDir, ceremonyFolder(unloadable), 'events-moved'));
    const upgraded = indexOf('1.1.0');
    expect(await upgraded.refresh({ thorough: true })).toEqual(expect.arrayContaining([ids[1], unloadable]));
    expect(upgraded.record(unloadable)).toBeUndefined();
    expect(upgraded.records()).toHaveLength(ids.length - 1);
    await upgraded.flushed();
    // Had the earlier judge's summary stayed, the cache would name it still, and every start would judge everything.
    expect(await savedJudge()).toBe('1.1.0');
  });

  it('caches written before the judge was noted are judged again once', async () => {
    // No version noted: as every cache written before this one.
    const unnoted = new CeremonyIndex(localCeremonyService({ dataDir: home.dir, storeDir }), cachePath(), undefined, { judgedBy: '1.1.0' });
    await unnoted.refresh();
    await unnoted.flushed();
    const reader = (await SummaryCacheReader.open(cachePath(), storeDir))!;
    const entries = [...reader.readHead(ids.length), ...(await reader.read(ids.length))];
    expect(entries).toHaveLength(ids.length);
    await writeFileAtomically(cachePath(), summaryCacheLines(storeDir, entries));
    expect(await savedJudge()).toBeUndefined();

    const upgraded = indexOf('1.1.0');
    expect(await upgraded.refresh({ thorough: true })).toEqual([]);
    expect(upgraded.judgements).toBe(ids.length);
  });
});
