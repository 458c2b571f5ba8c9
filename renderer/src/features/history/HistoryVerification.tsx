import { useId } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useNow } from '../ceremonies/use-now';
import { useRepository } from '../settings/repository-store';
import { AuditResult } from './AuditResult';
import { auditSummary, verificationWords } from './verification';
import { useVerification } from './verification-store';

const toneClass = { ok: 'message-ok', info: 'message-info', neutral: 'message-neutral', error: 'message-error' } as const;

/**
 * What this machine has verified of the store's history, and "Verify history",
 * which re-checks all of it as `conclave audit verify` does.
 */
export function HistoryVerification() {
  const stateId = useId();
  const status = useRepository((s) => s.status);
  const busy = useVerification((s) => s.busy);
  const result = useVerification((s) => s.result);
  const error = useVerification((s) => s.error);
  const verify = useVerification((s) => s.verify);
  const dismissError = useVerification((s) => s.dismissError);
  const now = useNow();
  const words = verificationWords(status, now);
  const summary = result ? auditSummary(result) : undefined;

  return (
    <div className="history-verification" role="group" aria-label="History verification">
      <div className={`message ${toneClass[words.tone]}`}>
        <p id={stateId}>{words.text}</p>
      </div>
      <div className="actions">
        <button type="button" onClick={() => void verify()} aria-disabled={busy ? true : undefined} aria-describedby={stateId}>
          Verify history
        </button>
        <span className="hint">Re-checks every event, signature, published envelope and the git history, as conclave audit verify does.</span>
      </div>
      <BusyStatus texts={busy ? [busy] : []} />
      {/* Always in the page, so the outcome is announced when it arrives; the details below are not read out. */}
      <div role="status">
        {summary && (
          <div className={`message ${toneClass[summary.tone]}`}>
            <p>{summary.text}</p>
          </div>
        )}
      </div>
      {result && <AuditResult audit={result} />}
      {error && <ErrorMessage error={error} onDismiss={dismissError} />}
    </div>
  );
}
