import { useId, type FormEvent } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { CopyTextButton } from '../../components/CopyTextButton';
import { ErrorMessage } from '../../components/ErrorMessage';
import { RevealFolderButton } from '../../components/RevealFolderButton';
import { exportContentsText } from '../ceremonies/bundle-words';
import { useCeremony } from './store';

/** "Export for an offline machine": the whole ceremony in one bundle file, to carry to an air-gapped laptop and back (issue 5). */
export function ExportBundlePanel() {
  const headingId = useId();
  const ids = { dir: useId(), hint: useId() };
  const bundleExport = useCeremony((s) => s.bundleExport);
  const setDir = useCeremony((s) => s.setExportDir);
  const browse = useCeremony((s) => s.browseExportDir);
  const exportBundle = useCeremony((s) => s.exportBundle);
  const { result, working, error, dir } = bundleExport;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void exportBundle();
  };

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h3 id={headingId}>Offline machines</h3>
      <form className="form" onSubmit={submit} noValidate>
        <p id={ids.hint} className="hint">
          Writes the whole ceremony (its events, policy and evidence) to one bundle file. Carry it to an air-gapped signing laptop, import it there, sign, and bring the bundle that laptop exports back
          here. Leave the folder empty to write into Conclave’s exports folder.
        </p>
        <div className="field">
          <label htmlFor={ids.dir}>Write the bundle into folder</label>
          <div className="inline-field">
            <input id={ids.dir} type="text" spellCheck={false} autoComplete="off" placeholder="Conclave’s exports folder" value={dir} onChange={(event) => setDir(event.target.value)} readOnly={working} aria-describedby={ids.hint} />
            <button type="button" onClick={() => void browse()} disabled={working}>
              Choose folder…
            </button>
          </div>
        </div>
        {error && <ErrorMessage error={error} />}
        <BusyStatus texts={working ? ['Writing the bundle…'] : []} />
        <div className="actions">
          <button type="submit" aria-disabled={working ? true : undefined}>
            Export for an offline machine
          </button>
        </div>
      </form>
      {result && (
        <div className="export-result" role="status" aria-label="Bundle written">
          <p className="message message-ok">
            Wrote <strong>{result.fileName}</strong>
          </p>
          <p>
            <code>{result.path}</code>
          </p>
          <p>{exportContentsText(result)}</p>
          {result.leftOut.map((line) => (
            <p key={line} className="message message-warning">
              Left out: {line}
            </p>
          ))}
          <div className="actions">
            <CopyTextButton text={result.path} label="Copy the bundle’s path" />
            <RevealFolderButton path={result.path} />
          </div>
        </div>
      )}
    </section>
  );
}
