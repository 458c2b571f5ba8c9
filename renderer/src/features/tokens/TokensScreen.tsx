import { useEffect, useId } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { AddModuleStatus } from './AddModuleDialog';
import { DemoCreationStatus, EmptyState } from './EmptyState';
import { ModuleSection } from './ModuleSection';
import { op } from './ops';
import { hasAnyToken, modulesInOrder } from './selectors';
import { useTokens } from './store';
import { TokenDialogs } from './TokenDialogs';
import { RetryableError } from '../../components/RetryableError';
import './tokens.css';

export function TokensScreen() {
  const headingId = useId();
  const start = useTokens((s) => s.start);
  const load = useTokens((s) => s.load);
  const openAddModule = useTokens((s) => s.openAddModule);
  const snapshot = useTokens((s) => s.snapshot);
  const loading = useTokens((s) => s.busy[op.load]);
  const loadError = useTokens((s) => s.errors[op.load]);

  useEffect(() => start(), [start]);

  return (
    <section className="screen" aria-labelledby={headingId}>
      <div className="screen-header">
        <h2 id={headingId}>Tokens</h2>
        <button type="button" onClick={() => void openAddModule()}>
          Add module…
        </button>
      </div>
      <AddModuleStatus />

      <BusyStatus texts={loading && !snapshot ? [loading] : []} />
      <RetryableError error={loadError} onRetry={load} />

      {snapshot && !hasAnyToken(snapshot) && <EmptyState demo={snapshot.demo} />}
      {snapshot && hasAnyToken(snapshot) && <DemoCreationStatus />}
      {snapshot && snapshot.modules.length > 0 && (
        <div className="modules">
          {modulesInOrder(snapshot.modules).map((module) => (
            <ModuleSection key={module.id} module={module} demo={snapshot.demo} />
          ))}
        </div>
      )}

      <TokenDialogs />
    </section>
  );
}
