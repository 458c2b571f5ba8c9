import { BusyStatus } from '../../components/BusyStatus';
import { ErrorMessage } from '../../components/ErrorMessage';
import { narrowsBeyondDates, type HistoryQuery } from './query';
import { useHistory } from './store';

/** "Export report" as HTML or JSON, for what the search shows now. */
export function ReportActions({ query, total }: { query: HistoryQuery | undefined; total: number | undefined }) {
  const exportReport = useHistory((s) => s.exportReport);
  const dismissError = useHistory((s) => s.dismissReportError);
  const report = useHistory((s) => s.report);
  const working = report.busy !== undefined;
  const scope = !query ? '' : narrowsBeyondDates(query) ? `The report covers the ${total ?? 0} ceremonies this search found.` : query.from || query.to ? 'The report covers every ceremony opened in these dates.' : 'The report covers every ceremony in the history.';

  return (
    <div className="history-report" role="group" aria-label="Export report">
      <div className="actions">
        <button type="button" onClick={() => void exportReport('html')} aria-disabled={working ? true : undefined}>
          Export report (HTML)
        </button>
        <button type="button" onClick={() => void exportReport('json')} aria-disabled={working ? true : undefined}>
          Export report (JSON)
        </button>
        {scope && <span className="hint">{scope}</span>}
      </div>
      <BusyStatus texts={report.busy ? [report.busy] : []} />
      {report.saved && <p className="message message-ok">{report.saved}</p>}
      {report.error && <ErrorMessage error={report.error} onDismiss={dismissError} />}
    </div>
  );
}
