import { useId } from 'react';
import type { TokenModule, TokensSnapshot } from '../../../../shared/api/contract';
import { BusyStatus } from '../../components/BusyStatus';
import { ErrorMessage } from '../../components/ErrorMessage';
import { DemoNote } from './DemoNote';
import { moduleOriginText, moduleStatusText } from './format';
import { op } from './ops';
import { demoPinFor } from './selectors';
import { useTokens } from './store';
import { TokenCard } from './TokenCard';

interface ModuleSectionProps {
  module: TokenModule;
  demo: TokensSnapshot['demo'];
}

/** One PKCS#11 module and the tokens in its slots; a module that failed says why, next to the others. */
export function ModuleSection({ module, demo }: ModuleSectionProps) {
  const headingId = useId();
  const demoPin = demoPinFor(module, demo);
  return (
    <section className={`module module-${module.status}`} aria-labelledby={headingId}>
      <div className="module-header">
        <h3 id={headingId}>{module.label}</h3>
        <span className={`badge badge-${module.status === 'ready' ? 'ok' : 'danger'}`}>{moduleStatusText[module.status]}</span>
        <span className="badge badge-info">{moduleOriginText[module.origin]}</span>
        {module.origin === 'added' && <RemoveModule moduleId={module.id} />}
      </div>
      <p className="module-path">
        <code>{module.path}</code>
        {module.library && (
          <span className="module-library">
            {' '}
            · {module.library.description || module.library.manufacturer} {module.library.version}
          </span>
        )}
      </p>
      {module.status === 'failed' && (
        <p className="message message-error">{module.error?.message ?? 'Conclave could not load this module.'}</p>
      )}
      <RemoveModuleStatus moduleId={module.id} />
      {demoPin && <DemoNote pin={demoPin} />}
      {module.status === 'ready' && module.tokens.length === 0 && <p className="muted">No token in this module’s slots. Insert one.</p>}
      {module.tokens.length > 0 && (
        <ul className="tokens" aria-label={`Tokens in ${module.label}`}>
          {module.tokens.map((token) => (
            <li key={token.uri}>
              <TokenCard token={token} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RemoveModule({ moduleId }: { moduleId: string }) {
  const removeModule = useTokens((s) => s.removeModule);
  const busy = useTokens((s) => s.busy[op.removeModule(moduleId)]);
  return (
    <button type="button" className="button-quiet module-remove" onClick={() => void removeModule(moduleId)} aria-disabled={busy ? true : undefined}>
      Remove
    </button>
  );
}

function RemoveModuleStatus({ moduleId }: { moduleId: string }) {
  const busy = useTokens((s) => s.busy[op.removeModule(moduleId)]);
  const error = useTokens((s) => s.errors[op.removeModule(moduleId)]);
  const dismissError = useTokens((s) => s.dismissError);
  return (
    <>
      <BusyStatus texts={busy ? [busy] : []} />
      {error && <ErrorMessage error={error} onDismiss={() => dismissError(op.removeModule(moduleId))} />}
    </>
  );
}
