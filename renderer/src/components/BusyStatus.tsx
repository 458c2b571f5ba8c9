import './BusyStatus.css';

interface BusyStatusProps {
  texts: readonly string[];
  className?: string;
}

/** A live region that is always there, so progress text is announced when it appears. */
export function BusyStatus({ texts, className }: BusyStatusProps) {
  return (
    <div role="status" className={className ?? 'busy'}>
      {texts.map((text) => (
        <p key={text} className="busy-text">
          <span className="spinner" aria-hidden="true" />
          {text}
        </p>
      ))}
    </div>
  );
}
