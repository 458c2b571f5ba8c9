/**
 * Issue 4: the main screens in a realistic state (demo tokens, the demo
 * policy, a ceremony under way and a history of earlier ones) have no
 * automated accessibility violations (axe-core, WCAG 2 A and AA), in the
 * light and the dark theme (issue 16: colour contrast holds in both), and the
 * run writes a full-page screenshot of each, light and dark, to
 * test-results/screenshots/ for the README (docs/screenshots/).
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test, type ConclaveInstance } from './support/conclave';
import { approveAs, fillOpenForm, goTo, openCeremony, reviewSection, setUpDemo, signDialog, tickChecklist } from './support/ceremony';

const release = { name: 'conclave', version: '1.4.0' };
const title = `${release.name} ${release.version}`;

/**
 * A Conclave that has been used for a while: earlier ceremonies, demo tokens
 * and policy, a release waiting for approvals, and the newest release with
 * one approval of two. Returns the newest one's id.
 */
async function arrange(page: Page, conclave: ConclaveInstance): Promise<string> {
  await setUpDemo(page, conclave);
  // carol opens both (so alice and bob may approve); alice approves the newest.
  await openCeremony(page, { name: 'ledger', version: '5.0.0', openAs: 'carol' });
  const id = await openCeremony(page, { ...release, openAs: 'carol' });
  await approveAs(page, title, 'alice');
  return id;
}

type Screen = { name: string; modal?: boolean; show: (page: Page) => Promise<void> };

const themes = ['light', 'dark'] as const;
type Theme = (typeof themes)[number];

/**
 * The system's colour scheme as the window sees it (prefers-color-scheme),
 * and proof that the window follows it: the page background is the theme's.
 */
async function showTheme(page: Page, theme: Theme): Promise<void> {
  await page.emulateMedia({ colorScheme: theme });
  await expectBackground(page, theme);
}

async function expectBackground(page: Page, theme: Theme): Promise<void> {
  // Page code as a string: this file type-checks without the DOM library.
  const background = String(await page.evaluate('getComputedStyle(document.body).backgroundColor'));
  const [red = 0, green = 0, blue = 0] = (background.match(/\d+/g) ?? []).map(Number);
  const lightness = (red + green + blue) / 3;
  expect(theme === 'dark' ? lightness < 64 : lightness > 192, `the ${theme} theme's background, ${background}`).toBe(true);
}

test('the window follows the system theme, and data-theme on <html> overrides it', async ({ page, conclave }) => {
  await page.goto(conclave.url);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  for (const system of themes) {
    await showTheme(page, system);
    for (const forced of themes) {
      await page.evaluate(`document.documentElement.dataset.theme = '${forced}'`);
      await expectBackground(page, forced);
    }
    await page.evaluate('delete document.documentElement.dataset.theme');
    await expectBackground(page, system);
  }
});

