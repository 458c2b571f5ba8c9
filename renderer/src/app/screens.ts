/** The window's screens, in nav order. Ceremonies, History and Settings join this list as they are built. */
export const screens = [{ id: 'tokens', title: 'Tokens' }] as const;

export type ScreenId = (typeof screens)[number]['id'];
