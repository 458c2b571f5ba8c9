import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { CopyTextButton } from '../../components/CopyTextButton';
import { ErrorMessage } from '../../components/ErrorMessage';
import { errorText } from '../../lib/errors';
import { RevealFolderButton } from '../../components/RevealFolderButton';
import { SignAs } from '../../components/SignAs';
import { offers, publishedFiles, publishVerdict, unlocatedArtifactsText } from './format';
import { chosenKey } from './signer';
import { useCeremony, type PublicationState } from './store';

/**
 * Publishing, once the policy is satisfied: where the files go and who signs
 * the publication (an approver or release manager), then the verified result.
 * The PIN lives only in this panel's state and is cleared as soon as the
 * token answers.
 */
export function PublishPanel() {
  const [pin, setPin] = useState('');
  const pinRef = useRef<HTMLInputElement>(null);
  const headingId = useId();
  const dirId = useId();
  const errorId = useId();
  const detail = useCeremony((s) => s.detail);
  const publication = useCeremony((s) => s.publication);
  const loadPublishDir = useCeremony((s) => s.loadPublishDir);
  const loadPublishKeys = useCeremony((s) => s.loadPublishKeys);
  const selectKey = useCeremony((s) => s.selectPublishKey);
  const setOutDir = useCeremony((s) => s.setOutDir);
  const browse = useCeremony((s) => s.browsePublishDir);
  const publish = useCeremony((s) => s.publish);
  const cancelPublish = useCeremony((s) => s.cancelPublish);
  const loadForecast = useCeremony((s) => s.loadPublishForecast);
  // Offered only when the core says publishing is what may happen next (the policy is met, and trusted here).
  const approved = detail !== undefined && offers(detail, 'publish');

  useEffect(() => {
    if (!approved) return;
    void loadPublishDir();
    void loadPublishKeys();
  }, [approved, loadPublishDir, loadPublishKeys]);

  // Before anything is pushed: what each verifier will say, for the key chosen to sign the publication.
  useEffect(() => {
    if (approved) void loadForecast();
  }, [approved, publication.keyUri, loadForecast]);

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

  const key = chosenKey(publication);
  // Only a publication that pushes to a registry has something to cancel: files are written in a moment.
  const hasImages = detail.artifacts.some((artifact) => artifact.reference !== undefined);
  const unlocated = result ? unlocatedArtifactsText(result) : undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (publication.working) return;
    const done = await publish(pin);
    // The PIN was for this one signature: it goes whatever the answer.
    setPin('');
    if (!done) pinRef.current?.focus();
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
          <p>Check the release with this command, in a terminal (sh, bash or zsh), from any folder:</p>
          <pre tabIndex={0} aria-label="Verify command">
            {result.verifyCommand}
          </pre>
          {unlocated && <p className="message message-warning">{unlocated}</p>}
          <div className="actions">
            <CopyTextButton text={result.verifyCommand} label="Copy the verify command" />
            <CopyTextButton text={result.directory} label="Copy folder path" />
            <RevealFolderButton path={result.envelopePath} />
          </div>
        </div>
      ) : (
        <form className="form publish-form" onSubmit={(event) => void submit(event)} noValidate>
          <div className="publish-main">
            <p className="hint">Writes one DSSE envelope with every approval, a Sigstore bundle per approver and a summary, then verifies them.</p>
            <div className="field">
              <label htmlFor={dirId}>Publish to folder</label>
              <div className="inline-field">
                <input id={dirId} type="text" spellCheck={false} autoComplete="off" value={publication.outDir} onChange={(event) => setOutDir(event.target.value)} readOnly={publication.working} />
                <button type="button" onClick={() => void browse()} disabled={publication.working}>
                  Choose folder…
                </button>
              </div>
            </div>
            <SignAs
              legend="Sign the publication as"
              keys={publication.keys}
              loading={publication.loadingKeys}
              loadError={publication.keysError}
              onReload={loadPublishKeys}
              selected={publication.keyUri}
              onSelect={selectKey}
              pin={pin}
              onPinChange={setPin}
              working={publication.working}
              noneEligibleText="None of the keys attached belongs to an approver or release manager of this ceremony's policy; the list says why. Insert your token, then press Look again."
              errorId={publication.error ? errorId : undefined}
              pinRef={pinRef}
            />
            {publication.error && <ErrorMessage id={errorId} error={publication.error} />}
            <BusyStatus
              texts={
                publication.cancelRequested
                  ? ['Cancelling: nothing more is sent to the registry…']
                  : publication.working
                    ? [key ? `Signing the publication with ${key.tokenLabel}, then writing and verifying…` : 'Publishing and verifying…']
                    : []
              }
            />
            <div className="actions">
              <button type="submit" className="button-primary" aria-disabled={publication.working ? true : undefined}>
                Publish
              </button>
              {publication.working && hasImages && (
                <button type="button" onClick={() => void cancelPublish()} aria-disabled={publication.cancelRequested ? true : undefined}>
                  Cancel
                </button>
              )}
            </div>
          </div>
          {/* Beside the form, not above it: read before pressing Publish, without pushing Publish out of view. */}
          <VerifierForecast forecast={publication.forecast} error={publication.forecastError} />
        </form>
      )}
    </section>
  );
}

/** One line per verifier a consumer runs, as Conclave computes it from their documented rules (shared/verify/forecast.ts). */
function VerifierForecast({ forecast, error }: { forecast: PublicationState['forecast']; error: PublicationState['forecastError'] }) {
  const headingId = useId();
  if (error) return <p className="message message-warning">Conclave could not tell what each verifier will say: {errorText(error)}</p>;
  if (!forecast) return null;
  return (
    <section className="verifier-forecast" aria-labelledby={headingId}>
      <h4 id={headingId}>What each verifier will say</h4>
      <ul>
        {forecast.verifiers.map((entry) => (
          <li key={`${entry.verifier}-${entry.approverId ?? ''}`} data-verdict={entry.verdict} className={entry.verdict === 'refuses' ? 'message-warning' : undefined}>
            {entry.line}
            {entry.reasons.length > 0 && (
              <ul>
                {entry.reasons.map((reason) => (
                  <li key={reason}>{reason}</li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
