import { useEffect, useId } from 'react';
import { BusyStatus } from '../../components/BusyStatus';
import { FoldersSection } from './FoldersSection';
import { ModulesSection } from './ModulesSection';
import { PoliciesSection } from './PoliciesSection';
import { RegistriesSection } from './RegistriesSection';
import { RepositorySection } from './RepositorySection';
import { settingsOp, useSettings } from './store';
import { RetryableError } from '../../components/RetryableError';
import './settings.css';

/** Where Conclave keeps its files, the policies in its store, the PKCS#11 modules it loads, and the registries allowed plain HTTP. */
export function SettingsScreen() {
  const headingId = useId();
  const load = useSettings((s) => s.load);
  const folders = useSettings((s) => s.folders);
  const loading = useSettings((s) => s.busy[settingsOp.folders]);
  const error = useSettings((s) => s.errors[settingsOp.folders]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="screen" aria-labelledby={headingId}>
      <div className="screen-header">
        <h2 id={headingId}>Settings</h2>
      </div>
      <BusyStatus texts={loading && !folders ? [loading] : []} />
      <RetryableError error={error} onRetry={load} />
      <div className="settings">
        {/* Policies first: what a newcomer comes here for (the README's first run: "Create the demo policy"), in view. */}
        <PoliciesSection />
        <FoldersSection folders={folders} />
        <RepositorySection />
        <ModulesSection />
        <RegistriesSection />
      </div>
    </section>
  );
}
