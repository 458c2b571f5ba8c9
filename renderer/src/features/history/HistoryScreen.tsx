import { useCallback, useEffect, useId } from 'react';
import type { CeremonySummary } from '../../../../shared/api/contract';
import { BusyStatus } from '../../components/BusyStatus';
import { IndexNotSavedNote } from '../../components/IndexNotSavedNote';
import { useNavigation } from '../../app/navigation';
import { PendingSync } from './PendingSync';
import { HistoryVerification } from './HistoryVerification';
import { HistoryList } from './HistoryList';
import { resultCountText } from './query';
import { ReportActions } from './ReportActions';
import { SearchForm } from './SearchForm';
import { rowAt, useHistory } from './store';
import { indexingStatus } from '../../lib/indexing';
import { RetryableError } from '../../components/RetryableError';
import './history.css';

/** A search on its way, and how far the index build is: its own component, so the bar moves without drawing the list again. */
function HistoryBusyStatus() {
  const searching = useHistory((s) => s.searching);
  const building = useHistory((s) => s.results !== undefined && !s.results.complete);
  const indexed = useHistory((s) => s.indexed);
  return <BusyStatus texts={[...(searching ? [searching] : []), ...(building && indexed ? [indexingStatus(indexed)] : [])]} />;
}

/** Every ceremony ever held, for auditors: searched by the core, listed a page at a time as the person scrolls (while the index grows, with how far it is). */
export function HistoryScreen() {
  const headingId = useId();
  const countId = useId();
  const start = useHistory((s) => s.start);
  const search = useHistory((s) => s.search);
  const results = useHistory((s) => s.results);
  const rows = useHistory((s) => s.rows);
  const searchError = useHistory((s) => s.searchError);
  const pageError = useHistory((s) => s.pageError);
  const indexNotSaved = useHistory((s) => s.indexNotSaved);
  const ensureRows = useHistory((s) => s.ensureRows);
  const retryPages = useHistory((s) => s.retryPages);
  const go = useNavigation((s) => s.go);

  useEffect(() => start(), [start]);

  const row = useCallback((index: number) => rowAt(rows, index), [rows]);
  const open = useCallback((summary: CeremonySummary) => go({ screen: 'ceremony', ceremonyId: summary.id }), [go]);

  return (
    <section className="screen" aria-labelledby={headingId}>
      <div className="screen-header">
        <h2 id={headingId}>History</h2>
      </div>
      <PendingSync />
      <HistoryVerification />
      <SearchForm />
      <ReportActions query={results?.query} total={results?.total} />

      <div className="history-results">
        <p id={countId} role="status" className="history-count">
          {results ? resultCountText(results.total) : ''}
        </p>
        <HistoryBusyStatus />
      </div>
      <RetryableError error={searchError} onRetry={search} />
      <RetryableError error={pageError} onRetry={retryPages} retryLabel="Load the missing rows" />
      <IndexNotSavedNote reason={indexNotSaved} />
      {results && results.total > 0 && (
        <>
          <div className="history-columns label-caps" aria-hidden="true">
            <span>Release</span>
            <span>State</span>
            <span>Opened</span>
            <span>Approved by</span>
            <span>Ceremony</span>
          </div>
          <HistoryList key={results.generation} total={results.total} rowAt={row} onRange={ensureRows} onOpen={open} describedBy={countId} />
        </>
      )}
    </section>
  );
}
