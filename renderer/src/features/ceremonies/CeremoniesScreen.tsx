import { useEffect, useId, useMemo } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { useNavigation } from '../../app/navigation';
import { bundleImportStore } from './bundle-import';
import { CeremonyList } from './CeremonyList';
import { FilterTabs } from './FilterTabs';
import { FirstRun } from './FirstRun';
import { emptyFilterText, filterCeremonies, filterCounts, filterTitle, visibleFilters, type CeremonyFilter } from './filters';
import { useCeremonies } from './store';
import { useNow } from './use-now';
import { RetryableError } from '../../components/RetryableError';

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
  const loading = useCeremonies((s) => s.loading);
  const loadError = useCeremonies((s) => s.loadError);
  const go = useNavigation((s) => s.go);
  const now = useNow();

  useEffect(() => start(), [start]);

  const counts = useMemo(() => filterCounts(summaries ?? []), [summaries]);
  const filters = visibleFilters(counts);
  // A tab that emptied and went away (Cancelled) leaves the person on All rather than on nothing.
  const current = filters.includes(filter) ? filter : 'all';
  const shown = useMemo(() => filterCeremonies(summaries ?? [], current), [summaries, current]);
  const firstRun = summaries !== undefined && summaries.length === 0;
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

      <BusyStatus texts={loading ? [loading] : []} />
      <RetryableError error={loadError} onRetry={load} />

      {firstRun && <FirstRun />}
      {summaries && summaries.length > 0 && (
        <>
          <FilterTabs filters={filters} counts={counts} selected={current} onSelect={setFilter} panelId={panelId} tabId={tabId} />
          <div id={panelId} role="tabpanel" aria-labelledby={tabId(current)} className="filter-panel" tabIndex={shown.length === 0 ? 0 : undefined}>
            {shown.length === 0 ? (
              <p className="muted">{emptyFilterText[current]}</p>
            ) : (
              <CeremonyList
                key={current}
                summaries={shown}
                now={now}
                onOpen={open}
                onBrowseHistory={() => go({ screen: 'history' })}
                label={`${filterTitle[current]} ceremonies`}
              />
            )}
          </div>
        </>
      )}
    </section>
  );
}
