import { useState } from 'react';
import { TokensScreen } from '../features/tokens/TokensScreen';
import { screens, type ScreenId } from './screens';

export function App() {
  const [current, setCurrent] = useState<ScreenId>('tokens');
  return (
    <div className="app">
      <header className="app-header">
        <h1 className="app-title">Conclave</h1>
        <nav aria-label="Main" className="app-nav">
          <ul>
            {screens.map((screen) => (
              <li key={screen.id}>
                <button type="button" aria-current={screen.id === current ? 'page' : undefined} onClick={() => setCurrent(screen.id)}>
                  {screen.title}
                </button>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main className="app-main">{current === 'tokens' && <TokensScreen />}</main>
    </div>
  );
}
