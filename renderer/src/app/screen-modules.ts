/**
 * The screens reached from the Ceremonies screen, loaded when first shown
 * (issue 15): the window starts with the Ceremonies screen's code alone, and
 * each other screen's code (with what only it uses, such as the History
 * list's virtual scroller) arrives in a chunk of its own. Once the first
 * screen is up, the rest are fetched while the window is idle, so moving to
 * another screen rarely waits.
 *
 * Not React.lazy: a lazy component suspends the first time it renders even
 * when its code has long arrived (its loader runs only then), and React holds
 * a Suspense boundary's content back for 300 ms after showing its fallback.
 * Every first visit to a screen took a third of a second for nothing. A
 * screen here renders at once when its code is in, and suspends (use) only
 * while it is still on its way.
 */
import { createElement, use, type ComponentType } from 'react';

interface ScreenModule<P> {
  /** The screen: its component once its code is in, else suspends until it is. */
  Screen: ComponentType<P>;
  /** Fetches the screen's code (once); a failure is tried again at the next call. */
  load(): Promise<void>;
}

export function screenModule<P extends object>(load: () => Promise<ComponentType<P>>): ScreenModule<P> {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<void> | undefined;
  const loadOnce = () =>
    (loading ??= load().then(
      (component) => void (loaded = component),
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    ));
  function Screen(props: P) {
    if (!loaded) use(loadOnce());
    return createElement(loaded!, props);
  }
  return { Screen, load: loadOnce };
}

const screens = {
  open: screenModule(() => import('../features/open-ceremony/OpenCeremonyScreen').then((module) => module.OpenCeremonyScreen)),
  ceremony: screenModule(() => import('../features/ceremony/CeremonyScreen').then((module) => module.CeremonyScreen)),
  history: screenModule(() => import('../features/history/HistoryScreen').then((module) => module.HistoryScreen)),
  tokens: screenModule(() => import('../features/tokens/TokensScreen').then((module) => module.TokensScreen)),
  settings: screenModule(() => import('../features/settings/SettingsScreen').then((module) => module.SettingsScreen)),
};

export const OpenCeremonyScreen = screens.open.Screen;
export const CeremonyScreen = screens.ceremony.Screen;
export const HistoryScreen = screens.history.Screen;
export const TokensScreen = screens.tokens.Screen;
export const SettingsScreen = screens.settings.Screen;

let preloaded = false;

/** Fetches the other screens' code once the window is idle; a chunk that fails here is fetched again when its screen is shown. */
export function preloadScreensWhenIdle(): void {
  if (preloaded) return;
  preloaded = true;
  const preload = () => {
    for (const screen of Object.values(screens)) screen.load().catch(() => undefined);
  };
  if (typeof requestIdleCallback === 'function') requestIdleCallback(preload, { timeout: 2000 });
  else setTimeout(preload, 200);
}
