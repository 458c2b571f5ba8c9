import { CeremoniesScreen } from '../features/ceremonies/CeremoniesScreen';
import { ImportBundleDialog } from '../features/ceremonies/ImportBundleDialog';
import { onWindowDragOver, onWindowDrop } from '../features/ceremonies/window-drop';
import { CeremonyScreen } from '../features/ceremony/CeremonyScreen';
import { HistoryScreen } from '../features/history/HistoryScreen';
import { OpenCeremonyScreen } from '../features/open-ceremony/OpenCeremonyScreen';
import { SettingsScreen } from '../features/settings/SettingsScreen';
import { SyncIndicator } from '../features/settings/SyncIndicator';
import { TokensScreen } from '../features/tokens/TokensScreen';
import { useNavigation } from './navigation';
import { screens } from './screens';

export function App() {
  const { screen, ceremonyId, go } = useNavigation();
  const navCurrent = screen === 'open' || screen === 'ceremony' ? 'ceremonies' : screen;
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
        {screen === 'ceremonies' && <CeremoniesScreen />}
        {screen === 'open' && <OpenCeremonyScreen />}
        {screen === 'ceremony' && ceremonyId && <CeremonyScreen ceremonyId={ceremonyId} />}
        {screen === 'history' && <HistoryScreen />}
        {screen === 'tokens' && <TokensScreen />}
        {screen === 'settings' && <SettingsScreen />}
      </main>
      <ImportBundleDialog />
    </div>
  );
}
