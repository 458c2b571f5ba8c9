/**
 * Issue 15: the Ceremonies screen asks the core only for what it shows
 * (ceremonies.page): the first 50 cards of a tab, the counts of every tab, and
 * the next cards when "Show more" passes the core's cursor back. 120
 * ceremonies are written before the shell starts (tests/support/generate-ceremonies.ts):
 * of every 20, 12 published and 2 cancelled.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, startAnotherConclave, test } from './support/conclave';
import { goTo } from './support/ceremony';

test.describe('Ceremonies with 120 ceremonies', () => {
  test.use({ ceremoniesAtStart: 120 });
  test.setTimeout(180_000);

  test('counts every tab, shows 50 cards at a time, and shows the rest on request', async ({ page, conclave }) => {
    await page.goto(conclave.url);
    await goTo(page, 'Ceremonies');
    await expect(page.getByRole('tab', { name: 'All 120' })).toBeVisible({ timeout: 120_000 });
    await expect(page.getByRole('tab', { name: 'Published 72' })).toBeVisible();
    // Cancelled is shown because the core counts some.
    await expect(page.getByRole('tab', { name: 'Cancelled 12' })).toBeVisible();

    const all = page.getByRole('list', { name: 'All ceremonies' });
    await expect(all.getByRole('listitem')).toHaveCount(50);
    await page.getByRole('button', { name: 'Show 50 more (70 not shown)' }).click();
    await expect(all.getByRole('listitem')).toHaveCount(100);
    await page.getByRole('button', { name: 'Show 20 more (20 not shown)' }).click();
    await expect(all.getByRole('listitem')).toHaveCount(120);
    await expect(page.getByRole('button', { name: /^Show \d+ more/ })).toHaveCount(0);

    // A tab is the core's page of that tab: every card in it is published.
    await page.getByRole('tab', { name: /^Published/ }).click();
    const published = page.getByRole('list', { name: 'Published ceremonies' });
    await expect(published.getByRole('listitem')).toHaveCount(50);
    await expect(published.getByRole('listitem').filter({ hasNotText: 'Published' })).toHaveCount(0);
    await page.getByRole('button', { name: 'Show 22 more (22 not shown)' }).click();
    await expect(published.getByRole('listitem')).toHaveCount(72);
  });
});

test.describe('a core that cannot save the ceremonies it checked', () => {
  test('says why on the Ceremonies and History screens and what to do, instead of a slow start each time without a word', async ({ page, conclave }) => {
    // Where the core keeps its cache of judged ceremonies, a folder (made by hand, or by a backup tool).
    const blocked = await startAnotherConclave(conclave.tokens, (dataDir) => mkdirSync(join(dataDir, 'cache', 'ceremony-summaries.json', 'old'), { recursive: true }));
    try {
      await page.goto(blocked.url);
      await goTo(page, 'Ceremonies');
      const note = page.getByRole('note', { name: 'Ceremonies not saved' });
      await expect(note).toContainText('each start checks every ceremony again');
      await expect(note).toContainText(`${join(blocked.dataDir, 'cache', 'ceremony-summaries.json')} is a folder. Move that folder out of the way`);
      // An auditor who goes straight to History is told the same.
      await goTo(page, 'History');
      await expect(page.getByRole('note', { name: 'Ceremonies not saved' })).toContainText('each start checks every ceremony again');
    } finally {
      await blocked.stop();
    }
  });
});
