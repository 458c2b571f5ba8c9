/**
 * The dated folders (shared/ceremony/store-layout.ts): one place per
 * ceremony, decided by its id; what counts as a move from the older layout
 * (layout.ts), in one rule that the sync and the audit both use; and the
 * store's own move of an older store (store-layout-migration.ts), which
 * loses nothing when the two layouts meet.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditStore } from '../../electron/core/audit/audit';
import { CeremonyService, readOnlySigner } from '../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { GitRunner } from '../../electron/core/repository/git';
import { moveLegacyCeremonies } from '../../electron/core/ceremony/store-layout-migration';
import { classifyPath, layoutMoves } from '../../electron/core/repository/layout';
import { ceremonyFolder, legacyCeremonyFolder } from '../../shared/ceremony/store-layout';

const id = 'c-20261205-abcdefghij';
const event = '20261205T101112000Z-approved-00112233445566ff.json';
const evidence = `${'ab'.repeat(32)}.json`;
const dated = `ceremonies/2026/12/05/${id}`;
const legacy = `ceremonies/${id}`;

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const tempStore = () => {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-layout-'));
  dirs.push(dir);
  return dir;
};
const put = (root: string, path: string, text: string) => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
};

describe('where a ceremony lives', () => {
  it('in the folder of the day its id carries, whichever machine writes it', () => {
    expect(ceremonyFolder(id)).toBe(dated);
    expect(legacyCeremonyFolder(id)).toBe(legacy);
    expect(() => ceremonyFolder('c-2026-12-05-x')).toThrow(/not a ceremony id/);
  });

  it('recognises event and evidence files at their dated path, and the older layout as legacy; nothing else', () => {
    expect(classifyPath(`${dated}/events/${event}`)).toEqual({ kind: 'event', ceremonyId: id, name: event, type: 'approved' });
    expect(classifyPath(`${dated}/evidence/${evidence}`)).toEqual({ kind: 'evidence', ceremonyId: id, digest: 'ab'.repeat(32) });
    expect(classifyPath(`${legacy}/events/${event}`)).toEqual({ kind: 'event', ceremonyId: id, name: event, type: 'approved', legacy: true });
    // Another day's folder, a folder too deep or too shallow, a folder that is not a date: not a store file.
    for (const path of [`ceremonies/2026/12/06/${id}/events/${event}`, `ceremonies/2026/12/${id}/events/${event}`, `ceremonies/2026/12/05/x/${id}/events/${event}`, `ceremonies/2026/12/05/${id}/notes/${event}`, `ceremonies/2026/12/05/${id}/events/../${event}`]) {
      expect(classifyPath(path), path).toBeUndefined();
    }
  });
});

describe('what counts as a move to the dated folders', () => {
  const zeros = '0'.repeat(40);
  const blob = 'a'.repeat(40);
  const other = 'b'.repeat(40);
  const removed = (path: string, was = blob) => ({ status: 'D', mode: '000000', blob: zeros, oldBlob: was, path });
  const added = (path: string, is = blob, mode = '100644') => ({ status: 'A', mode, blob: is, oldBlob: zeros, path });

  it('a legacy file removed while the same bytes are added at its dated path', () => {
    expect([...layoutMoves([removed(`${legacy}/events/${event}`), added(`${dated}/events/${event}`)])]).toEqual([`${legacy}/events/${event}`]);
  });

  it('not: other bytes, another path, another day, a link, a dated file removed, or a removal alone', () => {
    const cases = [
      [removed(`${legacy}/events/${event}`), added(`${dated}/events/${event}`, other)],
      [removed(`${legacy}/events/${event}`), added(`${dated}/events/20261205T101112000Z-approved-00000000000000ff.json`)],
      [removed(`${legacy}/events/${event}`), added(`ceremonies/2026/12/06/${id}/events/${event}`)],
      [removed(`${legacy}/events/${event}`), added(`${dated}/events/${event}`, blob, '120000')],
      [removed(`${dated}/events/${event}`), added(`${legacy}/events/${event}`)],
      [removed(`${legacy}/events/${event}`)],
    ];
    for (const changes of cases) expect(layoutMoves(changes).size, JSON.stringify(changes)).toBe(0);
  });
});

describe('the move of an older store', () => {
  it('renames each ceremony folder whole, and the store then reads it where it is now', async () => {
    const root = tempStore();
    put(root, `${legacy}/events/${event}`, 'one');
    put(root, `${legacy}/evidence/${evidence}`, 'two');
    put(root, `${legacy}/events/.0123456789ab.tmp`, 'half written');
    expect(await new CeremonyStore(root).listCeremonies()).toEqual([id]);
    expect(existsSync(join(root, legacy))).toBe(false);
    expect(readdirSync(join(root, dated, 'events')).sort()).toEqual(['.0123456789ab.tmp', event]);
    expect(readFileSync(join(root, dated, 'evidence', evidence), 'utf8')).toBe('two');
    expect(await new CeremonyStore(root).eventFileNames(id)).toEqual([event]);
  });

  it('where the dated folder exists already: files it lacks are moved, the same file once, other bytes under the same name kept and reported', async () => {
    const root = tempStore();
    const second = '20261205T111112000Z-approved-00112233445566aa.json';
    const third = '20261205T121112000Z-published-00112233445566bb.json';
    put(root, `${legacy}/events/${event}`, 'same');
    put(root, `${legacy}/events/${second}`, 'mine');
    put(root, `${legacy}/events/${third}`, 'only here');
    put(root, `${dated}/events/${event}`, 'same');
    put(root, `${dated}/events/${second}`, 'theirs');
    const moved = await moveLegacyCeremonies(root);
    expect(moved).toEqual({ moved: [], clashes: [`${legacy}/events/${second}`] });
    expect(readdirSync(join(root, dated, 'events')).sort()).toEqual([event, second, third]);
    expect(readFileSync(join(root, dated, 'events', second), 'utf8')).toBe('theirs');
    // Nothing lost: the other bytes stay in the older folder for a person (and the audit) to look at.
    expect(readdirSync(join(root, legacy, 'events'))).toEqual([second]);
    expect(readFileSync(join(root, legacy, 'events', second), 'utf8')).toBe('mine');
    // The audit names it.
    const report = await auditStore(new CeremonyService(new CeremonyStore(root), readOnlySigner), new GitRunner(process.env, false));
    expect(report.findings).toContainEqual(expect.objectContaining({ code: 'store-layout-clash', ceremonyId: id, file: `${legacy}/events/${second}` }));
    expect(report.findings.filter((finding) => finding.code === 'store-layout-clash')).toHaveLength(1);
  });

  it('two processes moving at once leave every file once, in its dated folder', async () => {
    const root = tempStore();
    const base32 = 'abcdefghijklmnopqrstuvwxyz234567';
    // Forty ceremonies over four weeks: each its own id and day folder.
    const ids = Array.from({ length: 40 }, (_, index) => `c-202612${String(1 + (index % 28)).padStart(2, '0')}-abcdefgh${base32[index >> 5]}${base32[index & 31]}`);
    for (const each of ids) put(root, `${legacyCeremonyFolder(each)}/events/${event}`, each);
    const results = await Promise.all([moveLegacyCeremonies(root), moveLegacyCeremonies(root), new CeremonyStore(root).listCeremonies()]);
    expect(results[2]).toEqual([...ids].sort());
    expect(results[0].clashes).toEqual([]);
    expect(results[1].clashes).toEqual([]);
    for (const each of ids) expect(readFileSync(join(root, ceremonyFolder(each), 'events', event), 'utf8')).toBe(each);
    expect(readdirSync(join(root, 'ceremonies')).filter((name) => name.startsWith('c-'))).toEqual([]);
  });
});
