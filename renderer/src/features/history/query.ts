/**
 * The History search as the person writes it, and as the core is asked.
 * Pure functions: the store calls them, tests check them.
 */
import { ceremonyStates, type CeremonyState } from '../../../../shared/ceremony/view';
import { maxPageRows, type CallInput } from '../../../../shared/api/contract';

export interface HistoryQuery {
  /** Release, artifact digest, approver or ceremony id. */
  text: string;
  /** No state ticked means every state. */
  states: readonly CeremonyState[];
  /** Days as a date input gives them (YYYY-MM-DD), or '' for no bound. */
  from: string;
  to: string;
}

export const emptyQuery: HistoryQuery = { text: '', states: [], from: '', to: '' };

/** Rows asked for at a time as the person scrolls: the most one page holds. */
export const pageSize = maxPageRows;

/** The most ceremonies history.report names in one call (the contract's limit). */
export const maxPerCall = 20_000;

const dayPattern = /^(\d{4})-(\d{2})-(\d{2})$/;

function localDay(day: string): Date | undefined {
  const match = dayPattern.exec(day);
  if (!match) return undefined;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The first instant of a day in this computer's time zone, as an ISO instant; undefined for no day. */
export function startOfDay(day: string): string | undefined {
  return localDay(day)?.toISOString();
}

/** The last instant of a day in this computer's time zone: "to 12 March" includes all of 12 March. */
export function endOfDay(day: string): string | undefined {
  const date = localDay(day);
  if (!date) return undefined;
  date.setDate(date.getDate() + 1);
  return new Date(date.getTime() - 1).toISOString();
}

/** Why a query cannot be searched, in words for the person; undefined when it can. */
export function queryProblem(query: HistoryQuery): string | undefined {
  if (query.from && !localDay(query.from)) return 'The “Opened from” date is not a date. Pick one from the calendar, or clear it.';
  if (query.to && !localDay(query.to)) return 'The “Opened to” date is not a date. Pick one from the calendar, or clear it.';
  if (query.from && query.to && query.from > query.to) return 'The “Opened from” date is after the “Opened to” date. Swap them, or clear one.';
  if (query.text.trim().length > 256) return 'The search text is too long: keep it under 256 characters.';
  return undefined;
}

/** The filter part of history.page and history.report: only what is set. */
export function searchFilter(query: HistoryQuery): { text?: string; states?: CeremonyState[]; from?: string; to?: string } {
  const filter: { text?: string; states?: CeremonyState[]; from?: string; to?: string } = {};
  const text = query.text.trim();
  if (text) filter.text = text;
  // Every state ticked is the same as none: leave it out.
  if (query.states.length > 0 && query.states.length < ceremonyStates.length) {
    filter.states = ceremonyStates.filter((state) => query.states.includes(state));
  }
  const from = startOfDay(query.from);
  const to = endOfDay(query.to);
  if (from) filter.from = from;
  if (to) filter.to = to;
  return filter;
}

/** One page of a search: the first, or the one after `cursor` (as the core gave it). */
export function pageInput(query: HistoryQuery, cursor?: string, limit = pageSize): CallInput<'history.page'> {
  return { ...searchFilter(query), ...(cursor ? { cursor } : {}), limit };
}

/** Whether the search narrows by more than dates (so a report must name the ceremonies it covers). */
export function narrowsBeyondDates(query: HistoryQuery): boolean {
  const filter = searchFilter(query);
  return filter.text !== undefined || filter.states !== undefined;
}

export function sameQuery(a: HistoryQuery, b: HistoryQuery): boolean {
  return a.text.trim() === b.text.trim() && a.from === b.from && a.to === b.to && a.states.length === b.states.length && a.states.every((state) => b.states.includes(state));
}

export type ReportFormat = 'html' | 'json';

const extension: Record<ReportFormat, string> = { html: '.html', json: '.json' };

/**
 * The name a downloaded report is saved under: the core's name when it is a
 * plain file name, with the right extension; otherwise one made from the
 * date range ("conclave-history-2025-01-01-to-2025-03-31.html").
 */
export function reportFileName(suggested: string, format: ReportFormat, query: Pick<HistoryQuery, 'from' | 'to'>): string {
  const ext = extension[format];
  const base = (suggested.split(/[\\/]/).pop() ?? '')
    .normalize('NFC')
    .replace(/[^\p{L}\p{N} ._-]+/gu, '-')
    .replace(/^[\s.-]+|[\s.-]+$/g, '')
    .slice(0, 120);
  if (base) return base.toLowerCase().endsWith(ext) ? base : `${base.replace(/\.(html?|json)$/i, '')}${ext}`;
  const range = query.from || query.to ? `-${query.from || 'start'}-to-${query.to || 'now'}` : '-all';
  return `conclave-history${range}${ext}`;
}

/** "1 ceremony found", "10,000 ceremonies found". */
export function resultCountText(total: number): string {
  if (total === 0) return 'No ceremonies found.';
  return `${total.toLocaleString('en')} ${total === 1 ? 'ceremony' : 'ceremonies'} found.`;
}