function screens(id: string): Screen[] {
  return [
    {
      name: 'ceremonies',
      show: async (page) => {
        await goTo(page, 'Ceremonies');
        await expect(page.getByRole('tablist', { name: 'Show ceremonies' })).toBeVisible();
        await expect(page.getByRole('article', { name: title })).toContainText('alice');
        await expect(page.getByRole('tab', { name: /^Published/ })).toBeVisible();
      },
    },
    {
      name: 'open',
      show: async (page) => {
        await goTo(page, 'Ceremonies');
        await page.getByRole('button', { name: 'Open a ceremony' }).click();
        // Filled up to who signs the opening: carol's key chosen and her PIN typed (masked).
        await fillOpenForm(page, { name: release.name, version: '1.4.1', openAs: 'carol' });
      },
    },
    {
      name: 'review',
      show: async (page) => {
        await goTo(page, 'Ceremonies');
        await page.getByRole('article', { name: title }).getByRole('link', { name: title }).click();
        await expect(page.getByRole('heading', { name: title, level: 2 })).toBeVisible();
        expect(page.url()).toContain(`#/ceremony/${id}`);
        await expect(page.getByRole('region', { name: 'Approvals', exact: true }).getByRole('listitem').filter({ hasText: 'alice' })).toBeVisible();
        await expect(page.getByRole('region', { name: 'Provenance' })).toContainText('Builder');
      },
    },
    {
      name: 'sign-dialog',
      modal: true,
      show: async (page) => {
        await tickChecklist(page);
        await reviewSection(page).getByRole('button', { name: 'Approve…' }).click();
        const dialog = signDialog(page, 'Approve', title);
        await expect(dialog.getByRole('radio', { name: 'alice: release-signing on alice' })).toBeDisabled();
        await dialog.getByRole('radio', { name: 'bob: release-signing on bob' }).check();
        await expect(dialog.getByRole('radio', { name: 'carol: release-signing on carol' })).toBeDisabled();
        await expect(dialog.getByLabel('PIN', { exact: true })).toBeVisible();
      },
    },
    {
      // Cancelling is signed too: the same "Sign … as" group, for approvers and release managers.
      name: 'cancel-dialog',
      modal: true,
      show: async (page) => {
        await page.keyboard.press('Escape');
        await expect(signDialog(page, 'Approve', title)).toBeHidden();
        await page.getByRole('button', { name: 'Cancel this ceremony…' }).click();
        const dialog = page.getByRole('dialog', { name: `Cancel the ceremony for ${title}?` });
        await dialog.getByRole('group', { name: 'Sign the cancellation as' }).getByRole('radio', { name: 'bob: release-signing on bob' }).check();
        await expect(dialog.getByLabel('PIN', { exact: true })).toBeVisible();
      },
    },
    {
      name: 'history',
      show: async (page) => {
        await page.keyboard.press('Escape');
        await goTo(page, 'History');
        await expect(page.getByRole('status').filter({ hasText: /ceremonies found\.$/ })).toHaveText('22 ceremonies found.');
        await expect(page.getByRole('listbox', { name: 'Ceremonies found' }).getByRole('option').first()).toContainText(title);
      },
    },
    {
      name: 'tokens',
      show: async (page) => {
        await goTo(page, 'Tokens');
        const alice = page.getByRole('region', { name: 'Demo tokens (SoftHSM2)' }).getByRole('region', { name: 'alice', exact: true });
        const keys = alice.getByRole('button', { name: 'Keys', exact: true });
        if ((await keys.getAttribute('aria-expanded')) !== 'true') await keys.click();
        await expect(alice.getByRole('article', { name: 'release-signing' })).toBeVisible();
      },
    },
    {
      name: 'settings',
      show: async (page) => {
        await goTo(page, 'Settings');
        await expect(page.getByRole('list', { name: 'Trusted policies' })).toContainText('demo');
      },
    },
  ];
}

test.describe('the main screens, in use', () => {
  // Twenty earlier ceremonies (published, rejected, expired, cancelled, open), and the two arrange() opens.
  test.use({ ceremoniesAtStart: 20 });
  // Every screen twice (light and dark): twice the time a single pass needs on a busy machine.
  test.setTimeout(240_000);

  test('have no automated accessibility violations (WCAG 2 A and AA), light and dark', async ({ page, conclave }) => {
    const id = await arrange(page, conclave);
    const found: string[] = [];
    for (const screen of screens(id)) {
      await test.step(screen.name, async () => {
        await screen.show(page);
        // The same screen in both themes: a colour that reads on white may not on the dark surface.
        for (const theme of themes) {
          await showTheme(page, theme);
          const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
          // The rules really ran on this screen's content (names, structure, contrast).
          expect(results.passes.map((rule) => rule.id)).toEqual(expect.arrayContaining(['color-contrast', 'aria-allowed-attr', 'list']));
          for (const violation of results.violations) {
            found.push(`${screen.name} (${theme}): ${violation.id} (${violation.impact}): ${violation.help}\n    ${violation.nodes.map((node) => node.target.join(' ')).join('\n    ')}`);
          }
        }
        await showTheme(page, 'light');
      });
    }
    expect(found, found.join('\n')).toEqual([]);
  });

  test('screenshots of each main screen', async ({ page, conclave }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    const id = await arrange(page, conclave);
    for (const screen of screens(id)) {
      await test.step(screen.name, async () => {
        await screen.show(page);
        for (const theme of themes) {
          await showTheme(page, theme);
          // A modal dialog is shown as the person sees it (a full-page capture would cut its backdrop at the viewport).
          await page.screenshot({ path: `test-results/screenshots/${screen.name}${theme === 'dark' ? '-dark' : ''}.png`, fullPage: !screen.modal });
        }
        await showTheme(page, 'light');
      });
    }
  });
});
