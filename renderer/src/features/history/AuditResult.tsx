import { CopyTextButton } from '../../components/CopyTextButton';
import { findingPlace, moreFindingsText, type HistoryAudit } from './verification';

/** What one audit found, below its summary: each problem with where it is, how many more, and the notes (folded). */
export function AuditResult({ audit }: { audit: HistoryAudit }) {
  const more = moreFindingsText(audit.moreFindings);
  return (
    <div className="history-audit">
      {audit.findings.length > 0 && (
        <>
          <ul className="findings" aria-label="Problems found">
            {audit.findings.map((finding, index) => (
              <li key={`${index}-${finding.code}`} className="history-audit-finding">
                <p>
                  <code>{finding.code}</code>: {finding.message}
                </p>
                {findingPlace(finding).length > 0 && (
                  <p className="hint">
                    {findingPlace(finding).map((place, at) => (
                      <span key={place.label}>
                        {at > 0 && ' · '}
                        {place.label} <code>{place.value}</code>
                      </span>
                    ))}
                  </p>
                )}
              </li>
            ))}
          </ul>
          {more && (
            <>
              <p>{more}</p>
              <pre tabIndex={0} aria-label="Audit command">
                {audit.command}
              </pre>
              <div className="actions">
                <CopyTextButton text={audit.command} label="Copy the audit command" />
              </div>
            </>
          )}
        </>
      )}
      {audit.notes.length > 0 && (
        <details className="history-audit-notes">
          <summary>
            {audit.notes.length === 1 ? '1 note' : `${audit.notes.length} notes`} from the verification
          </summary>
          <ul>
            {audit.notes.map((note, index) => (
              <li key={index}>{note}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
