import { useId, useState, type DragEvent, type KeyboardEvent } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage';
import { fileNameOf } from '../../components/files';
import type { PathField } from './format';
import { useOpenCeremony } from './store';

interface PathListFieldProps {
  field: Exclude<PathField, 'policy'>;
  legend: string;
  /** What the files are, for the controls' names: "artifact", "provenance file", "SBOM". */
  noun: string;
  /** The typed-path input's label: "Path of an artifact". */
  pathLabel: string;
  hint: string;
  paths: readonly string[];
  required?: boolean;
}

/** Files for one part of the evidence: browse, type a path, or drop them; each listed with a Remove button. */
export function PathListField({ field, legend, noun, pathLabel, hint, paths, required = false }: PathListFieldProps) {
  const [typed, setTyped] = useState('');
  const [dragging, setDragging] = useState(false);
  const ids = { hint: useId(), input: useId(), error: useId(), note: useId() };
  const browse = useOpenCeremony((s) => s.browse);
  const addTypedPath = useOpenCeremony((s) => s.addTypedPath);
  const removePath = useOpenCeremony((s) => s.removePath);
  const drop = useOpenCeremony((s) => s.drop);
  const error = useOpenCeremony((s) => s.errors[field]);
  const note = useOpenCeremony((s) => s.notes[field]);
  const dismissError = useOpenCeremony((s) => s.dismissError);

  const addTyped = async () => {
    if (await addTypedPath(field, typed)) setTyped('');
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    // Enter adds this path; it must not submit the whole form.
    if (event.key === 'Enter') {
      event.preventDefault();
      void addTyped();
    }
  };
  const onDragOver = (event: DragEvent) => {
    if (!event.dataTransfer.types.includes('Files')) return;
    event.preventDefault();
    setDragging(true);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void drop(field, Array.from(event.dataTransfer.files));
  };

  const describedBy = [ids.hint, error ? ids.error : '', note ? ids.note : ''].filter(Boolean).join(' ');

  return (
    <fieldset
      className={dragging ? 'path-field path-field-dragging' : 'path-field'}
      onDragOver={onDragOver}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      aria-describedby={describedBy}
    >
      <legend>
        {legend}
        {!required && <span className="muted"> (optional)</span>}
      </legend>
      <p id={ids.hint} className="hint">
        {hint} Browse, type a path, or drop {field === 'sbom' ? 'the file' : 'files'} here.
      </p>
      {paths.length > 0 && (
        <ul className="path-list" aria-label={legend}>
          {paths.map((path) => (
            <li key={path}>
              <span className="path-name">{fileNameOf(path)}</span>
              <code className="path-full">{path}</code>
              <button type="button" className="button-quiet button-small" onClick={() => removePath(field, path)} aria-label={`Remove ${fileNameOf(path)}`}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="path-add">
        <button type="button" onClick={() => void browse(field)}>
          {`Browse for ${field === 'sbom' ? 'the SBOM' : legend.toLowerCase()}…`}
        </button>
        <label htmlFor={ids.input} className="visually-hidden">
          {pathLabel}
        </label>
        <input
          id={ids.input}
          type="text"
          spellCheck={false}
          autoComplete="off"
          placeholder="or type a full path"
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
          onKeyDown={onKeyDown}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? ids.error : undefined}
        />
        <button type="button" onClick={() => void addTyped()}>
          {`Add ${noun}`}
        </button>
      </div>
      {error && <ErrorMessage id={ids.error} error={error} onDismiss={() => dismissError(field)} />}
      {note && (
        <p id={ids.note} className="message message-info" role="status">
          {note}
        </p>
      )}
    </fieldset>
  );
}
