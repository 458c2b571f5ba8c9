import { useId, useState, type FormEvent } from 'react';
import type { ModuleConfirmation } from '../../../../shared/api/contract';
import { BusyStatus } from '../../components/BusyStatus';
import { Dialog } from '../../components/Dialog';
import { DialogActions } from '../../components/DialogActions';
import { ErrorMessage } from '../../components/ErrorMessage';
import { InitParametersField } from '../settings/InitParametersField';
import { readInitParameters } from '../settings/init-parameters';
import { op } from './ops';
import { useTokens } from './store';

/**
 * Adds a PKCS#11 module in the browser shell: the path of its library, then
 * what Conclave found there, to confirm (issue 12). The desktop app picks the
 * file in the system's own dialog instead and never shows this one.
 */
export function AddModuleDialog({ onClose, initParameters = '' }: { onClose: () => void; initParameters?: string }) {
  const confirmation = useTokens((s) => (s.dialog?.kind === 'add-module' ? s.dialog.confirmation : undefined));
  // A dialog of its own, so focus moves to what must be read now.
  return confirmation ? <ConfirmModuleDialog key={confirmation.token} confirmation={confirmation} onClose={onClose} /> : <ModulePathDialog onClose={onClose} initParameters={initParameters} />;
}

/** `initParameters`: what was typed under "Advanced" in Settings → Modules, to start with. */
function ModulePathDialog({ onClose, initParameters: typedBefore }: { onClose: () => void; initParameters: string }) {
  const [path, setPath] = useState('');
  const [initParameters, setInitParameters] = useState(typedBefore);
  const [initParametersProblem, setInitParametersProblem] = useState<string | undefined>();
  const pathId = useId();
  const hintId = useId();
  const errorId = useId();
  const addModule = useTokens((s) => s.addModule);
  const busy = useTokens((s) => s.busy[op.addModule]);
  const error = useTokens((s) => s.errors[op.addModule]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const read = readInitParameters(initParameters);
    setInitParametersProblem(read.ok ? undefined : read.problem);
    if (read.ok) await addModule(path, read.initParameters);
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
        <InitParametersField value={initParameters} onChange={setInitParameters} problem={initParametersProblem} readOnly={busy !== undefined} />
        {error && <ErrorMessage id={errorId} error={error} />}
        <BusyStatus texts={busy ? [busy] : []} />
        <DialogActions submitLabel="Continue" onClose={onClose} working={busy !== undefined} />
      </form>
    </Dialog>
  );
}

/** What the core found at the path: the person loads it, or not. Nothing is loaded before this is confirmed. */
function ConfirmModuleDialog({ confirmation, onClose }: { confirmation: ModuleConfirmation; onClose: () => void }) {
  const warningId = useId();
  const confirmAddModule = useTokens((s) => s.confirmAddModule);
  const busy = useTokens((s) => s.busy[op.addModule]);
  const error = useTokens((s) => s.errors[op.addModule]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    await confirmAddModule();
  };

  return (
    <Dialog title="Load this PKCS#11 module?" onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)} noValidate aria-describedby={warningId}>
        <p id={warningId}>
          A module is a program: Conclave runs it as you, with everything you can reach. Load it only if you or your administrator installed it
          from your token’s vendor.
        </p>
        <dl className="facts facts-stacked" aria-label="The module file">
          <div>
            <dt>Path</dt>
            <dd>
              <code>{confirmation.path}</code>
            </dd>
          </div>
          {confirmation.realPath !== confirmation.path && (
            <div>
              <dt>Leads to</dt>
              <dd>
                <code>{confirmation.realPath}</code>
              </dd>
            </div>
          )}
          <div>
            <dt>Owner</dt>
            <dd>{confirmation.owner}</dd>
          </div>
          <div>
            <dt>Permissions</dt>
            <dd>
              <code>{confirmation.permissions}</code>
            </dd>
          </div>
        </dl>
        {error && <ErrorMessage error={error} />}
        <BusyStatus texts={busy ? [busy] : []} />
        <DialogActions submitLabel="Load this module" onClose={onClose} working={busy !== undefined} />
      </form>
    </Dialog>
  );
}

/** "Add module…" while no dialog of it is open: the desktop app's file dialog is up, or what came of the choice (a refusal). */
export function AddModuleStatus() {
  const open = useTokens((s) => s.dialog?.kind === 'add-module');
  const busy = useTokens((s) => s.busy[op.addModule]);
  const error = useTokens((s) => s.errors[op.addModule]);
  const dismissError = useTokens((s) => s.dismissError);
  if (open) return null;
  return (
    <>
      <BusyStatus texts={busy ? [busy] : []} />
      {error && <ErrorMessage error={error} onDismiss={() => dismissError(op.addModule)} />}
    </>
  );
}
