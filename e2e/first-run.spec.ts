/**
 * Issue 16: the README's first run ("In the window"), exactly as written, in
 * a 1280×800 window from an empty data folder: demo tokens, the demo policy,
 * a ceremony opened with a file and its provenance and signed by carol,
 * reviewed and approved by alice and bob, published by carol, the verify
 * command the window shows run as copied, and History with Verify again.
 * At every step the control the person presses next is already in view:
 * each is asserted before it is pressed, since a click scrolls.
 */
import { spawnSync } from 'node:child_process';
import { basename, isAbsolute } from 'node:path';
import { expect, test } from './support/conclave';
import {
  approvalsSection,
  demoPin,
  fillOpenForm,
  keyChoice,
  nav,
  pinField,
  realArtifact,
  reviewSection,
  signAsGroup,
  signDialog,
  trustedPolicies,
  type DemoApprover,
} from './support/ceremony';
import { copyWithButton, runCopiedCommand } from './support/terminal';
import { expectInViewport } from './support/viewport';
import type { Page } from '@playwright/test';

/** The words sh makes of one simple command line (sh's own parser, not a copy of it): printed by `printf`, one a line. */
function shellWords(commandLine: string): string[] {
  const printed = spawnSync('sh', ['-c', `printf '%s\\n' ${commandLine}`], { encoding: 'utf8' });
  expect(printed.status, printed.stderr).toBe(0);
  return printed.stdout.split('\n').slice(0, -1);
}

test.use({ viewport: { width: 1280, height: 800 } });

const release = { name: 'app', version: '1.0.0' };
const title = `${release.name} ${release.version}`;

/** Presses a main navigation entry, in view first, and waits for its screen. */
async function goToInView(page: Page, screen: 'Ceremonies' | 'History' | 'Tokens' | 'Settings'): Promise<void> {
  await expectInViewport(nav(page, screen), `${screen} in the navigation`);
  await nav(page, screen).click();
  await expect(page.getByRole('heading', { name: screen, level: 2, exact: true })).toBeVisible();
}

/** "Confirm the checklist, and approve as …": every box, Approve…, the key and PIN, Sign approval, each pressed where it is. */
async function approveInView(page: Page, who: DemoApprover, counted: number): Promise<void> {
  const boxes = reviewSection(page).getByRole('checkbox');
  await expect(boxes).toHaveCount(3);
  for (const box of await boxes.all()) {
    await expectInViewport(box, `a checklist item for ${who}`);
    await box.check();
  }
  const approve = reviewSection(page).getByRole('button', { name: 'Approve…' });
  await expect(approve).toBeEnabled();
  await expectInViewport(approve, `Approve… for ${who}`);
  await approve.click();

  const dialog = signDialog(page, 'Approve', title);
  const signWith = signAsGroup(dialog, 'Sign with');
  // carol opened it: the policy does not let her approve it too.
  await expect(keyChoice(signWith, 'carol')).toBeDisabled();
  await expectInViewport(keyChoice(signWith, who), `${who}'s key`);
  await keyChoice(signWith, who).check();
  await pinField(signWith).fill(demoPin);
  const sign = dialog.getByRole('button', { name: 'Sign approval' });
  await expectInViewport(sign, `Sign approval for ${who}`);
  await sign.click();
  await expect(dialog).toBeHidden();
  await expect(approvalsSection(page).getByRole('listitem').filter({ hasText: who })).toBeVisible();
  await expect(page.getByRole('meter', { name: 'Approvals counted' })).toHaveJSProperty('value', counted);
}

