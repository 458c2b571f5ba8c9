import './BusyStatus.css';

/** Work under way: its words, and for work whose size is known (building the index) how far it is. */
export type BusyItem = string | { text: string; done: number; total: number };

interface BusyStatusProps {
  texts: readonly BusyItem[];
  className?: string;
}

/**
 * A live region that is always there, so progress text is announced when it appears. Work of unknown length shows a
 * spinner; work whose size is known a bar, which is drawn again only when it moves (a spinner is redrawn every frame,
 * on the cores that do the work: a second of CPU over a 10,000-ceremony index build in a browser without a GPU).
 */
export function BusyStatus({ texts, className }: BusyStatusProps) {
  return (
    <div role="status" className={className ?? 'busy'}>
      {texts.map((item) => {
        const text = typeof item === 'string' ? item : item.text;
        return (
          // A bar keeps its element as it moves (its words change with it).
          <p key={typeof item === 'string' ? item : `bar of ${item.total}`} className="busy-text">
            {typeof item === 'string' ? <span className="spinner" aria-hidden="true" /> : <progress className="busy-progress" max={item.total} value={item.done} aria-hidden="true" />}
            {text}
          </p>
        );
      })}
    </div>
  );
}
