import type { CeremonySummary } from '../../../../shared/api/contract';
import { dayText, exactTime, listText, releaseName, stateText, stateTone } from '../ceremonies/format';

interface HistoryRowProps {
  id: string;
  index: number;
  total: number;
  summary: CeremonySummary | undefined;
  active: boolean;
  /** Positions the row in the virtual list. */
  top: number;
  height: number;
  onOpen: (index: number) => void;
}

/** One ceremony in the History list (an ARIA option: the list keeps the focus and points at the active row). */
export function HistoryRow({ id, index, total, summary, active, top, height, onOpen }: HistoryRowProps) {
  return (
    <div
      id={id}
      role="option"
      aria-selected={active}
      aria-posinset={index + 1}
      aria-setsize={total}
      aria-busy={summary ? undefined : true}
      className={`history-row${active ? ' history-row-active' : ''}`}
      style={{ transform: `translateY(${top}px)`, height }}
      onClick={() => onOpen(index)}
    >
      {summary ? (
        <>
          <span className="history-release">{releaseName(summary)}</span>
          <span className="history-state">
            <span className={`badge badge-${stateTone[summary.state]}`}>{stateText[summary.state]}</span>
          </span>
          <span className="history-opened" title={exactTime(summary.openedAt)}>
            {dayText(summary.openedAt)}
          </span>
          <span className="history-approvers">
            {/* Under a policy this machine does not trust, the approvals are counted against keys that policy names, whoever wrote it. */}
            {!summary.policyTrusted && <span className="badge badge-danger">Policy not trusted here</span>} {summary.approvedBy.length > 0 ? listText(summary.approvedBy) : 'no approvals'}
          </span>
          <code className="history-id">{summary.id}</code>
        </>
      ) : (
        <span className="history-loading muted">Loading…</span>
      )}
    </div>
  );
}
