/**
 * The summary cache (index-cache.ts, issue 15) at the size of a large store:
 * written a line at a time and read back a chunk at a time, it must give
 * every ceremony exactly once, in order, whatever a chunk's edge cuts (a
 * line, a character of several bytes), and a line that does not parse is
 * left out alone (the index judges that ceremony again).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../../electron/core/atomic-file';
import { SummaryCacheReader, summaryCacheLines, type CachedCeremony } from '../../electron/core/ceremony/index-cache';

const storeRoot = '/stores/team';

function ceremony(index: number): [string, CachedCeremony] {
  const id = `c-20261205-${index.toString(36).padStart(10, '0')}`;
  // Names of several bytes per character, of varying length: chunk edges fall inside them somewhere.
  const name = `café-Ünïcødé-${'→'.repeat(index % 7)}-${index}`;
  return [
    id,
    {
      files: [`20261205T000000000Z-opened-${index.toString(16).padStart(16, '0')}.json`],
      stamp: `stamp-${index}`,
      record: {
        version: `v-${index}`,
        pendingKeyIds: [],
        summary: {
          id,
          state: 'open',
          release: { name, version: `1.0.${index}`, purl: `pkg:generic/${encodeURIComponent(name)}@1.0.${index}` },
          openedAt: '2026-12-05T00:00:00.000Z',
          expiresAt: '2026-12-12T00:00:00.000Z',
          openedBy: 'carol',
          policy: { digest: 'a'.repeat(64), description: 'Release team — 2 of 3', threshold: 2 },
          approvedBy: [],
          rejectedBy: [],
          tally: '0 of 2',
          counted: 0,
          artifacts: [{ name: `${name}.tar.gz`, sha256: 'b'.repeat(64) }],
          problemCount: 0,
          actions: ['approve', 'reject'],
          policyTrusted: true,
        },
      },
    },
  ];
}

describe('the summary cache of a large store', () => {
  let dir: string;
  let path: string;
  const entries = Array.from({ length: 6000 }, (_, index) => ceremony(index));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'conclave-index-cache-'));
    path = join(dir, 'ceremony-summaries.json');
    await writeFileAtomically(path, summaryCacheLines(storeRoot, entries));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is written line by line as one file, several megabytes, the header first', () => {
    const text = readFileSync(path, 'utf8');
    expect(text.length).toBeGreaterThan(3 * 1024 * 1024);
    const lines = text.split('\n');
    expect(JSON.parse(lines[0]!)).toEqual({ format: 'conclave-summary-cache', version: 2, storeRoot, count: 6000 });
    expect(lines).toHaveLength(6002); // the header, 6,000 ceremonies, and the empty string after the last line end
    expect(JSON.parse(lines[6000]!).id).toBe(entries[5999]![0]);
  });

  it('reads back every ceremony once, in order and unchanged, past the head and across every chunk', async () => {
    const reader = (await SummaryCacheReader.open(path, storeRoot))!;
    expect(reader.total).toBe(6000);
    const read: [string, CachedCeremony][] = [...reader.readHead(100)];
    while (!reader.finished) read.push(...(await reader.read(500)));
    expect(read.map(([id]) => id)).toEqual(entries.map(([id]) => id));
    expect(read[4321]![1].record.summary.release.name).toBe(entries[4321]![1].record.summary.release.name);
    expect(read[5999]).toEqual(entries[5999]);
    expect(reader.done).toBe(6000);
  });

  it('leaves out a line that does not parse, and only that one', async () => {
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[3000] = '{"id": "c-20261205-broken", "files": ';
    const damaged = join(dir, 'damaged.json');
    writeFileSync(damaged, lines.join('\n'));
    const reader = (await SummaryCacheReader.open(damaged, storeRoot))!;
    const read: [string, CachedCeremony][] = [...reader.readHead(100)];
    while (!reader.finished) read.push(...(await reader.read(700)));
    expect(read).toHaveLength(5999);
    expect(read.map(([id]) => id)).not.toContain(entries[2999]![0]);
    expect(reader.done).toBe(6000);
  });

  it('is not this store\'s when it names another one', async () => {
    expect(await SummaryCacheReader.open(path, '/stores/other')).toBeUndefined();
  });
});
