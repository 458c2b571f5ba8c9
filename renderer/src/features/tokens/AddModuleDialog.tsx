import { useId, useState, type FormEvent } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { Dialog } from '../../components/Dialog';
import { DialogActions } from '../../components/DialogActions';
import { ErrorMessage } from '../../components/ErrorMessage';
import { op } from './ops';
import { useTokens } from './store';

/** Adds a PKCS#11 module by the path of its library. */
export function AddModuleDialog({ onClose }: { onClose: () => void }) {
  const [path, setPath] = useState('');
  const pathId = useId();
  const hintId = useId();
  const errorId = useId();
  const addModule = useTokens((s) => s.addModule);
  const busy = useTokens((s) => s.busy[op.addModule]);
  const error = useTokens((s) => s.errors[op.addModule]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    await addModule(path);
  };

  return (
    <Dialog title="Add a PKCS#11 module" onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)} noValidate>
        <div className="field">
          <label htmlFor={pathId}>Module path</label>
          <input
            id={pathId}
            name="path"
            type="text"
            autoComplete="off"
            spellCheck={false}
            value={path}
            onChange={(event) => setPath(event.target.value)}
            readOnly={busy !== undefined}
            aria-describedby={[hintId, error ? errorId : ''].filter(Boolean).join(' ')}
            aria-invalid={error ? true : undefined}
            data-autofocus
          />
          <p id={hintId} className="hint">
            The library your token’s vendor installs, for example /usr/lib/x86_64-linux-gnu/libykcs11.so,
            /opt/homebrew/lib/libykcs11.dylib or C:\Program Files\Yubico\Yubico PIV Tool\bin\libykcs11.dll.
          </p>
        </div>
        {error && <ErrorMessage id={errorId} error={error} />}
        <BusyStatus texts={busy ? [busy] : []} />
        <DialogActions submitLabel="Add module" onClose={onClose} working={busy !== undefined} />
      </form>
    </Dialog>
  );
}
