/**
 * The checks of what a sync brings, started while its files are written
 * (issue 15: a first sync of 10,000 ceremonies spent 15 s writing files and
 * then 19 s checking them, one after the other). Whatever was started early,
 * the report is the one a check after the whole sync gives, and a ceremony
 * is judged once when its files all came in one fetch.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { localCeremonyService } from '../../electron/core/ceremony/local-service';
import { ArrivalChecks, checkArrivals } from '../../electron/core/repository/arrivals';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';
import { generateCeremonies } from '../support/generate-ceremonies';
import { makeDataDir } from '../support/softhsm';

let home: ReturnType<typeof makeDataDir>;
let store: string;
let ids: string[];
/** Each ceremony's event files, as store paths. */
const files = (id: string) => readdirSync(join(store, ceremonyFolder(id), 'events')).sort().map((name) => `${ceremonyFolder(id)}/events/${name}`);
const service = () => localCeremonyService({ dataDir: join(home.dir, 'data'), storeDir: store });

beforeAll(async () => {
  home = makeDataDir();
  store = join(home.dir, 'store');
  ids = (await generateCeremonies(store, 6)).ids.sort();
}, 60_000);
afterAll(() => home?.cleanup());

describe('checks of arrivals started as their files are written', () => {
  it('give the report a check after the sync gives, and judge each ceremony once', async () => {
    const paths = ids.flatMap(files);
    // A file an outsider wrote: it names an approval, signed by no key of the policy.
    const forged = paths.find((path) => path.includes('-approved-'))!;
    const envelope = JSON.parse(readFileSync(join(store, forged), 'utf8')) as { signatures: { sig: string }[] };
    envelope.signatures[0]!.sig = Buffer.alloc(64, 7).toString('base64');
    writeFileSync(join(store, forged), JSON.stringify(envelope));

    const after = await checkArrivals(service(), paths);
    expect(after.events).toHaveLength(paths.length);
    expect(after.problems.some((problem) => problem.includes(forged.split('/').at(-1)!))).toBe(true);

    const early = service();
    const loads = vi.spyOn(early, 'load');
    const checks = new ArrivalChecks(early);
    checks.expect(paths, paths);
    // Written a few at a time, as the sync's batches are.
    for (let start = 0; start < paths.length; start += 5) checks.written(paths.slice(start, start + 5));
    await checks.settled();
    expect(loads).toHaveBeenCalledTimes(ids.length);
    expect(await checkArrivals(early, paths, checks)).toEqual(after);
    // The report took every ceremony from the early checks.
    expect(loads).toHaveBeenCalledTimes(ids.length);
  });

  it('checks again a ceremony more of whose files arrived after its early check, and one whose files are not all written', async () => {
    const [first, second] = ids;
    const firstFiles = files(first!);
    const secondFiles = files(second!);
    const early = service();
    const loads = vi.spyOn(early, 'load');
    const checks = new ArrivalChecks(early);
    // The first fetch brought all but the newest file of the first ceremony; a second fetch brings that one.
    checks.expect(firstFiles.slice(0, -1), firstFiles.slice(0, -1));
    checks.written(firstFiles.slice(0, -1));
    // The second ceremony's files are not all written when the report is made (a sync stopped by an error).
    checks.expect(secondFiles, secondFiles);
    checks.written(secondFiles.slice(0, 1));
    await checks.settled();
    expect(loads).toHaveBeenCalledTimes(1);

    const report = await checkArrivals(early, [...firstFiles, ...secondFiles], checks);
    expect(report).toEqual(await checkArrivals(service(), [...firstFiles, ...secondFiles]));
    expect(report.events.map((event) => `${ceremonyFolder(event.ceremonyId)}/events/${event.name}`).sort()).toEqual([...firstFiles, ...secondFiles].sort());
    expect(loads).toHaveBeenCalledTimes(3);
  });
});
