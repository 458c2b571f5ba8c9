import { useId } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { FindingsList } from '../../components/FindingsList';
import { errorText } from '../../lib/errors';
import { listText } from '../ceremonies/format';
import { preflightNeeds, type OpeningPreflightAnswer } from './preflight';
import { useOpenCeremony } from './store';
import './preflight.css';

const statusOrder = { fail: 0, warn: 1, pass: 2 } as const;

function verdictTone(answer: OpeningPreflightAnswer): 'ok' | 'warning' | 'danger' {
  if (!answer.blocked) return 'ok';
  return answer.overrideAllowed ? 'warning' : 'danger';
}

/**
 * "Before opening" (issue 16): the evidence in the form judged against the
 * chosen policy as the person fills the form in, before any ceremony exists:
 * whether it would freeze, and each check that fails or warns with what to
 * attach. Checked again by the form on each change, or on "Check again"
 * after a file was changed on disk.
 */
export function OpeningPreflight() {
  const headingId = useId();
  const form = useOpenCeremony((s) => s.form);
  const preflight = useOpenCeremony((s) => s.preflight);
  const checkEvidence = useOpenCeremony((s) => s.checkEvidence);
  const opening = useOpenCeremony((s) => s.phase.kind === 'opening');
  const needs = preflightNeeds(form);
  const { answer, error, checking } = preflight;
  const findings = answer ? [...answer.findings].sort((a, b) => statusOrder[a.status] - statusOrder[b.status]) : [];

  return (
    <section className="opening-preflight" aria-labelledby={headingId}>
      <h3 id={headingId}>Before opening</h3>
      {preflight.key === undefined && (
        <p className="hint">
          Give {listText(needs)}, and the evidence is checked here against the policy before anything is created: you see what would stop the ceremony from freezing, and what to
          attach.
        </p>
      )}
      <BusyStatus texts={checking ? ['Checking the evidence against the policy…'] : []} />
      {error && !checking && <p className="message message-warning">The evidence could not be checked: {errorText(error)}</p>}
      {answer && !checking && (
        <>
          <div role="status">
            <p className={`message message-${verdictTone(answer)}`}>{answer.verdict}</p>
          </div>
          <FindingsList findings={findings} labelledBy={headingId} />
        </>
      )}
      {(answer || error) && !checking && (
        <div className="actions">
          <button type="button" onClick={() => void checkEvidence()} disabled={opening}>
            Check again
          </button>
        </div>
      )}
    </section>
  );
}
