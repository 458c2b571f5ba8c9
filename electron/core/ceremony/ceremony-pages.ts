/**
 * Pages of ceremonies (issue 15): the Ceremonies screen's tabs, "waiting on
 * me" and History's search answer one page of rows and the counts the screen
 * shows, never every summary (6.6 MB for 10,000 ceremonies).
 *
 * Rows come newest first; a page ends at its row limit or before it would
 * pass about 90 kB. The cursor names the last row sent (its opening time and
 * id), not a position: ceremonies added meanwhile come before it, so the
 * pages after it neither repeat nor skip one.
 */
import type { CeremonySummary } from '../../../shared/api/ceremony-schemas';
import { ceremonyTabs, maxPageRows, type CallOutput } from '../../../shared/api/contract';
import type { CeremonyState } from '../../../shared/ceremony/view';
import { ConclaveError } from '../../../shared/errors';
import type { StoredSummary, SummaryRecord } from './ceremony-views';

export type CeremonyTab = (typeof ceremonyTabs)[number];
export type CeremonyPage = CallOutput<'ceremonies.page'>;
/** A page as the records give it: whether "waiting on me" is known yet is the attached keys' to say (the catalog adds it). */
export type RecordsPage = Omit<CeremonyPage, 'waitingOnMeKnown'>;
type PageRow = CeremonyPage['items'][number];

/** A page stops before it passes this many bytes of JSON (one row always goes, however large). */
export const maxPageBytes = 90_000;

export interface PageQuery {
  /** The tab: rows of it only (ceremonies.page). */
  tab?: CeremonyTab;
  /** History's filters. */
  text?: string | undefined;
  states?: readonly CeremonyState[] | undefined;
  from?: string | undefined;
  to?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

/** Rows as the window sees them: "waiting on me" is for the keys attached now. */
export interface PageRows {
  waitingOnMe(record: SummaryRecord): boolean;
  row(record: SummaryRecord, waitingOnMe: boolean): PageRow;
}

/**
 * One page of `records` (every record, newest first) for `query`, with the
 * counts per tab over the records its text and dates match.
 */
export function pageOf(records: readonly SummaryRecord[], query: PageQuery, rows: PageRows, indexed: { done: number; total: number; complete: boolean }): RecordsPage {
  const after = query.cursor === undefined ? undefined : readCursor(query.cursor);
  const needle = query.text?.trim().toLowerCase() || undefined;
  const upTo = query.to ? endOfDay(query.to) : undefined;
  const states = query.states && query.states.length > 0 ? new Set(query.states) : undefined;
  const counts = Object.fromEntries(ceremonyTabs.map((tab) => [tab, 0])) as Record<CeremonyTab, number>;
  const items: PageRow[] = [];
  let bytes = 0;
  let total = 0;
  let full = false;
  let more = false;
  const limit = Math.min(query.limit, maxPageRows);
  for (const record of records) {
    const { summary } = record;
    if ((query.from && summary.openedAt < query.from) || (upTo && summary.openedAt > upTo) || (needle && !matchesText(summary, needle))) continue;
    // Waiting on me is asked of the attached keys only where a key may still decide.
    const waiting = record.pendingKeyIds.length > 0 && rows.waitingOnMe(record);
    for (const tab of ceremonyTabs) if (inTab(summary.state, waiting, tab)) counts[tab]++;
    if (states ? !states.has(summary.state) : !inTab(summary.state, waiting, query.tab ?? 'all')) continue;
    total++;
    if (after && !isAfter(summary, after)) continue;
    if (full) {
      more = true;
      continue;
    }
    const row = rows.row(record, waiting);
    const size = JSON.stringify(row).length + 1;
    if (items.length > 0 && (items.length >= limit || bytes + size > maxPageBytes)) {
      full = true;
      more = true;
      continue;
    }
    items.push(row);
    bytes += size;
  }
  const last = items.at(-1);
  return {
    items,
    total,
    counts,
    ...(more && last ? { nextCursor: cursorOf(last) } : {}),
    complete: indexed.complete,
    indexed: { done: indexed.done, total: indexed.total },
  };
}

export function inTab(state: CeremonyState, waitingOnMe: boolean, tab: CeremonyTab): boolean {
  switch (tab) {
    case 'all':
      return true;
    case 'waiting':
      return waitingOnMe;
    case 'open':
      // Open and frozen are both still gathering: frozen only means the statement can no longer change.
      return state === 'open' || state === 'frozen';
    default:
      return state === tab;
  }
}

function cursorOf(summary: Pick<CeremonySummary, 'openedAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([summary.openedAt, summary.id])).toString('base64url');
}

function readCursor(cursor: string): { openedAt: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') return { openedAt: value[0], id: value[1] };
  } catch {
    // Reported below.
  }
  throw new ConclaveError('invalid-input', 'This list position is not one Conclave gave: show the list from its start again.');
}

/** Whether `summary` comes after the cursor's row in the order of every list (newest first, then id descending). */
function isAfter(summary: StoredSummary, cursor: { openedAt: string; id: string }): boolean {
  return summary.openedAt < cursor.openedAt || (summary.openedAt === cursor.openedAt && summary.id < cursor.id);
}

export function matchesText(summary: StoredSummary, needle: string): boolean {
  return (
    summary.id.includes(needle) ||
    summary.release.name.toLowerCase().includes(needle) ||
    summary.release.version.toLowerCase().includes(needle) ||
    `${summary.release.name}@${summary.release.version}`.toLowerCase().includes(needle) ||
    summary.openedBy.toLowerCase().includes(needle) ||
    summary.approvedBy.some((id) => id.toLowerCase().includes(needle)) ||
    summary.rejectedBy.some((id) => id.toLowerCase().includes(needle)) ||
    summary.artifacts.some((artifact) => artifact.name.toLowerCase().includes(needle) || (needle.length >= 6 && artifact.sha256.startsWith(needle.replace(/^sha256:/, ''))))
  );
}

/** A date without a time means the whole of that day. */
export function endOfDay(to: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(to) ? `${to}T23:59:59.999Z` : to;
}
