import { useRef, type KeyboardEvent } from 'react';
import { filterTitle, type CeremonyFilter } from './filters';

interface FilterTabsProps {
  filters: readonly CeremonyFilter[];
  counts: Record<CeremonyFilter, number>;
  /** False until the core has looked at the tokens attached here: the "Waiting on me" count is not known yet. */
  waitingOnMeKnown: boolean;
  selected: CeremonyFilter;
  onSelect: (filter: CeremonyFilter) => void;
  /** id of the tab panel the tabs control. */
  panelId: string;
  tabId: (filter: CeremonyFilter) => string;
}

/**
 * The WAI-ARIA tabs pattern: one tab stop; arrow keys, Home and End move
 * between tabs and show each at once (showing a filter is instant).
 */
export function FilterTabs({ filters, counts, waitingOnMeKnown, selected, onSelect, panelId, tabId }: FilterTabsProps) {
  const refs = useRef(new Map<CeremonyFilter, HTMLButtonElement>());

  const move = (event: KeyboardEvent) => {
    const index = filters.indexOf(selected);
    const last = filters.length - 1;
    const target =
      event.key === 'ArrowRight' ? (index >= last ? 0 : index + 1)
      : event.key === 'ArrowLeft' ? (index <= 0 ? last : index - 1)
      : event.key === 'Home' ? 0
      : event.key === 'End' ? last
      : undefined;
    if (target === undefined) return;
    event.preventDefault();
    const filter = filters[target];
    if (!filter) return;
    onSelect(filter);
    refs.current.get(filter)?.focus();
  };

  return (
    <div role="tablist" aria-label="Show ceremonies" className="filter-tabs" onKeyDown={move}>
      {filters.map((filter) => (
        <button
          key={filter}
          ref={(element) => {
            if (element) refs.current.set(filter, element);
            else refs.current.delete(filter);
          }}
          id={tabId(filter)}
          type="button"
          role="tab"
          aria-selected={filter === selected}
          aria-controls={panelId}
          tabIndex={filter === selected ? 0 : -1}
          onClick={() => onSelect(filter)}
          className="filter-tab"
        >
          {filterTitle[filter]}{' '}
          {filter === 'waiting' && !waitingOnMeKnown ? (
            // Not 0: nothing has been looked at yet. Its name says so to a screen reader; the title to a pointer.
            <span className="filter-count" title="Looking at the tokens attached here">
              <span aria-hidden="true">…</span>
              <span className="visually-hidden">not known yet</span>
            </span>
          ) : (
            <span className="filter-count">{counts[filter]}</span>
          )}
        </button>
      ))}
    </div>
  );
}
