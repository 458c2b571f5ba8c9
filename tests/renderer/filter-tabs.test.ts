/**
 * The Ceremonies screen's tabs (FilterTabs.tsx), rendered with
 * react-dom/server: the "Waiting on me" count is a number once the core has
 * looked at the tokens attached here, and says it is not known before, never
 * a 0 that would tell the person nothing waits on them.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { FilterTabs } from '../../renderer/src/features/ceremonies/FilterTabs';
import { visibleFilters, type CeremonyFilter } from '../../renderer/src/features/ceremonies/filters';

const counts: Record<CeremonyFilter, number> = { all: 40, waiting: 0, open: 12, approved: 3, published: 20, rejected: 2, expired: 3, cancelled: 0 };

function tabs(waitingOnMeKnown: boolean, waiting = 0): Map<string, string> {
  const html = renderToStaticMarkup(
    createElement(FilterTabs, { filters: visibleFilters(counts), counts: { ...counts, waiting }, waitingOnMeKnown, selected: 'all', onSelect: () => undefined, panelId: 'panel', tabId: (filter: CeremonyFilter) => `tab-${filter}` }),
  );
  // Each tab's text, its markup's tags taken out: what a screen reader reads of it.
  return new Map([...html.matchAll(/<button[^>]*id="tab-(\w+)"[^>]*>(.*?)<\/button>/g)].map((match) => [match[1]!, match[2]!.replace(/<[^>]+>/g, '')]));
}

describe('the Ceremonies tabs', () => {
  it('say "Waiting on me" is not known yet before the core has looked at the tokens, not 0', () => {
    const shown = tabs(false);
    expect(shown.get('waiting')).toBe('Waiting on me …not known yet');
    expect(shown.get('waiting')).not.toMatch(/\d/);
    // The other counts do not depend on the tokens: they show as they are.
    expect(shown.get('all')).toBe('All 40');
    expect(shown.get('open')).toBe('Open 12');
  });

  it('show the count once the core has looked, 0 included', () => {
    expect(tabs(true, 3).get('waiting')).toBe('Waiting on me 3');
    expect(tabs(true, 0).get('waiting')).toBe('Waiting on me 0');
  });
});
