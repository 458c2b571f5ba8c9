/**
 * The look at every folder of the store (folder-scan.ts) can be limited: a
 * sync that sends what Conclave wrote looks at a share of the store. What a
 * limited look read is kept, the next look starts where it stopped, and
 * every folder gets its turn: a file another program copied in is found by
 * the first look that reaches its folder, wherever it is. The record is kept
 * by month, so a look that reaches a few months reads and writes a few files.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanFolders } from '../../electron/core/repository/folder-scan';
import { ceremonyFolder, ceremonySubfolder, dateFoldersOf } from '../../shared/ceremony/store-layout';
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
const record = () => join(root, '.git', 'conclave-folder-times');
const resumeFile = () => join(record(), 'next');
const monthOf = (id: string) => dateFoldersOf(id).slice(0, 7).replace('/', '-');
/** Each month file of the record and its inode: a file written again (atomically, by rename) has a new one. */
const monthFiles = () => new Map(readdirSync(record()).filter((name) => /^\d{4}-\d{2}$/.test(name)).map((name) => [name, statSync(join(record(), name)).ino]));
/** An event file put into an existing ceremony's events folder by another program. */
function copyInto(id: string, name: string): string {
  copyFileSync(join(spare.dir, ceremonyFolder(spare.id), 'events', spare.name), join(root, ceremonyFolder(id), 'events', name));
  return `${ceremonyFolder(id)}/events/${name}`;
}

describe('the look at every folder', () => {
  it('limited, keeps what it read, starts the next look where it stopped, and every folder gets its turn', async () => {
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

    const stopped = await scanFolders(root, trusted, { limit: 1000 });
    expect(stopped.changed).toEqual([`${ceremonyFolder(ids[10]!)}/events`]);
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
      const next = await scanFolders(root, trusted, { limit: 1000 });
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

  it('a folder left out (a file that could not be committed) is read again by the next look, limited or not', async () => {
    const broken = copyInto(ids[5]!, '29990101T000000000Z-opened-00000000000000b1.json');
    await settle();
    const first = await scanFolders(root, trusted, { limit: 1000 });
    expect(first.files).toContain(broken);
    await first.save('head-6', [broken]);
    const again = await scanFolders(root, trusted);
    expect(again.files).toContain(broken);
  });

  it('a look that reads no folder writes no month of the record, one that reads a folder writes its month alone, and each writes the head', async () => {
    await (await scanFolders(root, trusted)).save('head-7', []);
    const before = monthFiles();
    // Two years of ceremonies: a file per month.
    expect(before.size).toBeGreaterThan(20);
    const asked: string[] = [];
    const quiet = await scanFolders(root, async (head) => (asked.push(head), true));
    expect(quiet.changed).toEqual([]);
    await quiet.save('head-8', []);
    expect(asked).toEqual(['head-7']);
    expect(monthFiles()).toEqual(before);
    // The head moves on though no folder changed: the next look checks main from there, not from an older head.
    expect(readFileSync(join(record(), 'head'), 'utf8')).toBe('conclave-folder-times 3\nhead-8\n');

    const copied = copyInto(ids[1200]!, '29990101T000000000Z-opened-00000000000000c1.json');
    await settle();
    const found = await scanFolders(root, trusted);
    expect(found.files).toContain(copied);
    await found.save('head-9', []);
    const rewritten = [...monthFiles()].filter(([month, inode]) => before.get(month) !== inode).map(([month]) => month);
    expect(rewritten).toEqual([monthOf(ids[1200]!)]);
  });

  it('a record of the older form (one file of every folder) is believed for its head, resumed, and replaced by months at the next save', async () => {
    rmSync(record(), { recursive: true, force: true });
    const lines = ['conclave-folders 2', 'head-old'];
    for (const id of ids) {
      for (const kind of ['events', 'evidence'] as const) {
        const path = join(root, ceremonySubfolder(id, kind));
        if (existsSync(path)) lines.push(`${id}/${kind} ${statSync(path, { bigint: true }).mtimeNs}`);
      }
    }
    writeFileSync(join(root, '.git', 'conclave-folders'), `${lines.join('\n')}\n`);
    writeFileSync(join(root, '.git', 'conclave-folders.next'), `${ids[2000]}\n`);
    // Changed since the old record was made, within the share the resumed look reaches.
    const copied = copyInto(ids[2050]!, '29990101T000000000Z-opened-00000000000000d1.json');
    await settle();

    const asked: string[] = [];
    const look = await scanFolders(root, async (head) => (asked.push(head), head === 'head-old'), { limit: 100 });
    expect(asked).toEqual(['head-old']);
    expect(look.changed).toEqual([`${ceremonyFolder(ids[2050]!)}/events`]);
    expect(look.files).toContain(copied);
    await look.save('head-new', []);
    expect(existsSync(join(root, '.git', 'conclave-folders'))).toBe(false);
    expect(existsSync(join(root, '.git', 'conclave-folders.next'))).toBe(false);
    expect(readFileSync(resumeFile(), 'utf8').trim()).toBe(ids[2100]);
    // What the old record held of every other month was kept: a whole look reads no folder.
    expect(monthFiles().size).toBeGreaterThan(20);
    const next = await scanFolders(root, trusted);
    expect(next.changed).toEqual([]);
    await next.save('head-newer', []);
  });

  it('a record main has since lost files against is not believed: every folder the look reaches is read', async () => {
    const untrusted = await scanFolders(root, async () => false, { limit: 1000 });
    expect(untrusted.complete).toBe(false);
    // Each ceremony's events folder of the share is read though the record says it is unchanged.
    expect(untrusted.changed).toHaveLength(1000);
    expect(untrusted.changed.every((path) => path.endsWith('/events'))).toBe(true);
    // Saved, the record holds only what this look saw: the months it did not reach are read whole by the next look.
    await untrusted.save('head-rewritten', []);
    expect(monthFiles().size).toBeLessThan(20);
    const after = await scanFolders(root, trusted);
    expect(after.changed).toHaveLength(ids.length - 1000);
  });
});
