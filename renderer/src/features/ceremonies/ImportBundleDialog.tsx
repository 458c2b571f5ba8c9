import { useId, type FormEvent } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { Dialog } from '../../components/Dialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { FileBrowserDialog } from '../../components/FileBrowserDialog';
import { useNavigation } from '../../app/navigation';
import type { BundleImportReport } from '../../../../shared/api/contract';
import { bundleImportStore, useBundleImport } from './bundle-import';
import { addedEventText, evidenceText, importHeadline, importStateText, reasonText, refusedEventText, skippedText } from './bundle-words';

/** Import a bundle: browse, type a path or drop the file; then what was added, skipped and refused, in words. */
export function ImportBundleDialog() {
  const open = useBundleImport((s) => s.open);
  const browsing = useBundleImport((s) => s.browsing);
  if (!open) return null;
  const { chooseFromBrowser, closeBrowser } = bundleImportStore.getState();
  return (
    <>
      <ImportBundleForm />
      {browsing && <FileBrowserDialog title="Choose the bundle file" mode="files" multiple={false} onChoose={(paths) => void chooseFromBrowser(paths)} onClose={closeBrowser} />}
    </>
  );
}

function ImportBundleForm() {
  const ids = { path: useId(), hint: useId(), error: useId() };
  const path = useBundleImport((s) => s.path);
  const working = useBundleImport((s) => s.working);
  const report = useBundleImport((s) => s.report);
  const importedFrom = useBundleImport((s) => s.importedFrom);
  const error = useBundleImport((s) => s.error);
  const note = useBundleImport((s) => s.note);
  const { setPath, browse, importBundle, close } = bundleImportStore.getState();
  const go = useNavigation((s) => s.go);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void importBundle();
  };
  const review = (id: string) => {
    close();
    go({ screen: 'ceremony', ceremonyId: id });
  };

  return (
    <Dialog title="Import a ceremony bundle" onClose={close}>
      <form className="form" onSubmit={submit} noValidate>
        <p id={ids.hint} className="hint">
          A bundle (…conclave-bundle.json) carries a ceremony between machines, such as an offline signing laptop. Conclave adds only the events whose signatures check against the ceremony's own policy, and
          says why about anything it refuses. You can also drop the file anywhere on the window.
        </p>
        <div className="field">
          <label htmlFor={ids.path}>Bundle file</label>
          <div className="inline-field">
            <input
              id={ids.path}
              type="text"
              spellCheck={false}
              autoComplete="off"
              placeholder="full path of the bundle file"
              value={path}
              onChange={(event) => setPath(event.target.value)}
              readOnly={working}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? ids.error : ids.hint}
              data-autofocus
            />
            <button type="button" onClick={() => void browse()} disabled={working}>
              Browse…
            </button>
          </div>
        </div>
        {note && (
          <p className="message message-info" role="status">
            {note}
          </p>
        )}
        {error && <ErrorMessage id={ids.error} error={error} />}
        <BusyStatus texts={working ? ['Checking the bundle’s signatures and importing…'] : []} />
        {report && <ImportReportView report={report} path={importedFrom} onReview={review} />}
        <div className="dialog-actions">
          <button type="button" onClick={close}>
            {report ? 'Close' : 'Cancel'}
          </button>
          <button type="submit" className={report ? undefined : 'button-primary'} aria-disabled={working ? true : undefined}>
            {report ? 'Import another' : 'Import'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ImportReportView({ report, path, onReview }: { report: BundleImportReport; path: string | undefined; onReview: (id: string) => void }) {
  const headingId = useId();
  const refused = report.refused.length + report.evidence.refused.length > 0;
  const state = importStateText(report);
  const skipped = skippedText(report);
  const evidence = evidenceText(report);
  return (
    <section className="import-report" aria-labelledby={headingId}>
      <h3 id={headingId}>Import report</h3>
      <p className={`message ${refused ? 'message-warning' : 'message-ok'}`} role="status">
        {importHeadline(report)}
      </p>
      {path && (
        <p className="hint">
          From <code>{path}</code>
        </p>
      )}
      {report.newCeremony && report.policyDigest && (
        <p>
          This ceremony is new on this computer: its policy came with the bundle. Check that its digest <code className="digest">sha256:{report.policyDigest}</code> is the one your team agreed on.
        </p>
      )}
      {report.added.length > 0 && (
        <>
          <h4>Added</h4>
          <ul aria-label="Added">
            {report.added.map((added) => (
              <li key={added.name}>{addedEventText(added)}</li>
            ))}
          </ul>
        </>
      )}
      {skipped && <p>{skipped}</p>}
      {refused && (
        <>
          <h4>Refused</h4>
          <ul aria-label="Refused">
            {report.refused.map((refusal) => (
              <li key={refusal.name}>
                <strong>{refusedEventText(refusal)}</strong>
                {refusal.conflict ? ' (conflict)' : ''}: {reasonText(refusal.reason)} <code className="path-full">{refusal.name}</code>
              </li>
            ))}
            {report.evidence.refused.map((refusal) => (
              <li key={refusal.name}>
                <strong>An evidence file</strong>: {reasonText(refusal.reason)} <code className="path-full">{refusal.name}</code>
              </li>
            ))}
          </ul>
          <p className="hint">Everything else that verified was kept. Ask whoever made the bundle to export it again.</p>
        </>
      )}
      {evidence && <p>{evidence}</p>}
      {state && <p>{state}</p>}
      {report.notes.map((note) => (
        <p key={note} className="message message-warning">
          {note}
        </p>
      ))}
      {report.state && (
        <div className="actions">
          <button type="button" className="button-primary" onClick={() => onReview(report.ceremonyId)}>
            Review the ceremony
          </button>
        </div>
      )}
    </section>
  );
}
