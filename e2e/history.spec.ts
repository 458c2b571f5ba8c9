/**
 * Issue 4: History for auditors, fast with 10,000 ceremonies (a virtualised
 * list). The ceremonies are written into the store before the shell starts
 * (tests/support/generate-ceremonies.ts): 8 products in turn, so each
 * product has 1,250 of them; every 20th pair of them was rejected.
 */
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './support/conclave';
import { goTo } from './support/ceremony';

const count = 10_000;

const found = (page: Page) => page.getByRole('status').filter({ hasText: /ceremon(y|ies) found\.$/ });
const listbox = (page: Page) => page.getByRole('listbox', { name: 'Ceremonies found' });
const row = (list: Locator, position: number) => list.locator(`[role="option"][aria-posinset="${position}"]`);

test.describe('History with 10,000 ceremonies', () => {
  test.use({ ceremoniesAtStart: count });
  // Writing 10,000 ceremonies (in the fixture) and the shell's first index of them take a while on two cores:
  // about 25 s alone, up to 2.5 min while the other worker runs a ceremony.
  test.setTimeout(300_000);

  test('counts them all, narrows by search and state, scrolls to the end, and opens one', async ({ page, conclave }) => {
    await page.goto(conclave.url);
    await goTo(page, 'History');
    // While the first index is built: how far it is, in words and as a bar. A bar of known size is drawn again only
    // when it moves; a spinner would be redrawn every frame, on the cores that build the index.
    const building = page.getByRole('status').locator('p', { hasText: /^Indexing [\d,]+ of 10,000 ceremonies…$/ });
    await expect(building).toBeVisible({ timeout: 60_000 });
    await expect(building.locator('progress')).toHaveAttribute('max', String(count));
    await expect(building.locator('progress')).toHaveAttribute('value', /^\d+$/);
    await expect(building.locator('.spinner')).toHaveCount(0);
    await expect(found(page)).toHaveText('10,000 ceremonies found.', { timeout: 120_000 });
    await expect(building).toHaveCount(0);
    const list = listbox(page);
    await expect(list).toBeVisible();
    await expect(row(list, 1)).not.toHaveAttribute('aria-busy', 'true');
    // Virtualised: only the rows in view (and a few more) are in the page.
    expect(await list.getByRole('option').count()).toBeLessThan(100);

    // Scrolled to the very bottom, the last rows are there and filled in.
    await list.evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
    await expect(row(list, count)).toBeVisible();
    await expect(row(list, count)).not.toHaveAttribute('aria-busy', 'true');
    await expect(row(list, count)).toContainText(/\d+\.\d+\.\d+/);
    await expect(row(list, count - 1)).toBeVisible();
    await expect(row(list, 1)).toHaveCount(0);

    // A state narrows it: every 20th pair was rejected.
    await page.getByRole('checkbox', { name: 'Rejected', exact: true }).check();
    await expect(found(page)).toHaveText('1,000 ceremonies found.');
    await expect(row(list, 1)).toContainText('Rejected');
    await page.getByRole('checkbox', { name: 'Rejected', exact: true }).uncheck();
    await expect(found(page)).toHaveText('10,000 ceremonies found.');

    // Search by product name.
    await page.getByRole('searchbox', { name: 'Search' }).fill('ledger');
    await expect(found(page)).toHaveText('1,250 ceremonies found.');
    await expect(row(list, 1)).toContainText(/^ledger \d/);
    await expect(row(list, 1251)).toHaveCount(0);

    // Keyboard: End goes to the last result, which is then in view and active.
    await list.focus();
    await page.keyboard.press('End');
    const last = row(list, 1250);
    await expect(last).toBeVisible();
    await expect(last).toHaveAttribute('aria-selected', 'true');
    await expect(list).toHaveAttribute('aria-activedescendant', (await last.getAttribute('id'))!);
    await expect(last).toContainText(/^ledger \d+\.\d+\.\d+/);
    const release = /^ledger \d+\.\d+\.\d+/.exec((await last.textContent())!)![0];
    const id = (await last.locator('code').textContent())!.trim();
    await page.keyboard.press('ArrowUp');
    await expect(row(list, 1249)).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('ArrowDown');
    await expect(last).toHaveAttribute('aria-selected', 'true');

    // Enter opens it on the review screen.
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: release, level: 2, exact: true })).toBeVisible();
    await expect(page.getByText(id, { exact: true })).toBeVisible();
    expect(page.url()).toContain(`#/ceremony/${id}`);
    await expect(page.getByRole('region', { name: 'Timeline' })).toContainText('Opened');
  });
});