test('the README first run: demo tokens and policy, open, approve twice, publish, verify the copied command, History (issue 16)', async ({ page, conclave }) => {
  await page.goto(conclave.url);

  // An empty data folder: nothing to show yet, and the way to demo tokens and a policy.
  await expect(page.getByRole('heading', { name: 'No ceremonies yet' })).toBeVisible();

  // Tokens → Create demo tokens.
  await goToInView(page, 'Tokens');
  const createTokens = page.getByRole('button', { name: 'Create demo tokens' });
  await expectInViewport(createTokens);
  await createTokens.click();
  const demo = page.getByRole('region', { name: 'Demo tokens (SoftHSM2)' });
  for (const label of ['alice', 'bob', 'carol']) await expect(demo.getByRole('region', { name: label, exact: true })).toBeVisible();

  // Settings → Create the demo policy (which trusts it on this machine).
  await goToInView(page, 'Settings');
  const createPolicy = page.getByRole('button', { name: 'Create the demo policy' });
  await expectInViewport(createPolicy);
  // The tokens exist now: Settings does not send the newcomer back to make them.
  await expect(page.getByText('The demo policy needs any 2 of the demo tokens')).not.toContainText('Create the demo tokens');
  await createPolicy.click();
  await expect(trustedPolicies(page).getByRole('listitem')).toHaveCount(1);

  // Ceremonies → Open a ceremony, with a file as the artifact and its provenance, the opening signed as carol.
  await goToInView(page, 'Ceremonies');
  const openACeremony = page.getByRole('button', { name: 'Open a ceremony' });
  await expect(openACeremony).toHaveCount(1);
  await expectInViewport(openACeremony);
  await openACeremony.click();
  await fillOpenForm(page, { ...release, openAs: 'carol' });
  const open = page.getByRole('button', { name: 'Open ceremony', exact: true });
  // Where the person is once the PIN is typed (fill scrolls to each field, as they would).
  await expectInViewport(open, 'Open ceremony');
  await open.click();
  await expect(page.getByRole('heading', { name: `${title}: what Conclave found` })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Frozen: ready for approvals.' })).toBeVisible();
  const review = page.getByRole('button', { name: 'Review the ceremony' });
  await expectInViewport(review, 'Review the ceremony');
  await review.click();
  await expect(page.getByRole('heading', { name: title, level: 2, exact: true })).toBeVisible();

  // Review what is being signed: the file, by name, in the statement every approver signs.
  const signed = page.getByRole('region', { name: 'What is being signed' });
  await expect(signed).toContainText(basename(realArtifact));
  await expect(page.getByRole('region', { name: 'Next step' })).toContainText('Your approval is needed');

  // Confirm the checklist, and approve as alice and as bob.
  await approveInView(page, 'alice', 1);
  await approveInView(page, 'bob', 2);

  // Once two have approved, publish, signed as carol again: Publish is in view without a reload.
  await expect(page.getByRole('region', { name: 'Next step' })).toContainText('The policy is met');
  await expect(page.getByRole('button', { name: 'Approve…' })).toHaveCount(0);
  const publish = page.getByRole('region', { name: 'Publish', exact: true });
  // The README names no folder: the one the window offers (in the data folder) is used.
  await expect(publish.getByRole('textbox', { name: 'Publish to folder' })).toHaveValue(`${conclave.dataDir}/published`);
  const publishAs = signAsGroup(publish, 'Sign the publication as');
  await expectInViewport(keyChoice(publishAs, 'carol'), "carol's key for the publication");
  await keyChoice(publishAs, 'carol').check();
  await pinField(publishAs).fill(demoPin);
  const publishButton = publish.getByRole('button', { name: 'Publish', exact: true });
  await expectInViewport(publishButton, 'Publish');
  await publishButton.click();
  await expect(publish.getByRole('status').filter({ hasText: /verified/i })).toBeVisible();

  // The window shows the `conclave verify` command: the policy, the envelope and the artifact by absolute path, quoted for sh.
  const shown = publish.getByLabel('Verify command');
  await expectInViewport(shown, 'the verify command');
  const command = (await shown.textContent())!.trim();
  const words = shellWords(command);
  expect(words.slice(0, 2)).toEqual(['conclave', 'verify']);
  const paths = words.filter((_, index) => ['--policy', '--envelope', '--bundle', '--artifact'].includes(words[index - 1]!));
  expect(paths.length).toBe(words.length - 2 - paths.length);
  for (const path of paths) expect(isAbsolute(path), path).toBe(true);
  expect(words[words.indexOf('--artifact') + 1]).toBe(realArtifact);
  expect(words[words.indexOf('--envelope') + 1]).toMatch(new RegExp(`^${conclave.dataDir}/published/`));
  await expect(publish).not.toContainText('<path of');

  // Copied with its button and run from another folder: it exits 0 and says verified, by whom.
  const copy = publish.getByRole('button', { name: 'Copy the verify command' });
  await expectInViewport(copy, 'Copy the verify command');
  const copied = await copyWithButton(page, copy);
  expect(copied).toBe(command);
  const run = runCopiedCommand(copied, conclave.dataDir);
  expect(run.output).toMatch(/^verified: alice, bob \(2 of 2 approvals\)$/m);
  expect(run.output).not.toContain('NOT verified');
  expect(run.status, run.output).toBe(0);

  // History lists the ceremony, published; opened from there, Verify again says it verifies.
  await goToInView(page, 'History');
  const list = page.getByRole('listbox', { name: 'Ceremonies found' });
  const row = list.getByRole('option').filter({ hasText: title });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Published');
  await expect(row).toContainText('alice and bob');
  await expectInViewport(row, 'the ceremony in History');
  await row.click();
  await expect(page.getByRole('heading', { name: title, level: 2, exact: true })).toBeVisible();
  const nextStep = page.getByRole('region', { name: 'Next step' });
  const verifyAgain = nextStep.getByRole('button', { name: 'Verify again' });
  await expectInViewport(verifyAgain, 'Verify again');
  await verifyAgain.click();
  const result = nextStep.getByRole('status', { name: 'Verification result' });
  await expect(result).toContainText('verified: alice, bob (2 of 2 approvals)');
  await expect(result).not.toContainText('NOT verified');
  await expectInViewport(result, 'the verification result');
  // The PIN was never logged by the shell.
  expect(conclave.output()).not.toContain(demoPin);
});
