import { useEffect, useId } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { IndexNotSavedNote } from '../../components/IndexNotSavedNote';
import { useNavigation } from '../../app/navigation';
import { bundleImportStore } from './bundle-import';
import { CeremonyList } from './CeremonyList';
import { FilterTabs } from './FilterTabs';
import { FirstRun } from './FirstRun';
import { emptyFilterText, filterTitle, visibleFilters, waitingNotKnownText, type CeremonyFilter } from './filters';
import { useCeremonies } from './store';
import { indexingStatus } from '../../lib/indexing';
import { useNow } from './use-now';
import { RetryableError } from '../../components/RetryableError';
import './ceremonies.css';

/** Loading, and how far the index build is: its own component, so the bar moves without drawing the cards again. */
function CeremoniesBusyStatus() {
  const loading = useCeremonies((s) => s.loading);
  const complete = useCeremonies((s) => s.complete);
  const indexed = useCeremonies((s) => s.indexed);
  const loadingMore = useCeremonies((s) => s.loadingMore);
  return <BusyStatus texts={[...(loading ? [loading] : []), ...(!complete && indexed ? [indexingStatus(indexed)] : []), ...(loadingMore ? [loadingMore] : [])]} />;
}

/** Every ceremony on this computer, by where it stands, kept current as the core reports changes. */
export function CeremoniesScreen() {
  const headingId = useId();
  const panelId = useId();
  const tabPrefix = useId();
  const start = useCeremonies((s) => s.start);
  const load = useCeremonies((s) => s.load);
  const summaries = useCeremonies((s) => s.summaries);
  const filter = useCeremonies((s) => s.filter);
  const setFilter = useCeremonies((s) => s.setFilter);
  const loadError = useCeremonies((s) => s.loadError);
  const counts = useCeremonies((s) => s.counts);
  const total = useCeremonies((s) => s.total);
  const nextCursor = useCeremonies((s) => s.nextCursor);
  const complete = useCeremonies((s) => s.complete);
  const indexNotSaved = useCeremonies((s) => s.indexNotSaved);
  const waitingOnMeKnown = useCeremonies((s) => s.waitingOnMeKnown);
  const loadingMore = useCeremonies((s) => s.loadingMore);
  const moreError = useCeremonies((s) => s.moreError);
  const showMore = useCeremonies((s) => s.showMore);
  const go = useNavigation((s) => s.go);
  const now = useNow();

  useEffect(() => start(), [start]);

  const filters = counts ? visibleFilters(counts) : [];
  // A tab that emptied and went away (Cancelled) leaves the person on All rather than on nothing.
  const tabGone = counts !== undefined && !filters.includes(filter);
  useEffect(() => {
    if (tabGone) setFilter('all');
  }, [tabGone, setFilter]);
  const current = tabGone ? 'all' : filter;
  const shown = summaries ?? [];
  // Still indexing with nothing judged yet is not a first run: the store may hold thousands.
  const firstRun = counts !== undefined && counts.all === 0 && complete;
  const tabId = (id: CeremonyFilter) => `${tabPrefix}-${id}`;
  const open = (ceremonyId: string) => go({ screen: 'ceremony', ceremonyId });

  return (
    <section className="screen" aria-labelledby={headingId}>
      <div className="screen-header">
        <h2 id={headingId}>Ceremonies</h2>
        <div className="actions">
          <button type="button" onClick={() => bundleImportStore.getState().openDialog()}>
            Import a bundle…
          </button>
          {!firstRun && (
            <button type="button" className="button-primary" onClick={() => go({ screen: 'open' })}>
              Open a ceremony
            </button>
          )}
        </div>
      </div>

      <CeremoniesBusyStatus />
      <RetryableError error={loadError} onRetry={load} />
      <IndexNotSavedNote reason={indexNotSaved} />

      {firstRun && <FirstRun />}
      {counts && !firstRun && (
        <>
          <FilterTabs filters={filters} counts={counts} waitingOnMeKnown={waitingOnMeKnown} selected={current} onSelect={setFilter} panelId={panelId} tabId={tabId} />
          <div id={panelId} role="tabpanel" aria-labelledby={tabId(current)} className="filter-panel" tabIndex={shown.length === 0 ? 0 : undefined}>
            {summaries === undefined ? null : shown.length === 0 ? (
              <p className="muted">{current === 'waiting' && !waitingOnMeKnown ? waitingNotKnownText : emptyFilterText[current]}</p>
            ) : (
              <CeremonyList
                key={current}
                summaries={shown}
                total={total}
                hasMore={nextCursor !== undefined}
                loadingMore={loadingMore !== undefined}
                now={now}
                onOpen={open}
                onShowMore={() => void showMore()}
                onBrowseHistory={() => go({ screen: 'history' })}
                label={`${filterTitle[current]} ceremonies`}
              />
            )}
          </div>
          <RetryableError error={moreError} onRetry={showMore} retryLabel="Show more again" />
        </>
      )}
    </section>
  );
}
