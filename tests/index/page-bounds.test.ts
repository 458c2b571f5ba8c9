/**
 * A page stays small whatever its rows hold (issue 15): ceremonies with many
 * artifacts make large rows, and a page then holds fewer of them, never more
 * than about 90 kB; the cursor still leads through every one exactly once,
 * even when ceremonies are added between two pages.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { maxPageBytes, pageOf, type PageRows } from '../../electron/core/ceremony/ceremony-pages';
import { newestFirst } from '../../electron/core/ceremony/ceremony-index';
import type { SummaryRecord } from '../../electron/core/ceremony/ceremony-views';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function record(index: number, artifacts: number): SummaryRecord {
  const openedAt = new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString();
  return {
    summary: {
      id: `c-20260101-${String(index).padStart(10, 'a')}`,
      state: index % 3 === 0 ? 'published' : 'frozen',
      release: { name: 'firmware', version: `1.${index}.0`, purl: `pkg:generic/firmware@1.${index}.0` },
      openedAt,
      expiresAt: openedAt,
      openedBy: 'rita',
      policy: { digest: sha256('policy'), description: 'any 2 of alice, bob, carol', threshold: 2 },
      approvedBy: [],
      rejectedBy: [],
      tally: '0 of 2',
      counted: 0,
      artifacts: Array.from({ length: artifacts }, (_, n) => ({ name: `firmware-${index}-part-${n}.bin`, sha256: sha256(`${index}/${n}`) })),
      problemCount: 0,
      actions: [],
      policyTrusted: true,
    },
    pendingKeyIds: index % 3 === 0 ? [] : ['key-of-alice'],
    version: `1-${sha256(String(index)).slice(0, 16)}`,
  };
}

const rows: PageRows = { waitingOnMe: (entry) => entry.pendingKeyIds.includes('key-of-alice'), row: (entry, waitingOnMe) => ({ ...entry.summary, waitingOnMe, version: entry.version }) };
const complete = { done: 0, total: 0, complete: true };

describe('a page', () => {
  it('holds fewer rows when they are large, and stays under its byte bound', () => {
    const records = Array.from({ length: 300 }, (_, index) => record(index, 60)).sort(newestFirst);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = pageOf(records, { tab: 'all', limit: 100, cursor }, rows, complete);
      expect(JSON.stringify(page.items).length).toBeLessThanOrEqual(maxPageBytes);
      expect(page.items.length).toBeLessThan(100);
      expect(page.total).toBe(300);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThan(3);
    expect(seen).toEqual(records.map((entry) => entry.summary.id));
  });

  it('answers under 100 kB, counts included, for every page of 10,000 ceremonies, and for a search over them', () => {
    const records = Array.from({ length: 10_000 }, (_, index) => record(index, 3)).sort(newestFirst);
    for (const query of [{ tab: 'all' as const }, { tab: 'waiting' as const }, { text: 'firmware', states: ['published' as const] }]) {
      let cursor: string | undefined;
      let seen = 0;
      do {
        const page = pageOf(records, { ...query, limit: 100, cursor }, rows, complete);
        expect(JSON.stringify(page).length).toBeLessThan(100_000);
        seen += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toBe(pageOf(records, { ...query, limit: 1 }, rows, complete).total);
    }
  });

  it('neither repeats nor skips a ceremony when newer ones arrive between pages', () => {
    let records = Array.from({ length: 250 }, (_, index) => record(index, 1)).sort(newestFirst);
    const first = pageOf(records, { tab: 'waiting', limit: 40 }, rows, complete);
    expect(first.counts.waiting).toBe(records.filter((entry) => entry.pendingKeyIds.length > 0).length);
    // Ten newer ceremonies come in (a sync): they belong before the cursor, to the first page shown again.
    records = [...records, ...Array.from({ length: 10 }, (_, n) => record(1000 + n, 1))].sort(newestFirst);
    const seen = first.items.map((item) => item.id);
    let cursor = first.nextCursor;
    while (cursor) {
      const page = pageOf(records, { tab: 'waiting', limit: 40, cursor }, rows, complete);
      expect(page.items.every((item) => item.waitingOnMe)).toBe(true);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    }
    const before = Array.from({ length: 250 }, (_, index) => record(index, 1)).filter((entry) => entry.pendingKeyIds.length > 0);
    expect(seen.sort()).toEqual(before.map((entry) => entry.summary.id).sort());
  });
});
