/**
 * Where the window is: one small store, so any screen can send the person
 * elsewhere (open a ceremony from the list, go to review after opening).
 * The current place is mirrored in the address fragment, so a reload of the
 * window comes back to the same screen and ceremony.
 */
import { create } from 'zustand';

export const screenIds = ['ceremonies', 'open', 'ceremony', 'history', 'tokens', 'settings'] as const;
export type ScreenId = (typeof screenIds)[number];

export interface Place {
  screen: ScreenId;
  /** The ceremony shown by the 'ceremony' screen. */
  ceremonyId?: string;
}

export interface NavigationState extends Place {
  go(place: Place): void;
}

function placeFromHash(hash: string): Place {
  const match = /^#\/(\w+)(?:\/(c-\d{8}-[a-z2-7]{10}))?$/.exec(hash);
  const screen = (screenIds as readonly string[]).includes(match?.[1] ?? '') ? (match![1] as ScreenId) : 'ceremonies';
  if (screen === 'ceremony' && !match?.[2]) return { screen: 'ceremonies' };
  return match?.[2] ? { screen, ceremonyId: match[2] } : { screen };
}

export function hashOfPlace(place: Place): string {
  return `#/${place.screen}${place.ceremonyId ? `/${place.ceremonyId}` : ''}`;
}

const initial = typeof location === 'undefined' ? { screen: 'ceremonies' as const } : placeFromHash(location.hash);

export const useNavigation = create<NavigationState>((set) => ({
  ...initial,
  go(place) {
    set({ screen: place.screen, ceremonyId: place.ceremonyId });
    if (typeof history !== 'undefined') history.replaceState(null, '', hashOfPlace(place));
  },
}));

export { placeFromHash };
