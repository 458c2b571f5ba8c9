import { useId, useState } from 'react';
import type { CeremonyDetail } from '../../../../shared/api/contract';
import { Digest } from '../../components/Digest';
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
                  <Digest value={artifact.sha256} copyLabel={`Copy SHA-256 of ${artifact.name}`} />
                  {artifact.sha512 && (
                    <p className="hint">
                      SHA-512 <Digest value={artifact.sha512} copyLabel={`Copy SHA-512 of ${artifact.name}`} />
                    </p>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {detail.statement ? (
        <>
          <p>
            Statement digest (SHA-256 of the frozen in-toto statement): <Digest value={detail.statement.digest} copyLabel="Copy the statement digest" />
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
