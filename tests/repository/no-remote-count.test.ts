/**
 * With no remote set, every event file of the store is still to be shared,
 * and the repository's status says how many. The command line lists every
 * events folder to count them; the window counts them from its index, which
 * already holds each ceremony's files (listing 10,000 events folders beside a
 * first index build cost 2 s of CPU on two cores). Both counts are the same.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/create-core';
import type { Core } from '../../electron/core';
import { dispatchCall } from '../../electron/core/api/dispatch';
import { createRepositoryHandlers } from '../../electron/core/repository/repository-handlers';
import type { RepositoryStatus } from '../../shared/api/contract';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';
import { generateCeremonies } from '../support/generate-ceremonies';
import { makeDataDir } from '../support/softhsm';

let home: ReturnType<typeof makeDataDir>;
let storeDir: string;
let eventFiles: number;
const { CONCLAVE_STORE: _store, ...inherited } = process.env;
const env: NodeJS.ProcessEnv = { ...inherited, GIT_CONFIG_NOSYSTEM: '1' };

beforeEach(async () => {
  home = makeDataDir();
  storeDir = join(home.dir, 'store');
  const { ids } = await generateCeremonies(storeDir, 30);
  // Not an event file of the store's naming: neither count takes it.
  writeFileSync(join(storeDir, ceremonyFolder(ids[0]!), 'events', 'notes.json'), '{}');
  eventFiles = readdirSync(join(storeDir, 'ceremonies'), { recursive: true, encoding: 'utf8' }).filter((path) => /\/events\/[^/]+-[0-9a-f]{16}\.json$/.test(path)).length;
});
afterEach(() => home.cleanup());

function handlers(localEventCount?: () => Promise<number>) {
  return createRepositoryHandlers({ storeDir, dataDir: home.dir, env, emit: () => undefined, refreshIndex: async () => undefined, ...(localEventCount ? { localEventCount } : {}) });
}

describe('the status of a store with no remote', () => {
  it('lists the events folders when nothing else knows them (the command line)', async () => {
    const repository = handlers();
    try {
      expect(await repository.handlers['repository.status']({})).toMatchObject({ state: 'no-remote', ahead: eventFiles });
    } finally {
      await repository.dispose();
    }
  });

  it('takes the count the window knows instead of listing the store', async () => {
    // A count no listing of this store could give: it can only have come from the window's index.
    const repository = handlers(async () => 4242);
    try {
      expect(await repository.handlers['repository.status']({})).toMatchObject({ state: 'no-remote', ahead: 4242 });
    } finally {
      await repository.dispose();
    }
  });

  it('counts from the window’s index what a listing of the store counts, over a first build', async () => {
    const core: Core = createCore({ dataDir: home.dir, storeDir, env, shell: 'browser', version: 'test', modules: [] });
    try {
      const result = await dispatchCall(core.handlers, 'repository.status', {});
      expect(result.ok).toBe(true);
      expect((result as { value: RepositoryStatus }).value).toMatchObject({ state: 'no-remote', ahead: eventFiles });
    } finally {
      await core.dispose();
    }
  });
});
