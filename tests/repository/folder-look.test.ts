/**
 * The look at every folder of the store (folder-scan.ts) can be stopped: a
 * sync that has pushed what Conclave wrote does not wait for the rest of it.
 * What a stopped look read is kept, the next look starts where it stopped,
 * and every folder gets its turn: a file another program copied in is found
 * by the first look that reaches its folder, wherever it is.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanFolders } from '../../electron/core/repository/folder-scan';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';
import { generateCeremonies } from '../support/generate-ceremonies';

let root: string;
let ids: string[];
let spare: { dir: string; id: string; name: string };
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'conclave-look-'));
  mkdirSync(join(root, '.git'));
  // Past one turn of the look (1,000 ceremonies), so a look asked to stop stops before the end.
  ids = (await generateCeremonies(root, 2500)).ids.sort();
  const dir = mkdtempSync(join(tmpdir(), 'conclave-look-spare-'));
  const [id] = (await generateCeremonies(dir, 1)).ids;
  spare = { dir, id: id!, name: readdirSync(join(dir, ceremonyFolder(id!), 'events')).find((name) => name.includes('-opened-'))! };
  // Folders modified within two seconds before a look are read again by the next (racy): let the generated ones settle.
  await settle();
}, 120_000);
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(spare.dir, { recursive: true, force: true });
});

const trusted = async () => true;
const settle = () => new Promise((resolve) => setTimeout(resolve, 2100));
const resumeFile = () => join(root, '.git', 'conclave-folders.next');
/** An event file put into an existing ceremony's events folder by another program. */
function copyInto(id: string, name: string): string {
  copyFileSync(join(spare.dir, ceremonyFolder(spare.id), 'events', spare.name), join(root, ceremonyFolder(id), 'events', name));
  return `${ceremonyFolder(id)}/events/${name}`;
}

describe('the look at every folder', () => {
  it('stopped, keeps what it read, starts the next look where it stopped, and every folder gets its turn', async () => {
    // A first, whole look: every folder is new to it.
    const whole = await scanFolders(root, trusted);
    expect(whole.complete).toBe(true);
    expect(whole.changed).toHaveLength(2500);
    await whole.save('head-1', []);
    expect(existsSync(resumeFile())).toBe(false);

    // Files copied in at the start and near the end of the store (by id), where no look has been since.
    const early = copyInto(ids[10]!, '29990101T000000000Z-opened-00000000000000a1.json');
    const late = copyInto(ids[2400]!, '29990101T000000000Z-opened-00000000000000a2.json');
    await settle();

    const stopped = await scanFolders(root, trusted, { stop: () => true });
    expect(stopped.complete).toBe(false);
    expect(stopped.files).toContain(early);
    expect(stopped.files).not.toContain(late);
    await stopped.save('head-2', []);
    const resumeAt = readFileSync(resumeFile(), 'utf8').trim();
    expect(ids.indexOf(resumeAt)).toBeGreaterThan(10);
    expect(ids.indexOf(resumeAt)).toBeLessThan(2400);

    // The next looks start there, a turn each, and come round to the late file; the early one, read once, is not read again.
    const looks: string[][] = [];
    for (let look = 0; look < 2; look++) {
      const next = await scanFolders(root, trusted, { stop: () => true });
      expect(next.complete).toBe(false);
      looks.push(next.files);
      await next.save(`head-${3 + look}`, []);
    }
    // A folder that changed is read whole (the caller leaves out what main has): only the late file is new.
    expect(looks[0]).toEqual([]);
    expect(looks[1]).toContain(late);
    expect(looks[1]!.every((path) => path.startsWith(`${ceremonyFolder(ids[2400]!)}/events/`))).toBe(true);

    // Looks that are never stopped wrap round, read nothing already seen, and end the resumption.
    const rest = await scanFolders(root, trusted);
    expect(rest.complete).toBe(true);
    expect(rest.changed).toEqual([]);
    await rest.save('head-5', []);
    expect(existsSync(resumeFile())).toBe(false);
  });

  it('a folder left out (a file that could not be committed) is read again by the next look, stopped or not', async () => {
    const broken = copyInto(ids[5]!, '29990101T000000000Z-opened-00000000000000b1.json');
    await settle();
    const first = await scanFolders(root, trusted, { stop: () => true });
    expect(first.files).toContain(broken);
    await first.save('head-6', [broken]);
    const again = await scanFolders(root, trusted);
    expect(again.files).toContain(broken);
  });

  it('a record main has since lost files against is not believed: every folder the look reaches is read', async () => {
    const untrusted = await scanFolders(root, async () => false, { stop: () => true });
    expect(untrusted.complete).toBe(false);
    // A whole turn of the look, each ceremony's events folder read though the record says it is unchanged.
    expect(untrusted.changed.length).toBeGreaterThan(900);
    expect(untrusted.changed.every((path) => path.endsWith('/events'))).toBe(true);
  });
});
