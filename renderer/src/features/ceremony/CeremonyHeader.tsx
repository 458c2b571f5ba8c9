import { useId } from 'react';
import type { CeremonyDetail } from '../../../../shared/api/contract';
import { useNavigation } from '../../app/navigation';
import { meterText, releaseTitle, stateText, stateTone, stillNeededText } from './format';
import { nextAction, waitingText, type NextAction } from './next-action';
import { useCeremony } from './store';
import { VerifyAgain } from './VerifyAgain';

/**
 * The top of a ceremony's screen, always in view without scrolling: its
 * state (once), the threshold meter with "N of M approvals" (once), who is
 * still needed, and the one next step for this person. Approving and
 * publishing happen in the panel placed right under this header; waiting,
 * verifying and the closed states are said here.
 */
export function CeremonyHeader({ detail, headingId }: { detail: CeremonyDetail; headingId: string }) {
  const action = nextAction(detail);
  const threshold = Math.max(1, detail.policy.threshold);
  const stillNeeded = stillNeededText(detail);
  return (
    <header className="ceremony-header">
      <div className="screen-header">
        <h2 id={headingId}>{releaseTitle(detail.release)}</h2>
        <span className={`badge badge-${stateTone[detail.state]}`}>{stateText[detail.state]}</span>
      </div>
      <div className="ceremony-standing">
        <meter className="meter" aria-label="Approvals counted" min={0} max={threshold} low={threshold} optimum={threshold} value={Math.min(detail.counted, threshold)} />
        <span className="meter-text">{meterText(detail.counted, detail.policy.threshold)}</span>
        {stillNeeded && <span className="still-needed">{stillNeeded}</span>}
        <span className="muted ceremony-id">
          Ceremony <code>{detail.id}</code>
        </span>
      </div>
      <NextStep action={action} />
    </header>
  );
}

const stepLabel = 'Next step';

function NextStep({ action }: { action: NextAction }) {
  const labelId = useId();
  const go = useNavigation((s) => s.go);
  const openCancel = useCeremony((s) => s.openCancel);
  const body = (() => {
    switch (action.kind) {
      case 'approve':
        return <p>Your approval is needed. Confirm your review below, then press Approve…</p>;
      case 'publish':
        return <p>The policy is met: publish the release below.</p>;
      case 'wait':
        return (
          <p role="status">
            <strong>{waitingText(action)}</strong>: nothing to sign with the keys attached here.
          </p>
        );
      case 'verify':
        return <VerifyAgain />;
      case 'trust-policy':
        return (
          <div className="next-step-row">
            <p>This machine takes no decision on this ceremony until its policy is trusted here.</p>
            <button type="button" className="button-primary" onClick={() => go({ screen: 'settings' })}>
              Review the policy in Settings
            </button>
          </div>
        );
      case 'none':
        return (
          <div className="next-step-row">
            <p>{action.reason}</p>
            {action.cancel && (
              <button type="button" className="button-danger-quiet" onClick={() => void openCancel()}>
                Cancel this ceremony…
              </button>
            )}
          </div>
        );
    }
  })();
  return (
    <section className={`next-step next-step-${action.kind}`} aria-labelledby={labelId}>
      <h3 id={labelId} className="next-step-label label-caps">
        {stepLabel}
      </h3>
      {body}
    </section>
  );
}
