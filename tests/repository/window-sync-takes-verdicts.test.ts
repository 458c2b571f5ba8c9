/**
 * A sync in the window judges what it brings once (issue 15). Its check of
 * the arrivals reads and judges each ceremony as the summary index does, and
 * the window's index takes those verdicts. Before, a person joining the team
 * from the window had every ceremony judged twice: by that check, and by the
 * index, as the store watcher saw the files land and again after the sync.
 * The verdicts are the judge's: an approval an outsider with push access
 * broke counts nowhere, exactly as in an index built from nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCore } from '../../electron/core/create-core';
import type { Core } from '../../electron/core';
import { dispatchCall } from '../../electron/core/api/dispatch';
import { CeremonyIndex } from '../../electron/core/ceremony/ceremony-index';
import { summaryCachePath } from '../../electron/core/ceremony/index-cache';
import { judgeForIndex } from '../../electron/core/ceremony/index-judging';
import { localCeremonyService } from '../../electron/core/ceremony/local-service';
import type { CallName, SyncSummary } from '../../shared/api/contract';
import { makeDataDir } from '../support/softhsm';
import { teamRemote } from '../support/team-remote';

// Every judgement the summary index makes goes through judgeForIndex; the sync's check of its arrivals does not.
vi.mock('../../electron/core/ceremony/index-judging', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../electron/core/ceremony/index-judging')>();
  return { ...actual, judgeForIndex: vi.fn(actual.judgeForIndex) };
});
const indexJudgements = vi.mocked(judgeForIndex);

/** Fewer than the sync checks on threads (64): here, in this process, where the index's judgements are counted. */
const teamSize = 40;

let home: ReturnType<typeof makeDataDir>;
let env: NodeJS.ProcessEnv;
let storeDir: string;

beforeEach(() => {
  home = makeDataDir();
  const gitConfig = join(home.dir, 'gitconfig');
  writeFileSync(gitConfig, '');
  const { CONCLAVE_STORE: _store, ...inherited } = process.env;
  env = { ...inherited, HOME: home.dir, GIT_CONFIG_GLOBAL: gitConfig, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'joiner', GIT_AUTHOR_EMAIL: 'joiner@example.org', GIT_COMMITTER_NAME: 'joiner', GIT_COMMITTER_EMAIL: 'joiner@example.org' };
  storeDir = join(home.dir, 'store');
});
afterEach(() => home.cleanup());

async function call<T>(core: Core, name: CallName, input: unknown): Promise<T> {
  const result = await dispatchCall(core.handlers, name, input);
  if (!result.ok) throw new Error(result.error.message);
  return result.value as T;
}

/** Each ceremony's summary record, by id. */
function recordsById(index: CeremonyIndex): Record<string, unknown> {
  return Object.fromEntries(index.records().map((record) => [record.summary.id, record]));
}

describe('a sync in the window', () => {
  it('brings a team’s ceremonies judged once: the index takes the sync’s verdicts, and no start judges them again', async () => {
    const team = await teamRemote(home.dir, env, teamSize);
    const core = createCore({ dataDir: home.dir, storeDir, env, shell: 'browser', version: 'test', modules: [] });
    try {
      // The first index, of the empty store, is built before anything arrives.
      await call(core, 'ceremonies.page', { tab: 'all', limit: 1 });
      indexJudgements.mockClear();
      // Setting the remote syncs at once; this sync waits for that one, then runs (with nothing more to bring).
      await call(core, 'repository.setRemote', { url: team.remote });
      expect(await call<SyncSummary>(core, 'repository.sync', {})).toMatchObject({ outcome: 'synced' });
      // Listed at once, from the sync's verdicts, with none judged again by the index.
      const page = await call<{ total: number; complete: boolean }>(core, 'ceremonies.page', { tab: 'all', limit: 50 });
      expect(page).toMatchObject({ total: teamSize, complete: true });
      expect(indexJudgements).not.toHaveBeenCalled();
    } finally {
      await core.dispose();
    }
    // What the store watcher saw during the sync was looked at after it (or the close cut it short): nothing judged.
    expect(indexJudgements).not.toHaveBeenCalled();

    // The next start stamps every file against the verdicts saved: all match, none is judged again.
    const nextStart = new CeremonyIndex(localCeremonyService({ dataDir: home.dir, storeDir }), summaryCachePath(home.dir));
    expect(await nextStart.refresh({ thorough: true })).toEqual([]);
    expect(indexJudgements).not.toHaveBeenCalled();

    // The verdicts are those of an index built from nothing: the broken approval counts in neither.
    const fromNothing = new CeremonyIndex(localCeremonyService({ dataDir: join(home.dir, 'elsewhere'), storeDir }), summaryCachePath(join(home.dir, 'elsewhere')));
    await fromNothing.refresh();
    expect(indexJudgements).toHaveBeenCalledTimes(teamSize);
    expect(recordsById(nextStart)).toEqual(recordsById(fromNothing));
    const tampered = nextStart.record(team.tampered.id)!;
    expect(tampered.summary.approvedBy).not.toContain(team.tampered.approver);
    expect(tampered.summary.problemCount).toBeGreaterThan(0);
  });
});
