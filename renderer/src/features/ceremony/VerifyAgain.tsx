import { BusyStatus } from '../../components/BusyStatus';
import { ErrorMessage } from '../../components/ErrorMessage';
import { formatInstant } from './format';
import { useCeremony } from './store';

/** For auditors: re-checks every signature and the history with the same verifier as `conclave verify`. */
export function VerifyAgain() {
  const verify = useCeremony((s) => s.verify);
  const verifyAgain = useCeremony((s) => s.verifyAgain);
  return (
    <div className="verify">
      <button type="button" onClick={() => void verifyAgain()} aria-disabled={verify.working ? true : undefined}>
        Verify again
      </button>
      <BusyStatus texts={verify.working ? ['Checking every signature…'] : []} />
      {verify.error && <ErrorMessage error={verify.error} />}
      {verify.result && (
        <div className={`message ${verify.result.ok ? 'message-ok' : 'message-danger'}`} role="status" aria-label="Verification result">
          <div>
            {verify.result.lines.map((line, index) => (
              <p key={index}>{line}</p>
            ))}
            <p className="hint">Checked {formatInstant(verify.result.checkedAt)}.</p>
          </div>
        </div>
      )}
    </div>
  );
}
