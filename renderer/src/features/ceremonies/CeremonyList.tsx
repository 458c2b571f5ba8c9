import { useState } from 'react';
import type { CeremonySummary } from '../../../../shared/api/contract';
import { CeremonyCard } from './CeremonyCard';
import { cardsPerStep, showMoreText } from './filters';

interface CeremonyListProps {
  summaries: readonly CeremonySummary[];
  now: number;
  onOpen: (ceremonyId: string) => void;
  onBrowseHistory: () => void;
  label: string;
}

/** The cards of one tab, newest first, a step at a time: a store with thousands of ceremonies stays quick here. */
export function CeremonyList({ summaries, now, onOpen, onBrowseHistory, label }: CeremonyListProps) {
  const [limit, setLimit] = useState(cardsPerStep);
  const shown = summaries.length > limit ? summaries.slice(0, limit) : summaries;
  const hidden = summaries.length - shown.length;
  return (
    <>
      <ul className="ceremony-list" aria-label={label}>
        {shown.map((summary) => (
          <li key={summary.id}>
            <CeremonyCard summary={summary} now={now} onOpen={onOpen} />
          </li>
        ))}
      </ul>
      {hidden > 0 && (
        <div className="actions ceremony-list-more">
          <button type="button" onClick={() => setLimit((current) => current + cardsPerStep)}>
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
