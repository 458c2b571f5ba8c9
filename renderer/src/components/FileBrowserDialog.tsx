import { useEffect, useId, useState, type FormEvent } from 'react';
import { BusyStatus } from './BusyStatus';
import { Dialog } from './Dialog';
import { ErrorMessage } from './ErrorMessage';
import { useFileBrowser } from './fileBrowserStore';
import { formatBytes, joinPath } from './files';
import './FileBrowserDialog.css';

interface FileBrowserDialogProps {
  title: string;
  /** 'files' picks files; 'folder' picks the folder being shown. */
  mode: 'files' | 'folder';
  multiple: boolean;
  onChoose: (paths: string[]) => void;
  onClose: () => void;
}

/** Browses the computer's folders through the core, for shells without a native file dialog. */
export function FileBrowserDialog({ title, mode, multiple, onChoose, onClose }: FileBrowserDialogProps) {
  const listing = useFileBrowser((s) => s.listing);
  const loading = useFileBrowser((s) => s.loading);
  const error = useFileBrowser((s) => s.error);
  const selected = useFileBrowser((s) => s.selected);
  const list = useFileBrowser((s) => s.list);
  const toggle = useFileBrowser((s) => s.toggle);
  const clearSelection = useFileBrowser((s) => s.clearSelection);
  const [typedDir, setTypedDir] = useState('');
  const ids = { go: useId(), entries: useId() };

  useEffect(() => {
    clearSelection();
    void list();
  }, [clearSelection, list]);

  const choose = (event: FormEvent) => {
    event.preventDefault();
    if (mode === 'folder') {
      if (listing) onChoose([listing.dir]);
      return;
    }
    if (selected.length > 0) onChoose([...selected]);
  };

  const go = (event: FormEvent) => {
    event.preventDefault();
    const dir = typedDir.trim();
    if (dir) void list(dir);
  };

  const submitLabel = mode === 'folder' ? 'Choose this folder' : selected.length > 1 ? `Choose ${selected.length} files` : 'Choose';
  const nothingChosen = mode === 'files' && selected.length === 0;

  return (
    <Dialog title={title} onClose={onClose}>
      <div className="file-browser">
        <form className="file-browser-go" onSubmit={go}>
          <label htmlFor={ids.go}>Go to folder</label>
          <div className="inline-field">
            <input id={ids.go} type="text" spellCheck={false} autoComplete="off" value={typedDir} onChange={(event) => setTypedDir(event.target.value)} placeholder={listing?.dir} />
            <button type="submit">Go</button>
          </div>
        </form>
        <p className="file-browser-dir">
          Folder: <code>{listing?.dir ?? '…'}</code>
        </p>
        {listing?.parent && (
          <button type="button" onClick={() => void list(listing.parent)}>
            Up one folder
          </button>
        )}
        <BusyStatus texts={loading ? ['Listing the folder…'] : []} />
        {error && <ErrorMessage error={error} />}
        <form onSubmit={choose}>
          {listing && (
            <ul className="file-entries" id={ids.entries} aria-label={`Contents of ${listing.dir}`}>
              {listing.entries.length === 0 && <li className="muted">This folder is empty.</li>}
              {listing.entries.map((entry) =>
                entry.kind === 'folder' ? (
                  <li key={`d:${entry.name}`}>
                    <button type="button" className="button-quiet file-folder" onClick={() => void list(joinPath(listing.dir, entry.name))} aria-label={`Open folder ${entry.name}`}>
                      <span aria-hidden="true">▸ </span>
                      {entry.name}/
                    </button>
                  </li>
                ) : mode === 'files' ? (
                  <li key={`f:${entry.name}`}>
                    <label className="file-entry">
                      <input
                        type={multiple ? 'checkbox' : 'radio'}
                        name="file"
                        checked={selected.includes(joinPath(listing.dir, entry.name))}
                        onChange={() => toggle(entry.name, multiple)}
                      />
                      <span>{entry.name}</span>
                      {entry.size !== undefined && <span className="muted file-size"> {formatBytes(entry.size)}</span>}
                    </label>
                  </li>
                ) : (
                  <li key={`f:${entry.name}`} className="muted">
                    {entry.name}
                  </li>
                ),
              )}
            </ul>
          )}
          <div className="dialog-actions">
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="button-primary" disabled={nothingChosen || !listing}>
              {submitLabel}
            </button>
          </div>
        </form>
      </div>
    </Dialog>
  );
}
