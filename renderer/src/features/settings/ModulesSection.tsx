import { useEffect, useId, useState } from 'react';
import type { TokenModule } from '../../../../shared/api/contract';
import { BusyStatus } from '../../components/BusyStatus';
import { ErrorMessage } from '../../components/ErrorMessage';
import { AddModuleDialog, AddModuleStatus } from '../tokens/AddModuleDialog';
import { moduleOriginText, moduleStatusText } from '../tokens/format';
import { op } from '../tokens/ops';
import { tokensStore, useTokens } from '../tokens/store';
import { RetryableError } from '../../components/RetryableError';
import { InitParametersField } from './InitParametersField';
import { readInitParameters } from './init-parameters';

/** PKCS#11 modules, through the Tokens store (the one owner of the module list): add and remove here, tokens on the Tokens screen. */
export function ModulesSection() {
  const headingId = useId();
  const snapshot = useTokens((s) => s.snapshot);
  const loading = useTokens((s) => s.busy[op.load]);
  const loadError = useTokens((s) => s.errors[op.load]);
  const load = useTokens((s) => s.load);
  const dialog = useTokens((s) => s.dialog);
  const openAddModule = useTokens((s) => s.openAddModule);
  const closeDialog = useTokens((s) => s.closeDialog);
  /** Typed under "Advanced" before choosing the file: the desktop's file dialog has no room for them. */
  const [initParameters, setInitParameters] = useState('');
  const [initParametersProblem, setInitParametersProblem] = useState<string | undefined>();

  useEffect(() => tokensStore.getState().start(), []);

  const add = async () => {
    const read = readInitParameters(initParameters);
    setInitParametersProblem(read.ok ? undefined : read.problem);
    if (!read.ok) return;
    await openAddModule(read.initParameters);
    // Used once by the desktop's file dialog: the next module added is another, which most likely needs none. The
    // browser shell's path form, open now, starts from them and keeps them until it is done.
    const after = tokensStore.getState();
    if (!after.errors[op.addModule] && after.dialog?.kind !== 'add-module') setInitParameters('');
  };

  return (
    <section className="settings-section" aria-labelledby={headingId}>
      <div className="section-header">
        <h3 id={headingId}>PKCS#11 modules</h3>
        <button type="button" onClick={() => void add()}>
          Add module…
        </button>
      </div>
      <p className="hint">The libraries that talk to tokens. Conclave finds the common ones itself; add others by choosing their file.</p>
      <InitParametersField value={initParameters} onChange={setInitParameters} problem={initParametersProblem} />
      <AddModuleStatus />
      <BusyStatus texts={loading && !snapshot ? [loading] : []} />
      <RetryableError error={loadError} onRetry={load} />
      {snapshot && snapshot.modules.length === 0 && <p className="muted">No PKCS#11 module found on this computer. Add the one your token’s vendor installs.</p>}
      {snapshot && snapshot.modules.length > 0 && (
        <ul className="settings-modules" aria-label="PKCS#11 modules">
          {snapshot.modules.map((module) => (
            <li key={module.id}>
              <ModuleRow module={module} />
            </li>
          ))}
        </ul>
      )}
      {dialog?.kind === 'add-module' && <AddModuleDialog onClose={closeDialog} initParameters={initParameters} />}
    </section>
  );
}

function ModuleRow({ module }: { module: TokenModule }) {
  const removeModule = useTokens((s) => s.removeModule);
  const dismissError = useTokens((s) => s.dismissError);
  const busy = useTokens((s) => s.busy[op.removeModule(module.id)]);
  const error = useTokens((s) => s.errors[op.removeModule(module.id)]);
  const tokenCount = module.tokens.length;
  return (
    <div className="settings-module">
      <div className="module-header">
        <strong>{module.label}</strong>
        <span className={`badge badge-${module.status === 'ready' ? 'ok' : 'danger'}`}>{moduleStatusText[module.status]}</span>
        <span className="badge badge-info">{moduleOriginText[module.origin]}</span>
        <span className="muted">{tokenCount === 1 ? '1 token' : `${tokenCount} tokens`}</span>
        {module.origin === 'added' && (
          <button
            type="button"
            className="button-quiet module-remove"
            aria-label={`Remove ${module.label}`}
            onClick={() => void removeModule(module.id)}
            aria-disabled={busy ? true : undefined}
          >
            Remove
          </button>
        )}
      </div>
      <p className="module-path">
        <code>{module.path}</code>
      </p>
      {module.status === 'failed' && <p className="message message-error">{module.error?.message ?? 'Conclave could not load this module.'}</p>}
      <BusyStatus texts={busy ? [busy] : []} />
      {error && <ErrorMessage error={error} onDismiss={() => dismissError(op.removeModule(module.id))} />}
    </div>
  );
}
