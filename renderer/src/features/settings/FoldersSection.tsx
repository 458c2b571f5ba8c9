import { useId } from 'react';
import { CopyTextButton } from '../../components/CopyTextButton';
import type { Folders } from './store';

const folderRows: { key: keyof Folders; title: string; copyLabel: string; hint: string }[] = [
  { key: 'dataDir', title: 'Data folder', copyLabel: 'Copy data folder', hint: 'Settings, policies and the list of modules you added.' },
  { key: 'storeDir', title: 'Ceremony store', copyLabel: 'Copy store folder', hint: 'Every ceremony and its tamper-evident history.' },
  { key: 'publishDir', title: 'Publish folder', copyLabel: 'Copy publish folder', hint: 'Where published envelopes and bundles are written unless you choose another folder.' },
];

/** Where Conclave keeps its files: shown, not edited here (set CONCLAVE_HOME before starting Conclave to move them). */
export function FoldersSection({ folders }: { folders: Folders | undefined }) {
  const headingId = useId();
  return (
    <section className="settings-section" aria-labelledby={headingId}>
      <h3 id={headingId}>Folders</h3>
      {folders && (
        <dl className="folders">
          {folderRows.map((row) => (
            <div key={row.key} className="folder">
              <dt>{row.title}</dt>
              <dd>
                <code className="folder-path">{folders[row.key]}</code>
                <span className="actions">
                  <CopyTextButton text={folders[row.key]} label={row.copyLabel} refusedAdvice="Select the path and copy it yourself." />
                </span>
                <span className="hint">{row.hint}</span>
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
