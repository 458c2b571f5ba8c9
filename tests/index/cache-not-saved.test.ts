/**
 * The summary index's cache cannot be written (its path is a folder, a file
 * stands where its folder should be, the disk is full): the core still
 * answers every list, and the Ceremonies page says why each start is slow and
 * what to do, where it had rebuilt the index at every start without a word.
 * No part-written file is left behind by a write that failed halfway.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatchCall } from '../../electron/core/api/dispatch';
import { writeFileAtomically } from '../../electron/core/atomic-file';
import { cacheNotSavedMessage } from '../../electron/core/ceremony/cache-not-saved';
import { CeremonyIndex } from '../../electron/core/ceremony/ceremony-index';
import { localCeremonyService } from '../../electron/core/ceremony/local-service';
import { createCore } from '../../electron/core/create-core';
import type { CallOutput, EventPayload } from '../../shared/api/contract';
import type { Core } from '../../electron/core';
import type { Result } from '../../shared/api/result';
import { generateCeremonies } from '../support/generate-ceremonies';
import { makeDataDir } from '../support/softhsm';

/** The Ceremonies page once the core's first build of its index is complete. */
async function pageWhenIndexed(core: Core): Promise<CallOutput<'ceremonies.page'>> {
  const indexed = new Promise<void>((resolve) => {
    const stop = core.subscribe((name, payload) => {
      if (name !== 'ceremonies.indexed' || !(payload as EventPayload<'ceremonies.indexed'>).complete) return;
      stop();
      resolve();
    });
  });
  const call = async () => {
    const page = (await dispatchCall(core.handlers, 'ceremonies.page', { tab: 'all', limit: 50 })) as Result<CallOutput<'ceremonies.page'>>;
    if (!page.ok) throw new Error(page.error.message);
    return page.value;
  };
  await call();
  await indexed;
  return call();
}

const homes: ReturnType<typeof makeDataDir>[] = [];
afterEach(() => homes.splice(0).forEach((home) => home.cleanup()));

function storeWith(count: number) {
  const home = makeDataDir();
  homes.push(home);
  const storeDir = join(home.dir, 'store');
  mkdirSync(storeDir, { recursive: true });
  return { home, storeDir, cachePath: join(home.dir, 'cache', 'ceremony-summaries.json'), generated: generateCeremonies(storeDir, count) };
}

describe('an index whose cache cannot be written', () => {
  it('says so from its start when the cache path is a folder, judges every ceremony still, and stops saying so once a write succeeds', async () => {
    const { storeDir, home, cachePath, generated } = storeWith(6);
    await generated;
    mkdirSync(join(cachePath, 'put-here-by-hand'), { recursive: true });
    const index = new CeremonyIndex(localCeremonyService({ dataDir: home.dir, storeDir }), cachePath, undefined, { dataDir: home.dir, threads: {} });

    await index.cached();
    expect(index.notSavedBecause()).toBe(
      `Conclave could not save the ceremonies it has checked, so each start checks every ceremony again (slow on a large store): ${cachePath} is a folder. Move that folder out of the way; Conclave keeps a file there.`,
    );
    await index.refresh();
    expect(index.records()).toHaveLength(6);
    await index.flushed();
    expect(index.notSavedBecause()).toContain('is a folder');
    // The folder is as it was, and the write left no temporary file beside it.
    expect(readdirSync(cachePath)).toEqual(['put-here-by-hand']);
    expect(readdirSync(join(home.dir, 'cache')).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    rmSync(cachePath, { recursive: true });
    await generateCeremonies(storeDir, 1);
    await index.refresh();
    await index.flushed();
    expect(index.notSavedBecause()).toBeUndefined();
    expect(readFileSync(cachePath, 'utf8').split('\n')[0]).toContain('"count":7');
  });

  it('says so when a file stands where the cache folder should be', async () => {
    const { storeDir, home, generated } = storeWith(2);
    await generated;
    writeFileSync(join(home.dir, 'cache'), 'notes\n');
    const index = new CeremonyIndex(localCeremonyService({ dataDir: home.dir, storeDir }), join(home.dir, 'cache', 'ceremony-summaries.json'), undefined, { dataDir: home.dir, threads: {} });
    await index.cached();
    expect(index.notSavedBecause()).toContain(`a file is in the way of the folder ${join(home.dir, 'cache')}. Move that file out of the way.`);
    await index.refresh();
    await index.flushed();
    expect(index.records()).toHaveLength(2);
    expect(readFileSync(join(home.dir, 'cache'), 'utf8')).toBe('notes\n');
  });

  it('is told to the window on the Ceremonies page, which still lists every ceremony', async () => {
    const { home, cachePath, generated } = storeWith(3);
    await generated;
    mkdirSync(cachePath, { recursive: true });
    const core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [] });
    try {
      const page = await pageWhenIndexed(core);
      expect(page.total).toBe(3);
      expect(page.indexNotSaved).toContain(`${cachePath} is a folder`);
      expect(page.indexNotSaved).toContain('each start checks every ceremony again');
    } finally {
      await core.dispose();
    }
  });

  it('is quiet over a cache it can write', async () => {
    const { home, generated } = storeWith(2);
    await generated;
    const core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [] });
    try {
      const page = await pageWhenIndexed(core);
      expect(page.total).toBe(2);
      expect(page.indexNotSaved).toBeUndefined();
    } finally {
      await core.dispose();
    }
  });
});

describe('a reason for each way a write fails', () => {
  it('says what to do for a full disk, a folder this account may not write, and a read-only disk', () => {
    const failure = (code: string) => Object.assign(new Error(code), { code });
    expect(cacheNotSavedMessage('/data/cache/c.json', failure('ENOSPC'))).toMatch(/: the disk holding \/data\/cache is full\. Free some space\.$/);
    expect(cacheNotSavedMessage('/data/cache/c.json', failure('EACCES'))).toMatch(/: this account may not write to \/data\/cache\. Give it the right to/);
    expect(cacheNotSavedMessage('/data/cache/c.json', failure('EROFS'))).toMatch(/: \/data\/cache is on a read-only disk\.$/);
    expect(cacheNotSavedMessage('/data/cache/c.json', failure('EIO'))).toMatch(/ to \/data\/cache\/c\.json: EIO\.$/);
  });
});

describe('a file written atomically', () => {
  it('leaves the old file and no part-written one when its content fails halfway', async () => {
    const home = makeDataDir();
    homes.push(home);
    const path = join(home.dir, 'cache', 'summaries.json');
    await writeFileAtomically(path, 'old\n');
    function* failingHalfway(): Generator<string> {
      yield 'x'.repeat(2 * 1024 * 1024);
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    }
    await expect(writeFileAtomically(path, failingHalfway())).rejects.toThrow('no space left on device');
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    expect(readdirSync(join(home.dir, 'cache'))).toEqual(['summaries.json']);
  });
});
