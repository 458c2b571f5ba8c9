/**
 * The screens reached from the Ceremonies screen, loaded when first shown
 * (issue 15): the window starts with the Ceremonies screen's code alone, and
 * each other screen's code (with what only it uses, such as the History
 * list's virtual scroller) arrives in a chunk of its own. Once the first
 * screen is up, the rest are fetched while the window is idle, so moving to
 * another screen rarely waits.
 */
import { lazy } from 'react';

// One loader per screen, shared by lazy() and the idle preload, so a chunk is requested once.
const loaders = {
  open: () => import('../features/open-ceremony/OpenCeremonyScreen').then((module) => ({ default: module.OpenCeremonyScreen })),
  ceremony: () => import('../features/ceremony/CeremonyScreen').then((module) => ({ default: module.CeremonyScreen })),
  history: () => import('../features/history/HistoryScreen').then((module) => ({ default: module.HistoryScreen })),
  tokens: () => import('../features/tokens/TokensScreen').then((module) => ({ default: module.TokensScreen })),
  settings: () => import('../features/settings/SettingsScreen').then((module) => ({ default: module.SettingsScreen })),
};

export const OpenCeremonyScreen = lazy(loaders.open);
export const CeremonyScreen = lazy(loaders.ceremony);
export const HistoryScreen = lazy(loaders.history);
export const TokensScreen = lazy(loaders.tokens);
export const SettingsScreen = lazy(loaders.settings);

let preloaded = false;

/** Fetches the other screens' code once the window is idle; a chunk that fails here is fetched again when its screen is shown. */
export function preloadScreensWhenIdle(): void {
  if (preloaded) return;
  preloaded = true;
  const preload = () => {
    for (const load of Object.values(loaders)) load().catch(() => undefined);
  };
  if (typeof requestIdleCallback === 'function') requestIdleCallback(preload, { timeout: 2000 });
  else setTimeout(preload, 200);
}
