/**
 * A person joining the team runs `conclave sync` into an empty store: it
 * brings the whole store and judges every ceremony it brought. It leaves
 * those judgements as the summary index's saved summaries, so the window's
 * first start lists the store at once instead of judging it all again (issue
 * 15). The summaries are the judge's: an approval an outsider with push
 * access tampered with does not count in them, exactly as in an index built
 * from nothing, and a file changed after the sync is judged again.
 *
 * Runs the built command (`npm run build` first): with 70 ceremonies its
 * checks run on the index's threads, as a real first sync's do.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CeremonyIndex } from '../../electron/core/ceremony/ceremony-index';
import { SummaryCacheReader, summaryCachePath } from '../../electron/core/ceremony/index-cache';
import { localCeremonyService } from '../../electron/core/ceremony/local-service';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';
import { generateCeremonies } from '../support/generate-ceremonies';
import { breakAnApproval, teamRemote } from '../support/team-remote';
import { builtCommandWithGit, ends } from './support';

const t = builtCommandWithGit();
/** More than the sync checks on its own thread (arrival-threads.ts checks 64 and more on threads). */
const teamSize = 70;

/** The summary index of `storeDir` over a data folder, judged on this thread; `judgements` counts what it judged. */
function indexOf(dataDir: string, storeDir: string): CeremonyIndex {
  return new CeremonyIndex(localCeremonyService({ dataDir, storeDir }), summaryCachePath(dataDir));
}

/** Each ceremony's summary record, by id. */
function recordsById(index: CeremonyIndex): Record<string, unknown> {
  return Object.fromEntries(index.records().map((record) => [record.summary.id, record]));
}

async function savedSummaries(dataDir: string, storeDir: string): Promise<{ total: number; partial: boolean } | undefined> {
  const reader = await SummaryCacheReader.open(summaryCachePath(dataDir), storeDir);
  return reader && { total: reader.total, partial: reader.partial };
}

describe('conclave sync leaves what it judged for the next start', () => {
  it("a first sync into an empty store leaves every ceremony's summary as the judge decided it; the first start judges none again", async () => {
    const team = await teamRemote(t.home.dir, t.env, teamSize);
    const joined = join(t.home.dir, 'store');
    await ends(t.env, ['remote', 'add', team.remote, '--store', joined], 0);
    const synced = await ends(t.env, ['sync', '--store', joined], 0);
    // The person is told, as before: the sync names the file that does not count.
    expect(synced.out).toContain(`(ceremony ${team.tampered.id}: does NOT count)`);

    // Saved complete: the sync brought every ceremony of the store.
    expect(await savedSummaries(t.home.dir, joined)).toEqual({ total: teamSize, partial: false });

    const firstStart = indexOf(t.home.dir, joined);
    // A start's first refresh stamps every file (thorough): each ceremony's files are exactly those the sync judged.
    expect(await firstStart.refresh({ thorough: true })).toEqual([]);
    expect(firstStart.judgements).toBe(0);

    // The same summaries an index built from nothing has, on another data folder of the same machine's trust (none).
    const fromNothing = indexOf(join(t.home.dir, 'elsewhere'), joined);
    await fromNothing.refresh();
    expect(fromNothing.judgements).toBe(teamSize);
    expect(recordsById(firstStart)).toEqual(recordsById(fromNothing));

    // The approval with the broken signature counts in neither: the summaries are the judge's, not the files' say-so.
    const tampered = firstStart.record(team.tampered.id)!;
    expect(tampered.summary.approvedBy).not.toContain(team.tampered.approver);
    expect(tampered.summary.problemCount).toBeGreaterThan(0);

    // A file rewritten in place after the sync (a restored backup, someone's edit): that ceremony alone is judged again.
    const other = team.history.ids.find((id) => id !== team.tampered.id && readdirSync(join(joined, ceremonyFolder(id), 'events')).some((name) => name.includes('-approved-')))!;
    breakAnApproval(joined, { ...team.history, ids: [other] });
    const secondStart = indexOf(t.home.dir, joined);
    expect(await secondStart.refresh({ thorough: true })).toEqual([other]);
    expect(secondStart.judgements).toBe(1);
    expect(secondStart.record(other)!.summary.problemCount).toBeGreaterThan(0);
  });

  it('over saved summaries a sync leaves them as they are: the next start judges what it brought', async () => {
    const team = await teamRemote(t.home.dir, t.env, teamSize);
    const joined = join(t.home.dir, 'store');
    await ends(t.env, ['remote', 'add', team.remote, '--store', joined], 0);
    await ends(t.env, ['sync', '--store', joined], 0);
    const saved = summaryCachePath(t.home.dir);
    const before = { bytes: readFileSync(saved), changed: statSync(saved).mtimeMs };

    const added = await team.grow(3);
    await ends(t.env, ['sync', '--store', joined], 0);
    expect(readFileSync(saved)).toEqual(before.bytes);
    expect(statSync(saved).mtimeMs).toBe(before.changed);

    const nextStart = indexOf(t.home.dir, joined);
    expect((await nextStart.refresh({ thorough: true })).sort()).toEqual([...added].sort());
    expect(nextStart.judgements).toBe(3);
  });

  it("with ceremonies of this store's own and no saved summaries, what the sync leaves says it is partial: the next start judges only the rest", async () => {
    const team = await teamRemote(t.home.dir, t.env, teamSize);
    const joined = join(t.home.dir, 'store');
    const own = await generateCeremonies(joined, 4);
    await ends(t.env, ['remote', 'add', team.remote, '--store', joined], 0);
    await ends(t.env, ['sync', '--store', joined], 0);
    expect(await savedSummaries(t.home.dir, joined)).toEqual({ total: teamSize, partial: true });

    const nextStart = indexOf(t.home.dir, joined);
    expect((await nextStart.refresh({ thorough: true })).sort()).toEqual([...own.ids].sort());
    expect(nextStart.judgements).toBe(own.ids.length);
    expect(nextStart.records()).toHaveLength(teamSize + own.ids.length);
  });
});
