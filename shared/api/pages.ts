/**
 * What the list calls' pages are made of, without their schemas (contract.ts
 * re-exports it): the window's first screen uses these before the contract
 * and the schema library have loaded (issue 15).
 */

/** The Ceremonies screen's tabs: `open` holds open and frozen ceremonies (both still gathering), `waiting` those waiting on a key attached here. */
export const ceremonyTabs = ['all', 'waiting', 'open', 'approved', 'published', 'rejected', 'expired', 'cancelled'] as const;
/** The most rows one page holds; a page also stops short of about 90 kB, so no answer is large whatever the store holds. */
export const maxPageRows = 100;
