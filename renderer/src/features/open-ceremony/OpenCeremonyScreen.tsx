import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage';
import { FileBrowserDialog } from '../../components/FileBrowserDialog';
import { browseTitle, pickMultiple } from './format';
import { OpeningProgress } from './OpeningProgress';
import { OpenOutcome } from './OpenOutcome';
import { OpeningPreflight } from './OpeningPreflight';
import { OpenSigner } from './OpenSigner';
import { ImagesField } from './ImagesField';
import { PathListField } from './PathListField';
import { PolicyField } from './PolicyField';
import { neverFreezes, notOfferedText, preflightInputOf, preflightKey } from './preflight';
import { ReleaseFields } from './ReleaseFields';
import { useOpenCeremony } from './store';
import './open-ceremony.css';

export function OpenCeremonyScreen() {
  const headingId = useId();
  const signerErrorId = useId();
  const notOfferedId = useId();
  // The opening's PIN: only here, sent once with the opening, and emptied as soon as the opening starts.
  const [pin, setPin] = useState('');
  const pinRef = useRef<HTMLInputElement>(null);
  const start = useOpenCeremony((s) => s.start);
  const phase = useOpenCeremony((s) => s.phase);
  const form = useOpenCeremony((s) => s.form);
  const openError = useOpenCeremony((s) => s.errors.open);
  const openNote = useOpenCeremony((s) => s.notes.open);
  const open = useOpenCeremony((s) => s.open);
  const cancelOpening = useOpenCeremony((s) => s.cancelOpening);
  const setSha512 = useOpenCeremony((s) => s.setSha512);
  const dismissError = useOpenCeremony((s) => s.dismissError);
  const browsing = useOpenCeremony((s) => s.browsing);
  const chooseFromBrowser = useOpenCeremony((s) => s.chooseFromBrowser);
  const closeBrowser = useOpenCeremony((s) => s.closeBrowser);
  const signerError = useOpenCeremony((s) => s.errors.signer);
  const preflight = useOpenCeremony((s) => s.preflight);

  useEffect(() => start(), [start]);

  const opening = phase.kind === 'opening';
  // The pre-flight of the evidence as it is now says the ceremony could never take approvals: opening is not offered.
  const notOffered = !preflight.checking && preflight.key === preflightKey(preflightInputOf(form)) && neverFreezes(preflight.answer);

  // The PIN went with the call: it is not kept in the form while the artifacts are hashed, nor after.
  if (opening && pin) setPin('');

  // The token refused the key or the PIN: back to the PIN (emptied) to type it again.
  useEffect(() => {
    if (signerError && signerError.code !== 'invalid-input' && !opening) pinRef.current?.focus();
  }, [signerError, opening]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void open(pin);
  };

  return (
    <section className="screen" aria-labelledby={headingId}>
      <div className="screen-header">
        <h2 id={headingId}>Open a ceremony</h2>
      </div>

      {phase.kind === 'opened' ? (
        <OpenOutcome detail={phase.detail} />
      ) : (
        <form className="open-form" onSubmit={submit} noValidate>
          <fieldset className="open-fields" disabled={opening}>
            <ReleaseFields />
            <PathListField
              field="artifacts"
              legend="Artifacts"
              noun="artifact"
              pathLabel="Path of an artifact"
              hint="The files being released: each is hashed (SHA-256) and named in the release statement."
              paths={form.artifactPaths}
              required
            />
            <ImagesField />
            <PathListField
              field="provenance"
              legend="Provenance"
              noun="provenance file"
              pathLabel="Path of a provenance file"
              hint="SLSA provenance or other in-toto statements from CI, raw, in DSSE or in a Sigstore bundle. Without it the evidence checks fail; Before opening says whether this policy lets the ceremony go on."
              paths={form.provenancePaths}
            />
            <PathListField
              field="sbom"
              legend="SBOM"
              noun="SBOM"
              pathLabel="Path of the SBOM"
              hint="A CycloneDX or SPDX JSON document describing what the release contains."
              paths={form.sbomPath ? [form.sbomPath] : []}
            />
            <PolicyField />
            <div className="check-field">
              <input id={`${headingId}-sha512`} type="checkbox" checked={form.sha512} onChange={(event) => setSha512(event.target.checked)} />
              <label htmlFor={`${headingId}-sha512`}>SHA-512 too</label>
              <span className="hint">Name each artifact by its SHA-512 digest as well as SHA-256 (hashing takes about twice as long).</span>
            </div>
            <OpenSigner pin={pin} onPinChange={setPin} pinRef={pinRef} errorId={signerErrorId} />
          </fieldset>

          {opening ? (
            <OpeningProgress progress={phase.progress} cancelRequested={phase.cancelRequested} onCancel={() => void cancelOpening()} />
          ) : (
            <div className="actions">
              <button type="submit" className="button-primary" aria-disabled={notOffered ? true : undefined} aria-describedby={notOffered ? notOfferedId : undefined}>
                Open ceremony
              </button>
              {notOffered && (
                <p id={notOfferedId} className="hint open-not-offered">
                  {notOfferedText}
                </p>
              )}
            </div>
          )}
          {/* Right below the action it judges: its answer arriving moves nothing the person is about to press. */}
          <OpeningPreflight />
          {openError && <ErrorMessage error={openError} onDismiss={() => dismissError('open')} />}
          <div role="status">{openNote && <p className="message message-info">{openNote}</p>}</div>
        </form>
      )}

      {browsing && (
        <FileBrowserDialog
          title={browseTitle[browsing]}
          mode="files"
          multiple={pickMultiple[browsing]}
          onChoose={(paths) => void chooseFromBrowser(paths)}
          onClose={closeBrowser}
        />
      )}
    </section>
  );
}
