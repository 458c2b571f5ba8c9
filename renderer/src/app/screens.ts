import type { ScreenId } from './navigation';

/** The window's main screens, in nav order ('open' and 'ceremony' are reached from these). */
export const screens: { id: ScreenId; title: string }[] = [
  { id: 'ceremonies', title: 'Ceremonies' },
  { id: 'history', title: 'History' },
  { id: 'tokens', title: 'Tokens' },
  { id: 'settings', title: 'Settings' },
];
