/**
 * The summary cache (index-cache.ts, issue 15) at the size of a large store:
 * written a line at a time and read back a chunk at a time, it must give
 * every ceremony exactly once, in order, whatever a chunk's edge cuts (a
 * line, a block, a character of several bytes), and a block whose bytes
 * changed is left out alone (the index judges its ceremonies again).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { writeFileAtomically } from '../../electron/core/atomic-file';
import { CacheLineSchema, SummaryCacheReader, summaryCacheLines, type CachedCeremony } from '../../electron/core/ceremony/index-cache';

const storeRoot = '/stores/team';
/** The digest of the JSON Schema of a cache line as version 3 writes it. */
const version3Shape = 'eff18d8910ea89197a251479aaf560e4a45aec7bc6a0aa1bfebaf2f6ca90ddd9';

/** The ceremony lines of the block that holds line `at` (between the digest lines around it). */
function blockOf(lines: readonly string[], at: number): string[] {
  let from = at;
  while (from > 1 && !lines[from - 1]!.startsWith('{"block":')) from--;
  let to = at;
  while (to < lines.length && !lines[to]!.startsWith('{"block":')) to++;
  return lines.slice(from, to);
}

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

  /** The file's lines, without the empty string after the last line end. */
  const linesIn = (file: string) => readFileSync(file, 'utf8').split('\n').slice(0, -1);
  const isDigestLine = (line: string) => line.startsWith('{"block":');

  /** Every ceremony the reader hands out, head first, then `count` at a time. */
  async function readAll(file: string, count: number): Promise<[string, CachedCeremony][]> {
    const reader = (await SummaryCacheReader.open(file, storeRoot))!;
    const read: [string, CachedCeremony][] = [...reader.readHead(100)];
    while (!reader.finished) read.push(...(await reader.read(count)));
    return read;
  }

  it('is written line by line as one file, several megabytes, the header first, a digest after each block of lines', () => {
    const lines = linesIn(path);
    expect(lines.join('\n').length).toBeGreaterThan(3 * 1024 * 1024);
    expect(JSON.parse(lines[0]!)).toEqual({ format: 'conclave-summary-cache', version: 3, storeRoot, count: 6000 });
    const ceremonyLines = lines.slice(1).filter((line) => !isDigestLine(line));
    expect(ceremonyLines.map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(entries.map(([id]) => id));
    // Blocks of about 64 kB, the last one closed too: each digest is the SHA-256 of the bytes since the one before.
    const digestAt = lines.flatMap((line, at) => (isDigestLine(line) ? [at] : []));
    expect(digestAt.length).toBeGreaterThan(50);
    expect(digestAt.at(-1)).toBe(lines.length - 1);
    let from = 1;
    for (const at of digestAt) {
      const block = lines.slice(from, at).map((line) => `${line}\n`).join('');
      expect(JSON.parse(lines[at]!)).toEqual({ block: createHash('sha256').update(block).digest('hex') });
      from = at + 1;
    }
  });

  it('reads back every ceremony once, in order and unchanged, past the head and across every chunk, without running the schema', async () => {
    const schemaParse = vi.spyOn(CacheLineSchema, 'parse');
    try {
      const reader = (await SummaryCacheReader.open(path, storeRoot))!;
      expect(reader.total).toBe(6000);
      const read: [string, CachedCeremony][] = [...reader.readHead(100)];
      while (!reader.finished) read.push(...(await reader.read(500)));
      expect(read.map(([id]) => id)).toEqual(entries.map(([id]) => id));
      expect(read[4321]![1].record.summary.release.name).toBe(entries[4321]![1].record.summary.release.name);
      expect(read[5999]).toEqual(entries[5999]);
      expect(reader.done).toBe(6000);
      expect(schemaParse).not.toHaveBeenCalled();
    } finally {
      schemaParse.mockRestore();
    }
  });

  it('leaves out the ceremonies of a block whose bytes changed, though every line still parses, and only those', async () => {
    const lines = linesIn(path);
    const target = entries[2999]![0];
    const at = lines.findIndex((line) => line.includes(`"id":"${target}"`));
    // An edit that keeps the line valid JSON of the right shape: only the digest tells.
    lines[at] = lines[at]!.replace('"tally":"0 of 2"', '"tally":"2 of 2"');
    expect(() => CacheLineSchema.parse(JSON.parse(lines[at]!))).not.toThrow();
    const damaged = join(dir, 'damaged.json');
    writeFileSync(damaged, `${lines.join('\n')}\n`);
    const blockIds = blockOf(lines, at).map((line) => (JSON.parse(line) as { id: string }).id);
    expect(blockIds).toContain(target);
    expect(blockIds.length).toBeLessThan(200);

    const read = await readAll(damaged, 700);
    expect(read.map(([id]) => id)).toEqual(entries.map(([id]) => id).filter((id) => !blockIds.includes(id)));
    expect(read.some(([, cached]) => cached.record.summary.tally === '2 of 2')).toBe(false);
  });

  it('leaves out the lines after the last digest of a file cut short, and reads the rest', async () => {
    const text = readFileSync(path, 'utf8');
    const cutShort = join(dir, 'cut-short.json');
    writeFileSync(cutShort, text.slice(0, Math.floor(text.length * 0.7)));
    const lines = linesIn(cutShort);
    const lastDigest = lines.length - 1 - [...lines].reverse().findIndex(isDigestLine);
    const kept = lines.slice(1, lastDigest).filter((line) => !isDigestLine(line)).length;
    expect(kept).toBeGreaterThan(3000);

    const read = await readAll(cutShort, 700);
    expect(read.map(([id]) => id)).toEqual(entries.slice(0, kept).map(([id]) => id));
  });

  it('still reads a cache of version 2 (each line checked by the schema), leaving out a line that does not parse, and only that one', async () => {
    const [header, ...rest] = linesIn(path);
    const lines = [JSON.stringify({ ...JSON.parse(header!), version: 2 }), ...rest.filter((line) => !isDigestLine(line))];
    lines[3000] = '{"id": "c-20261205-broken", "files": ';
    lines[4000] = lines[4000]!.replace(/"tally":"[^"]*",/, '');
    const older = join(dir, 'version-2.json');
    writeFileSync(older, `${lines.join('\n')}\n`);

    const reader = (await SummaryCacheReader.open(older, storeRoot))!;
    const read: [string, CachedCeremony][] = [...reader.readHead(100)];
    while (!reader.finished) read.push(...(await reader.read(700)));
    expect(read.map(([id]) => id)).toEqual(entries.map(([id]) => id).filter((id) => id !== entries[2999]![0] && id !== entries[3999]![0]));
    expect(reader.done).toBe(6000);
  });

  it('keeps the shape of a line that version 3 was written in: a change to it needs a new version', () => {
    // Lines are no longer checked by the schema: a cache written by an older version of a changed shape would be taken
    // as it stands. If this fails, raise cacheVersion in index-cache.ts (older caches are then read as version 2 or
    // judged again) and put the new shape's digest here.
    const shape = createHash('sha256').update(JSON.stringify(z.toJSONSchema(CacheLineSchema))).digest('hex');
    expect(shape).toBe(version3Shape);
  });

  it('is not this store\'s when it names another one', async () => {
    expect(await SummaryCacheReader.open(path, '/stores/other')).toBeUndefined();
  });
});
