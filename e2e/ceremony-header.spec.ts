/**
 * Issue 16: on a ceremony's screen, at 1280×800, the header says where the
 * ceremony stands and the one next step for this person, and the control
 * for that step is in view without scrolling: Approve… for an approver,
 * Publish once the policy is met, Verify again once published. And the
 * window sees changes the CLI makes to the same store, without a reload.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { softhsmModule } from '../tests/support/softhsm';
import { expect, test, type ConclaveInstance } from './support/conclave';
import { approvalsSection, approveAs, demoPin, goTo, openCeremony, publishAs, reviewSection, setUpDemo, type DemoApprover } from './support/ceremony';

test.use({ viewport: { width: 1280, height: 800 } });

const cli = fileURLToPath(new URL('../bin/conclave.js', import.meta.url));

const nextStep = (page: Page) => page.getByRole('region', { name: 'Next step' });
const header = (page: Page, title: string) => page.getByRole('heading', { name: title, level: 2, exact: true }).locator('..');

/** Wholly inside the 1280×800 window as it is, without scrolling (its bounding box, not only a visible pixel). */
async function expectInFirstScreen(locator: Locator): Promise<void> {
  await expect(locator).toBeVisible();
  expect(await locator.evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY)).toBe(0);
  const box = await locator.boundingBox();
  expect(box).not.toBeNull();
  expect(box!.y).toBeGreaterThanOrEqual(0);
  expect(box!.y + box!.height).toBeLessThanOrEqual(800);
  expect(box!.x + box!.width).toBeLessThanOrEqual(1280);
}

/** No WCAG 2 A or AA violation on the page as it is now (the folded sections' buttons, the header's regions). */
async function expectNoAxeViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** `conclave ceremony approve` in another process, on the same data folder and tokens: the window's core did not write it. */
function approveWithCli(conclave: ConclaveInstance, ceremonyId: string, who: DemoApprover): void {
  const env = { ...process.env, ...conclave.tokens.env, CONCLAVE_HOME: conclave.dataDir, CONCLAVE_PKCS11_MODULES: softhsmModule!, DEMO_PIN: demoPin };
  execFileSync(process.execPath, [cli, 'ceremony', 'approve', ceremonyId, '--key', `pkcs11:token=${who};object=release-signing`, '--pin-env', 'DEMO_PIN'], { env, stdio: 'pipe' });
}

test.describe('the ceremony header (issue 16)', () => {
  test('shows the state and the count once, and the next step in view: Approve…, then Publish, then Verify again', async ({ page, conclave }) => {
    await setUpDemo(page, conclave);
    const title = 'app 7.0.0';
    // Straight from "Review the ceremony" on the Open screen, without a reload.
    await openCeremony(page, { name: 'app', version: '7.0.0', openAs: 'carol' });
    await expect(header(page, title)).toContainText('Frozen: ready for approvals');

    // Where it stands, said once: the pill and "0 of 2 approvals" are not repeated further down.
    await expect(page.getByText('Frozen: ready for approvals', { exact: true })).toHaveCount(1);
    await expect(page.getByText('0 of 2 approvals', { exact: true })).toHaveCount(1);
    await expect(page.getByRole('meter', { name: 'Approvals counted' })).toHaveJSProperty('value', 0);

    // An approver's tokens are attached here: the next step is approving, and its button is on the first screen.
    await expect(nextStep(page)).toContainText('Your approval is needed');
    await expectInFirstScreen(reviewSection(page).getByRole('button', { name: 'Approve…' }));
    for (const box of await reviewSection(page).getByRole('checkbox').all()) await expectInFirstScreen(box);
    // The long sections are folded behind one line each.
    for (const section of ['Provenance', 'SBOM']) {
      await expect(page.getByRole('button', { name: section, exact: true })).toHaveAttribute('aria-expanded', 'false');
    }
    await expectNoAxeViolations(page);

    await approveAs(page, title, 'alice');
    await expect(page.getByText('1 of 2 approvals', { exact: true })).toHaveCount(1);
    await approveAs(page, title, 'bob');

    // The policy is met: Approve… and the checklist are gone, Publish is the step, in view on arrival.
    await page.reload();
    await expect(header(page, title)).toContainText('Approved: ready to publish');
    await expect(page.getByText('Approved: ready to publish', { exact: true })).toHaveCount(1);
    await expect(page.getByText('2 of 2 approvals', { exact: true })).toHaveCount(1);
    await expect(header(page, title).locator('..')).toContainText('approved by alice and bob');
    await expect(nextStep(page)).toContainText('The policy is met');
    await expect(page.getByRole('button', { name: 'Approve…' })).toHaveCount(0);
    await expect(page.getByRole('checkbox')).toHaveCount(0);
    const publish = page.getByRole('region', { name: 'Publish', exact: true });
    await expectInFirstScreen(publish.getByRole('button', { name: 'Publish', exact: true }));

    // The result of publishing appears where Publish was pressed, on the first screen.
    await publishAs(page, 'carol', join(conclave.dataDir, 'published'));
    await expectInFirstScreen(publish.getByRole('status').filter({ hasText: /verified/i }));
    await expect(header(page, title)).toContainText('Published');
    // Nothing is left to carry to an offline machine.
    await expect(page.getByRole('region', { name: 'Offline machines' })).toHaveCount(0);

    // Published, seen afresh: verifying is the step, and its result shows next to its button.
    await page.reload();
    const verify = nextStep(page).getByRole('button', { name: 'Verify again' });
    await expectInFirstScreen(verify);
    await expect(page.getByRole('button', { name: 'Verify again' })).toHaveCount(1);
    await verify.click();
    const result = nextStep(page).getByRole('status', { name: 'Verification result' });
    await expect(result).toContainText(/verified/i);
    await expectInFirstScreen(result);
    await expectNoAxeViolations(page);
  });

  test('approvals made with the CLI appear in the open ceremony and in the Ceremonies list without a reload', async ({ page, conclave }) => {
    await setUpDemo(page, conclave);
    const title = 'app 8.0.0';
    const id = await openCeremony(page, { name: 'app', version: '8.0.0', openAs: 'carol' });
    const meter = page.getByRole('meter', { name: 'Approvals counted' });
    await expect(meter).toHaveJSProperty('value', 0);

    // alice approves from a terminal: the ceremony on screen follows.
    approveWithCli(conclave, id, 'alice');
    await expect(meter).toHaveJSProperty('value', 1);
    await expect(approvalsSection(page).getByRole('listitem').filter({ hasText: 'alice' })).toBeVisible();
    await expect(page.getByText('1 of 2 approvals', { exact: true })).toHaveCount(1);

    // The Ceremonies list, already loaded, follows bob's approval from the terminal too.
    await goTo(page, 'Ceremonies');
    const card = page.getByRole('article', { name: title });
    await expect(card).toContainText('Approved by alice');
    approveWithCli(conclave, id, 'bob');
    await expect(card).toContainText('Approved by alice and bob');
    await expect(card.getByRole('meter', { name: `Approvals for ${title}` })).toHaveJSProperty('value', 2);
    await expect(card).not.toContainText('Waiting on you');
  });
});
