import { useId } from 'react';
import type { CeremonyDetail } from '../../../../shared/api/contract';
import type { ShownStatement, SignKind } from './store';
import { readStatement, statementDiscrepancies } from './statement';

const leadText: Record<SignKind, string> = {
  approve: 'Your approval signs exactly this statement:',
  reject: 'Your rejection names exactly this statement:',
  withdraw: 'Your withdrawal takes back your approval of exactly this statement:',
};

/**
 * What the signature binds, read from the statement's own bytes (not from the
 * opening): its subjects with their SHA-256, the release's package URL, the
 * policy's digest, and the digest of the statement itself. Shown right above
 * the Sign button.
 */
export function StatementToSign({ kind, statement, detail }: { kind: SignKind; statement: ShownStatement; detail: CeremonyDetail }) {
  const headingId = useId();
  const reading = readStatement(statement.json);
  const problems = reading.ok ? statementDiscrepancies(reading.view, detail) : [];
  return (
    <section className="statement-to-sign" aria-labelledby={headingId}>
      <h3 id={headingId}>What you sign</h3>
      {reading.ok ? (
        <>
          <p>{leadText[kind]}</p>
          <div className="statement-subjects" tabIndex={0} role="group" aria-label="Subjects of the statement">
            <table className="table">
              <caption>Subjects ({reading.view.subjects.length})</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">SHA-256</th>
                </tr>
              </thead>
              <tbody>
                {reading.view.subjects.map((subject) => (
                  <tr key={`${subject.name} ${subject.sha256}`}>
                    <th scope="row">
                      <code>{subject.name}</code>
                    </th>
                    <td>
                      <code className="digest">{subject.sha256}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <dl className="facts facts-stacked">
            <div>
              <dt>Release</dt>
              <dd>
                <code>{reading.view.release.purl}</code>
              </dd>
            </div>
            <div>
              <dt>Policy</dt>
              <dd>
                <code className="digest">sha256:{reading.view.policyDigest}</code>
              </dd>
            </div>
            <div>
              <dt>Statement</dt>
              <dd>
                <code className="digest">sha256:{statement.digest}</code>
              </dd>
            </div>
          </dl>
          {problems.length > 0 && (
            <div className="message message-danger" role="alert">
              <div>
                <p>
                  <strong>Do not sign: the statement does not match this ceremony.</strong>
                </p>
                <ul>
                  {problems.map((problem) => (
                    <li key={problem}>{problem}</li>
                  ))}
                </ul>
              </div>
            </div>
          )}
        </>
      ) : (
        <div className="message message-danger" role="alert">
          <p>
            Conclave cannot show what this statement says ({reading.reason}), so it will not sign it. Its digest is <code className="digest">sha256:{statement.digest}</code>.
          </p>
        </div>
      )}
    </section>
  );
}
