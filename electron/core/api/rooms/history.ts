/** The history room: pages of a search over every ceremony in the store, and reports of one or of a range. */
import { resolve } from 'node:path';
import { endOfDay } from '../../ceremony/ceremony-pages';
import { shellCommand } from '../../../../shared/cli/shell-command';
import type { ArtifactLocations } from '../../ceremony/artifact-locations';
import { htmlReport, jsonReport } from '../../ceremony/report';
import { reportCeremonies } from '../../ceremony/report-ceremonies';
import type { RoomHandlers } from '../handlers';
import type { CeremonyCatalog } from '../services/ceremony-catalog';

/** `storeDir`, `publishDir`, `artifactLocations`: for the report's re-verify commands, every path absolute. */
export function historyRoom(options: { catalog: CeremonyCatalog; now: () => Date; storeDir?: string; publishDir?: string; artifactLocations?: ArtifactLocations }): RoomHandlers<'history'> {
  const { catalog } = options;
  return {
    // A page of the search and the count per tab, from the index as it stands (issue 15).
    'history.page': async ({ text, states, from, to, cursor, limit }) => catalog.page({ text, states, from, to, cursor, limit }),

    'history.report': async ({ ids, from, to, format }) => {
      await catalog.current();
      const chosen = catalog.index
        .records()
        .map((record) => catalog.summaryOf(record))
        .filter((summary) => (ids ? ids.includes(summary.id) : true))
        .filter((summary) => !from || summary.openedAt >= from)
        .filter((summary) => !to || summary.openedAt <= endOfDay(to))
        .sort((a, b) => a.openedAt.localeCompare(b.openedAt));
      // Every ceremony in full (up to mostCeremoniesInFull): policy, subjects, approvals, verification, how to re-verify (issue 16).
      const ceremonies = await reportCeremonies(
        chosen.map((summary) => summary.id),
        { detail: (id) => catalog.detail(id), reader: catalog.reader, now: options.now, ...(options.publishDir ? { publishDir: options.publishDir } : {}), ...(options.artifactLocations ? { artifactLocations: options.artifactLocations } : {}) },
      );
      const generatedAt = options.now().toISOString();
      const stem = chosen.length === 1 ? `conclave-${chosen[0]!.id}` : `conclave-history-${from ?? 'start'}-${to ?? generatedAt.slice(0, 10)}`;
      const auditCommand = options.storeDir ? shellCommand(['conclave', 'audit', 'verify', '--store', resolve(options.storeDir)]) : undefined;
      return format === 'json'
        ? { fileName: `${stem}.json`, mediaType: 'application/json', content: jsonReport(chosen, ceremonies, generatedAt) }
        : { fileName: `${stem}.html`, mediaType: 'text/html', content: htmlReport(chosen, ceremonies, generatedAt, auditCommand ? { auditCommand } : {}) };
    },
  };
}
