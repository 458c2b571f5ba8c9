import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { CeremonySummary } from '../../../../shared/api/contract';
import { HistoryRow } from './HistoryRow';
import { nextActiveIndex } from './keys';

/** Every row has the same height (CSS keeps it so), which keeps 10,000 rows cheap to lay out. */
export const rowHeight = 48;

interface HistoryListProps {
  total: number;
  rowAt: (index: number) => CeremonySummary | undefined;
  /** Asks for rows first…last to be fetched (called as the person scrolls). */
  onRange: (first: number, last: number) => void;
  onOpen: (summary: CeremonySummary) => void;
  describedBy?: string;
}

/**
 * The results as a virtualised ARIA listbox: only the rows in view are in the
 * page. The list itself keeps the keyboard focus and points at the active row
 * (aria-activedescendant), so focus is never lost when a row scrolls out and
 * is taken out of the page. Arrow keys, Page Up/Down, Home and End move;
 * Enter opens.
 */
export function HistoryList({ total, rowAt, onRange, onOpen, describedBy }: HistoryListProps) {
  const prefix = useId();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualiser keeps its own state; this component does not memoise around it.
  const virtualizer = useVirtualizer({ count: total, getScrollElement: () => scrollRef.current, estimateSize: () => rowHeight, overscan: 10 });
  const rows = virtualizer.getVirtualItems();
  const first = rows[0]?.index ?? 0;
  const last = rows[rows.length - 1]?.index ?? -1;
  const current = Math.min(active, Math.max(0, total - 1));

  useEffect(() => {
    if (last >= first) onRange(first, last);
  }, [first, last, onRange]);

  const move = (event: KeyboardEvent) => {
    if (total === 0) return;
    if (event.key === 'Enter') {
      const summary = rowAt(current);
      if (summary) {
        event.preventDefault();
        onOpen(summary);
      }
      return;
    }
    const pageRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? rowHeight * 10) / rowHeight) - 1);
    const next = nextActiveIndex(event.key, current, total, pageRows);
    if (next === undefined) return;
    event.preventDefault();
    setActive(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };

  const rowId = (index: number) => `${prefix}-row-${index}`;
  const activeShown = rows.some((row) => row.index === current);

  return (
    <div
      ref={scrollRef}
      className="history-list"
      // As tall as its rows, up to the list's height: one result is one row, not a row above an empty box.
      style={{ height: `min(60vh, 36rem, ${total * rowHeight + 2}px)` }}
      role="listbox"
      aria-label="Ceremonies found"
      aria-describedby={describedBy}
      aria-activedescendant={total > 0 && activeShown ? rowId(current) : undefined}
      tabIndex={0}
      onKeyDown={move}
    >
      <div className="history-list-inner" style={{ height: virtualizer.getTotalSize() }}>
        {rows.map((row) => (
          <HistoryRow
            key={row.key}
            id={rowId(row.index)}
            index={row.index}
            total={total}
            summary={rowAt(row.index)}
            active={row.index === current}
            top={row.start}
            height={rowHeight}
            onOpen={(index) => {
              setActive(index);
              const summary = rowAt(index);
              if (summary) onOpen(summary);
            }}
          />
        ))}
      </div>
    </div>
  );
}
