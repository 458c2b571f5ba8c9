import { useId, useState } from 'react';

/**
 * "Advanced": the module's own C_Initialize parameters, for the few modules
 * that start only with some (NSS softokn needs its database's folder). Closed
 * unless something is typed, so nobody fills it in by accident.
 */
export function InitParametersField({ value, onChange, problem, readOnly }: { value: string; onChange: (value: string) => void; problem?: string | undefined; readOnly?: boolean }) {
  const [open, setOpen] = useState(value !== '');
  const fieldId = useId();
  const hintId = useId();
  const problemId = useId();
  return (
    <details className="init-parameters" open={open || problem !== undefined} onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>Advanced</summary>
      <div className="field">
        <label htmlFor={fieldId}>Init parameters</label>
        <input
          id={fieldId}
          name="initParameters"
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={value}
          onChange={(event) => onChange(event.target.value)}
          readOnly={readOnly}
          aria-describedby={[hintId, problem ? problemId : ''].filter(Boolean).join(' ')}
          aria-invalid={problem ? true : undefined}
        />
        <p id={hintId} className="hint">
          Only for a module that needs them, as its documentation gives them; most modules need none. NSS softokn, for example:
          configdir=&apos;sql:/home/you/.pki/nssdb&apos; certPrefix=&apos;&apos; keyPrefix=&apos;&apos; secmod=&apos;secmod.db&apos; flags=
        </p>
        {problem && (
          <p id={problemId} className="message message-error">
            {problem}
          </p>
        )}
      </div>
    </details>
  );
}
