import type { CeremonySummary } from '../../../../shared/api/contract';
import { CeremonyCard } from './CeremonyCard';
import { showMoreText } from './filters';

interface CeremonyListProps {
  summaries: readonly CeremonySummary[];
  /** Ceremonies in the tab, held here or not. */
  total: number;
  /** Whether the core has more rows after those held. */
  hasMore: boolean;
  /** True while the next page is on its way. */
  loadingMore: boolean;
  now: number;
  onOpen: (ceremonyId: string) => void;
  onShowMore: () => void;
  onBrowseHistory: () => void;
  label: string;
}

/** The cards of one tab, newest first, a page at a time: a store with thousands of ceremonies stays quick here. */
export function CeremonyList({ summaries, total, hasMore, loadingMore, now, onOpen, onShowMore, onBrowseHistory, label }: CeremonyListProps) {
  const hidden = Math.max(0, total - summaries.length);
  return (
    <>
      <ul className="ceremony-list" aria-label={label}>
        {summaries.map((summary) => (
          <li key={summary.id}>
            <CeremonyCard summary={summary} now={now} onOpen={onOpen} />
          </li>
        ))}
      </ul>
      {hasMore && hidden > 0 && (
        <div className="actions ceremony-list-more">
          <button type="button" onClick={onShowMore} disabled={loadingMore}>
            {showMoreText(hidden)}
          </button>
          <button type="button" className="button-quiet" onClick={onBrowseHistory}>
            Search them in History
          </button>
        </div>
      )}
    </>
  );
}
