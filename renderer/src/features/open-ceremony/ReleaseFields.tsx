import { useId } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useOpenCeremony } from './store';

type TextField = 'name' | 'version' | 'purl';

function TextInput({ field, label, hint, placeholder }: { field: TextField; label: string; hint?: string; placeholder?: string }) {
  const ids = { input: useId(), hint: useId(), error: useId() };
  const value = useOpenCeremony((s) => s.form[field]);
  const error = useOpenCeremony((s) => s.errors[field]);
  const setText = useOpenCeremony((s) => s.setText);
  const describedBy = [hint ? ids.hint : '', error ? ids.error : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={ids.input}>{label}</label>
      <input
        id={ids.input}
        type="text"
        autoComplete="off"
        spellCheck={false}
        value={value}
        placeholder={placeholder}
        onChange={(event) => setText(field, event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
      {hint && (
        <p id={ids.hint} className="hint">
          {hint}
        </p>
      )}
      {error && <ErrorMessage id={ids.error} error={error} />}
    </div>
  );
}

/** What is being released: its name, version and, optionally, its package URL. */
export function ReleaseFields() {
  return (
    <fieldset className="release-fields">
      <legend>Release</legend>
      <div className="field-row">
        <TextInput field="name" label="Release name" placeholder="e.g. conclave" />
        <TextInput field="version" label="Version" placeholder="e.g. 1.4.0" />
      </div>
      <TextInput field="purl" label="Package URL (optional)" hint="How consumers name this release, e.g. pkg:npm/conclave@1.4.0. Left empty, Conclave makes one from the name and version." placeholder="pkg:…" />
    </fieldset>
  );
}
