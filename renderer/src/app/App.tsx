import { Suspense, useEffect } from 'react';
import { CeremoniesScreen } from '../features/ceremonies/CeremoniesScreen';
import { ImportBundleDialog } from '../features/ceremonies/ImportBundleDialog';
import { onWindowDragOver, onWindowDrop } from '../features/ceremonies/window-drop';
import { SyncIndicator } from '../features/settings/SyncIndicator';
import { useNavigation } from './navigation';
import { CeremonyScreen, HistoryScreen, OpenCeremonyScreen, preloadScreensWhenIdle, SettingsScreen, TokensScreen } from './screen-modules';
import { screens } from './screens';

export function App() {
  const { screen, ceremonyId, go } = useNavigation();
  const navCurrent = screen === 'open' || screen === 'ceremony' ? 'ceremonies' : screen;
  useEffect(preloadScreensWhenIdle, []);
  return (
    <div className="app" onDragOver={onWindowDragOver} onDrop={onWindowDrop}>
      <header className="app-header">
        <h1 className="app-title">Conclave</h1>
        <nav aria-label="Main" className="app-nav">
          <ul>
            {screens.map((entry) => (
              <li key={entry.id}>
                <button type="button" aria-current={entry.id === navCurrent ? 'page' : undefined} onClick={() => go({ screen: entry.id })}>
                  {entry.title}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <SyncIndicator />
      </header>
      <main className="app-main">
        {/* Keyed by screen: moving on shows the loading line instead of leaving the last screen up while the next one's code arrives. */}
        <Suspense key={screen} fallback={<ScreenLoading />}>
          {screen === 'ceremonies' && <CeremoniesScreen />}
          {screen === 'open' && <OpenCeremonyScreen />}
          {screen === 'ceremony' && ceremonyId && <CeremonyScreen ceremonyId={ceremonyId} />}
          {screen === 'history' && <HistoryScreen />}
          {screen === 'tokens' && <TokensScreen />}
          {screen === 'settings' && <SettingsScreen />}
        </Suspense>
      </main>
      <ImportBundleDialog />
    </div>
  );
}

/** Shown while a screen's code is fetched (a moment, from the app's own files): announced politely, not focused. */
function ScreenLoading() {
  return (
    <p role="status" className="screen-loading">
      Loading…
    </p>
  );
}
