/** The history room: searching every ceremony in the store, and reports of one or of a range. */
import type { StoredSummary, SummaryRecord } from '../../ceremony/ceremony-views';
import { htmlReport, jsonReport } from '../../ceremony/report';
import type { RoomHandlers } from '../handlers';
import type { CeremonyCatalog } from '../services/ceremony-catalog';

export function historyRoom(options: { catalog: CeremonyCatalog; now: () => Date }): RoomHandlers<'history'> {
  const { catalog } = options;
  return {
    'history.search': async ({ text, states, from, to, offset, limit }) => {
      await catalog.current();
      const needle = text?.trim().toLowerCase();
      const upTo = to ? endOfDay(to) : undefined;
      const wanted = (record: SummaryRecord) =>
        (!states || states.length === 0 || states.includes(record.summary.state)) &&
        (!from || record.summary.openedAt >= from) &&
        (!upTo || record.summary.openedAt <= upTo) &&
        (!needle || matchesText(record.summary, needle));
      // Filter the records, and make the window's summaries only for the page it asked for.
      const matches = catalog.index.recordsNewestFirst().filter(wanted);
      return { total: matches.length, items: matches.slice(offset, offset + limit).map((record) => catalog.summaryOf(record)) };
    },

    'history.report': async ({ ids, from, to, format }) => {
      await catalog.current();
      const chosen = catalog.index
        .records()
        .map((record) => catalog.summaryOf(record))
        .filter((summary) => (ids ? ids.includes(summary.id) : true))
        .filter((summary) => !from || summary.openedAt >= from)
        .filter((summary) => !to || summary.openedAt <= endOfDay(to))
        .sort((a, b) => a.openedAt.localeCompare(b.openedAt));
      // One ceremony gets its whole timeline; a range gets the summaries.
      const details = chosen.length === 1 ? [await catalog.detail(chosen[0]!.id)] : [];
      const generatedAt = options.now().toISOString();
      const stem = chosen.length === 1 ? `conclave-${chosen[0]!.id}` : `conclave-history-${from ?? 'start'}-${to ?? generatedAt.slice(0, 10)}`;
      return format === 'json'
        ? { fileName: `${stem}.json`, mediaType: 'application/json', content: jsonReport(chosen, details, generatedAt) }
        : { fileName: `${stem}.html`, mediaType: 'text/html', content: htmlReport(chosen, details, generatedAt) };
    },
  };
}

function matchesText(summary: StoredSummary, needle: string): boolean {
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
function endOfDay(to: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(to) ? `${to}T23:59:59.999Z` : to;
}
