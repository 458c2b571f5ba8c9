import { useEffect, useId, type FormEvent } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { CopyTextButton } from '../../components/CopyTextButton';
import { ErrorMessage } from '../../components/ErrorMessage';
import { RevealFolderButton } from '../../components/RevealFolderButton';
import { publishedFiles, publishVerdict } from './format';
import { useCeremony } from './store';

/** Publishing, once the policy is satisfied: where the files go, then the verified result. */
export function PublishPanel() {
  const headingId = useId();
  const dirId = useId();
  const detail = useCeremony((s) => s.detail);
  const publication = useCeremony((s) => s.publication);
  const loadPublishDir = useCeremony((s) => s.loadPublishDir);
  const setOutDir = useCeremony((s) => s.setOutDir);
  const browse = useCeremony((s) => s.browsePublishDir);
  const publish = useCeremony((s) => s.publish);
  const approved = detail?.state === 'approved';

  useEffect(() => {
    if (approved) void loadPublishDir();
  }, [approved, loadPublishDir]);

  if (!detail) return null;
  const result = publication.result;
  if (!approved && !result) {
    if (detail.state !== 'published' || !detail.published) return null;
    return (
      <section className="panel" aria-labelledby={headingId}>
        <h3 id={headingId}>Published</h3>
        <p>
          Published; the envelope's SHA-256 is <code className="digest">{detail.published.envelopeDigest}</code>.
        </p>
      </section>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void publish();
  };

  return (
    <section className="panel panel-publish" aria-labelledby={headingId}>
      <h3 id={headingId}>Publish</h3>
      {result ? (
        <div className="publish-result">
          <p className="message message-ok" role="status">
            <strong>{publishVerdict(result)}</strong>
          </p>
          <p>
            Written to <code>{result.directory}</code>
          </p>
          <ul className="published-files">
            {publishedFiles(result).map((file) => (
              <li key={file.path}>
                {file.label}: <code>{file.path}</code>
              </li>
            ))}
          </ul>
          <p>Anyone can check the release with:</p>
          <pre tabIndex={0} aria-label="Verify command">
            {result.verifyCommand}
          </pre>
          <div className="actions">
            <CopyTextButton text={result.verifyCommand} label="Copy the verify command" />
            <CopyTextButton text={result.directory} label="Copy folder path" />
            <RevealFolderButton path={result.envelopePath} />
          </div>
        </div>
      ) : (
        <form className="form" onSubmit={submit} noValidate>
          <p>The policy is satisfied. Publishing writes one DSSE envelope with every approval, a Sigstore bundle per approver and a summary, then verifies them.</p>
          <div className="field">
            <label htmlFor={dirId}>Publish to folder</label>
            <div className="inline-field">
              <input id={dirId} type="text" spellCheck={false} autoComplete="off" value={publication.outDir} onChange={(event) => setOutDir(event.target.value)} readOnly={publication.working} />
              <button type="button" onClick={() => void browse()} disabled={publication.working}>
                Choose folder…
              </button>
            </div>
          </div>
          {publication.error && <ErrorMessage error={publication.error} />}
          <BusyStatus texts={publication.working ? ['Publishing and verifying…'] : []} />
          <div className="actions">
            <button type="submit" className="button-primary" aria-disabled={publication.working ? true : undefined}>
              Publish
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
