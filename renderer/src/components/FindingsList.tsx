import type { CeremonyDetail } from '../../../shared/api/contract';
import './FindingsList.css';

type Finding = CeremonyDetail['findings'][number];

export const findingStatusText: Record<Finding['status'], string> = { pass: 'Pass', warn: 'Warning', fail: 'Fail' };
const tone: Record<Finding['status'], string> = { pass: 'ok', warn: 'warning', fail: 'danger' };

/** The cross-checks Conclave made on the evidence, each with its sentence, and any override with who made it and why. */
export function FindingsList({ findings, labelledBy }: { findings: readonly Finding[]; labelledBy?: string }) {
  if (findings.length === 0) return <p className="muted">No checks were made on this evidence.</p>;
  return (
    <ul className="findings" aria-labelledby={labelledBy}>
      {findings.map((finding) => (
        <li key={finding.id} className={`finding finding-${finding.status}`}>
          <span className={`badge badge-${tone[finding.status]}`}>{findingStatusText[finding.status]}</span>
          <div>
            <p>{finding.message}</p>
            {finding.override && (
              <p className="finding-override">
                Overridden by {finding.override.by}: “{finding.override.reason}”
              </p>
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}
