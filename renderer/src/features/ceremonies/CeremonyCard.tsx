import { useId, type MouseEvent } from 'react';
import type { CeremonySummary } from '../../../../shared/api/contract';
import { hashOfPlace } from '../../app/navigation';
import { dayText, deadlineText, exactTime, problemText, releaseName, signersText, stateText, stateTone } from './format';
import { ThresholdMeter } from './ThresholdMeter';

interface CeremonyCardProps {
  summary: CeremonySummary;
  now: number;
  onOpen: (ceremonyId: string) => void;
}

/** One ceremony in the list: what it releases, where it stands, by when, and who has decided. The title is the link to its review. */
export function CeremonyCard({ summary, now, onOpen }: CeremonyCardProps) {
  const headingId = useId();
  const name = releaseName(summary);
  const deadline = deadlineText(summary, now);

  const openFromLink = (event: MouseEvent) => {
    event.preventDefault();
    onOpen(summary.id);
  };
  // A click anywhere on the card opens it too (the link stays the one keyboard stop), unless the person was selecting text.
  const openFromCard = (event: MouseEvent) => {
    if (event.defaultPrevented || window.getSelection()?.toString()) return;
    if (event.target instanceof Element && event.target.closest('a, button, input')) return;
    onOpen(summary.id);
  };

  return (
    <article className="ceremony-card" aria-labelledby={headingId} onClick={openFromCard}>
      <div className="ceremony-card-header">
        <h3 id={headingId} className="ceremony-title">
          <a href={hashOfPlace({ screen: 'ceremony', ceremonyId: summary.id })} onClick={openFromLink}>
            {name}
          </a>
        </h3>
        <span className={`badge badge-${stateTone[summary.state]}`}>{stateText[summary.state]}</span>
        {!summary.policyTrusted && <span className="badge badge-danger">Policy not trusted here</span>}
        {summary.waitingOnMe && <span className="badge badge-accent">Waiting on you</span>}
        {summary.problemCount > 0 && <span className="badge badge-danger">{problemText(summary.problemCount)}</span>}
      </div>
      <ThresholdMeter summary={summary} label={`Approvals for ${name}`} />
      <p className="ceremony-meta">
        {deadline && (
          <>
            <time dateTime={summary.expiresAt} title={exactTime(summary.expiresAt)}>
              {deadline}
            </time>
            {' · '}
          </>
        )}
        <span>
          opened by {summary.openedBy} on{' '}
          <time dateTime={summary.openedAt} title={exactTime(summary.openedAt)}>
            {dayText(summary.openedAt)}
          </time>
        </span>
        {' · '}
        <code className="ceremony-id">{summary.id}</code>
      </p>
      <p className="ceremony-signers">{signersText(summary)}</p>
    </article>
  );
}
