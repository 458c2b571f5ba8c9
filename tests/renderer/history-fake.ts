/**
 * history.page and ceremonies.page that behave like the core's over a list of
 * summaries: text matches release, artifact, approver or id; states, dates and
 * tabs filter; cursors page (opaque to the window: here "at:<offset>"); counts
 * cover every tab. For Ceremonies and History tests with thousands of ceremonies.
 */
import { ceremonyTabs, type CallInput, type CallOutput, type CeremonySummary } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { ok } from './fake-api';

type Tab = (typeof ceremonyTabs)[number];
type Versioned = CallOutput<'ceremonies.page'>['items'][number];

/** The version the fake core gives a summary that has none: the same for the same summary. */
export function versionOf(item: CeremonySummary): string {
  return `1-${item.state}-${item.counted}-${item.waitingOnMe ? 'w' : 'n'}`;
}

export function versioned(item: CeremonySummary | Versioned): Versioned {
  return 'version' in item ? item : { ...item, version: versionOf(item) };
}

export function inTab(item: CeremonySummary, tab: Tab): boolean {
  if (tab === 'all') return true;
  if (tab === 'waiting') return item.waitingOnMe;
  if (tab === 'open') return item.state === 'open' || item.state === 'frozen';
  return item.state === tab;
}

export interface PagedCore {
  /** The summaries the fake core holds; tests may change it between calls. */
  all: CeremonySummary[];
  /** What a page says about the index (complete unless a test says otherwise). */
  index: { complete: boolean; done: number; total: number } | undefined;
  /** Whether the fake core has looked at the keys attached (true unless a test says otherwise). */
  waitingOnMeKnown?: boolean;
  /** Why the fake core cannot save its index (absent unless a test says). */
  indexNotSaved?: string;
}

function page(core: PagedCore, matching: readonly CeremonySummary[], counted: readonly CeremonySummary[], cursor: string | undefined, limit: number | undefined): CallOutput<'ceremonies.page'> {
  const offset = cursor ? Number(cursor.slice('at:'.length)) : 0;
  const size = limit ?? 50;
  const end = offset + size;
  const counts = Object.fromEntries(ceremonyTabs.map((tab) => [tab, counted.filter((item) => inTab(item, tab)).length])) as Record<Tab, number>;
  const index = core.index ?? { complete: true, done: core.all.length, total: core.all.length };
  return {
    items: matching.slice(offset, end).map(versioned),
    total: matching.length,
    counts,
    ...(end < matching.length ? { nextCursor: `at:${end}` } : {}),
    complete: index.complete,
    indexed: { done: index.done, total: index.total },
    waitingOnMeKnown: core.waitingOnMeKnown ?? true,
    ...(core.indexNotSaved !== undefined ? { indexNotSaved: core.indexNotSaved } : {}),
  };
}

export function historyPageOver(core: PagedCore) {
  return (input: CallInput<'history.page'>): Result<CallOutput<'history.page'>> => {
    const text = input.text?.toLowerCase();
    const filtered = core.all.filter(
      (item) =>
        (!text ||
          item.id.includes(text) ||
          `${item.release.name} ${item.release.version}`.toLowerCase().includes(text) ||
          item.approvedBy.some((id) => id.includes(text)) ||
          item.artifacts.some((artifact) => artifact.sha256.startsWith(text) || artifact.name.includes(text))) &&
        (!input.from || item.openedAt >= input.from) &&
        (!input.to || item.openedAt <= input.to),
    );
    const matching = filtered.filter((item) => !input.states || input.states.includes(item.state));
    return ok(page(core, matching, filtered, input.cursor, input.limit));
  };
}

export function ceremoniesPageOver(core: PagedCore) {
  return (input: CallInput<'ceremonies.page'>): Result<CallOutput<'ceremonies.page'>> => {
    const matching = core.all.filter((item) => inTab(item, input.tab ?? 'all'));
    return ok(page(core, matching, core.all, input.cursor, input.limit));
  };
}

export function pagedCore(all: CeremonySummary[]): PagedCore {
  return { all, index: undefined };
}
