/**
 * The other screens' code loads on demand (renderer/src/app/screen-modules.ts),
 * and a screen whose code has arrived renders at once: it does not suspend
 * (React holds a Suspense boundary's content back for 300 ms after showing
 * its fallback, which React.lazy caused at every first visit, preloaded or
 * not). Rendered here with react-dom/server, where a suspending screen shows
 * its boundary's fallback.
 */
import { createElement, Suspense } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { screenModule } from '../../renderer/src/app/screen-modules';

const loadingLine = 'Loading the screen…';
const shown = (element: ReturnType<typeof createElement>) => renderToString(createElement(Suspense, { fallback: loadingLine }, element));

describe('screens loaded on demand', () => {
  it('shows the loading line while a screen’s code is on its way, and the screen itself at once after', async () => {
    let loads = 0;
    const history = screenModule<{ total: number }>(async () => {
      loads++;
      return ({ total }) => createElement('h2', null, `History: ${total} ceremonies`);
    });
    expect(shown(createElement(history.Screen, { total: 3 }))).toContain(loadingLine);
    await history.load();
    const html = shown(createElement(history.Screen, { total: 3 }));
    expect(html).toContain('History: 3 ceremonies');
    expect(html).not.toContain(loadingLine);
    // One fetch of the code, whoever asked first.
    await history.load();
    expect(loads).toBe(1);
  });

  it('fetches the code again when it could not be fetched (a dropped connection), rather than keeping the failure', async () => {
    let attempts = 0;
    const tokens = screenModule<object>(async () => {
      attempts++;
      if (attempts === 1) throw new Error('Failed to fetch dynamically imported module');
      return () => createElement('h2', null, 'Tokens');
    });
    await expect(tokens.load()).rejects.toThrow('Failed to fetch');
    await tokens.load();
    expect(shown(createElement(tokens.Screen))).toContain('Tokens');
    expect(attempts).toBe(2);
  });
});
