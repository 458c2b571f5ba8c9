import { useId, useState } from 'react';
import type { CeremonyDetail } from '../../../../shared/api/contract';
import { CopyTextButton } from '../../components/CopyTextButton';
import { formatBytes } from '../../components/files';
import { imageArtifactView } from './format';

/** Exactly what approvers sign: the release, each artifact with its digest, and the frozen statement's digest (raw statement one click away). */
export function SignedContent({ detail }: { detail: CeremonyDetail }) {
  const headingId = useId();
  const rawId = useId();
  const [showRaw, setShowRaw] = useState(false);
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h3 id={headingId}>What is being signed</h3>
      <dl className="facts">
        <div>
          <dt>Release</dt>
          <dd>{detail.release.name}</dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd>{detail.release.version}</dd>
        </div>
        <div>
          <dt>Package URL</dt>
          <dd>
            <code>{detail.release.purl}</code>
          </dd>
        </div>
      </dl>
      <table className="table artifacts">
        <caption>Artifacts</caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Size</th>
            <th scope="col">SHA-256</th>
          </tr>
        </thead>
        <tbody>
          {detail.artifactDetails.map((artifact) => {
            const image = imageArtifactView(artifact, detail.findings);
            return (
              <tr key={artifact.name}>
                <th scope="row">
                  {artifact.name}
                  {image && (
                    <>
                      <p className="hint">
                        Image, pinned: <code className="digest">{image.pinned}</code>
                      </p>
                      <p className="hint">{image.resolvedFrom ? `Resolved from ${image.resolvedFrom} when the ceremony opened.` : 'Given by digest.'}</p>
                    </>
                  )}
                </th>
                <td>{artifact.size === undefined ? '—' : formatBytes(artifact.size)}</td>
                <td>
                  <code className="digest">{artifact.sha256}</code>
                  {artifact.sha512 && (
                    <p className="hint">
                      SHA-512 <code className="digest">{artifact.sha512}</code>
                    </p>
                  )}
                  <CopyTextButton text={artifact.sha256} label={`Copy SHA-256 of ${artifact.name}`} refusedAdvice="Select the digest and copy it yourself." />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {detail.statement ? (
        <>
          <p>
            Statement digest (SHA-256 of the frozen in-toto statement): <code className="digest">{detail.statement.digest}</code>{' '}
            <CopyTextButton text={detail.statement.digest} label="Copy the statement digest" refusedAdvice="Select the digest and copy it yourself." />
          </p>
          <button type="button" className="disclosure button-quiet" aria-expanded={showRaw} aria-controls={rawId} onClick={() => setShowRaw(!showRaw)}>
            Show the raw statement
          </button>
          <pre id={rawId} hidden={!showRaw} tabIndex={0} aria-label="Raw release statement">
            {detail.statement.json}
          </pre>
        </>
      ) : (
        <p className="muted">Not frozen yet: there is no statement to sign until the findings are settled.</p>
      )}
    </section>
  );
}
