/**
 * Issue 4: a whole ceremony in the window, in Debian Chromium through the
 * browser shell, with the demo SoftHSM2 tokens alice, bob and carol and the
 * demo policy (any 2 of 3, at least 1 security). Every event is signed by its
 * author's key: the opener (who may then not approve), each decision, a
 * cancellation and the publication.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Page } from '@playwright/test';
import { shellCommand } from '../shared/cli/shell-command';
import { startSilentServer } from '../tests/support/silent-server';
import { createTestCa, makeLabFolder } from '../tests/support/tsa';
import { expect, test } from './support/conclave';
import { copyWithButton, runCopiedCommand } from './support/terminal';
import {
  approvalsSection,
  approveAs,
  ceremonyIdFromUrl,
  conclaveVerify,
  createDemoTokens,
  demoPin,
  fillOpenForm,
  goTo,
  keyChoice,
  openCeremony,
  pinField,
  policyFiles,
  publishAs,
  realArtifact,
  realProvenance,
  reviewSection,
  setUpDemo,
  signAs,
  signAsGroup,
  signDialog,
  tickChecklist,
  trustedPolicies,
  trustPolicyInSettings,
} from './support/ceremony';

test.describe('a 2-of-3 ceremony in the window', () => {
  test('from an empty Conclave to a published release that conclave verify accepts', async ({ page, conclave }) => {
    // The artifact lives where a shell would trip on a bare or unquoted path: spaces, quotes, $ and non-ASCII (issue 11).
    const releaseDir = join(mkdtempSync(join(tmpdir(), 'conclave-release-')), `release "1.2.3" it's $HOME é`);
    mkdirSync(releaseDir);
    const artifact = join(releaseDir, basename(realArtifact));
    copyFileSync(realArtifact, artifact);
    await page.goto(conclave.url);

    // First run: nothing yet, and the way to demo tokens.
    await expect(page.getByRole('heading', { name: 'No ceremonies yet' })).toBeVisible();
    await page.getByRole('button', { name: 'Set up demo tokens' }).click();
    await expect(page.getByRole('heading', { name: 'Tokens', level: 2 })).toBeVisible();
    await createDemoTokens(page);

    // Open a ceremony from the first-run panel, making the demo policy on the way.
    await goTo(page, 'Ceremonies');
    await page.getByRole('button', { name: 'Open a ceremony' }).click();
    await fillOpenForm(page, { name: 'app', version: '1.2.3', artifact, createPolicyHere: true });
    const policy = page.getByRole('combobox', { name: 'Who must approve' });
    await expect(policy.getByRole('option', { selected: true })).toContainText('2 of');
    // carol signs the opening by keyboard only (she will not approve: the opener may not).
    await openAsByKeyboard(page, 'carol');

    await expect(page.getByRole('heading', { name: 'app 1.2.3: what Conclave found' })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Frozen: ready for approvals.' })).toBeVisible();
    await page.getByRole('button', { name: 'Review the ceremony' }).click();

    // Review: what is signed, the evidence, and no approval yet; the opening (and the freeze with it) signed by carol.
    await expect(page.getByRole('heading', { name: 'app 1.2.3', level: 2 })).toBeVisible();
    for (const heading of ['Approvals', 'What is being signed', 'Findings', 'Provenance', 'SBOM', 'Changes since the previous release', 'Review and sign', 'Timeline']) {
      await expect(page.getByRole('heading', { name: heading, exact: true, level: 3 })).toBeVisible();
    }
    const signed = page.getByRole('region', { name: 'What is being signed' });
    await expect(signed.getByRole('table', { name: 'Artifacts' })).toContainText('binary-linux-amd64-multi-subject-first');
    await expect(signed.getByRole('table', { name: 'Artifacts' })).toContainText('482ce8c8');
    await expect(page.getByRole('meter', { name: 'Approvals counted' })).toHaveJSProperty('value', 0);
    await expect(page.getByRole('heading', { name: 'Publish', exact: true })).toHaveCount(0);
    for (const type of ['Opened', 'Frozen']) await expect(timelineRows(page).filter({ hasText: type }).filter({ hasText: 'carol' }).filter({ hasText: 'Valid signature' })).toHaveCount(1);

    // The checklist gates Approve; alice ticks it and signs by keyboard only.
    const approve = reviewSection(page).getByRole('button', { name: 'Approve…' });
    await expect(approve).toBeDisabled();
    await approveByKeyboard(page, 'app 1.2.3');
    await expect(approvalsSection(page).getByRole('listitem').filter({ hasText: 'alice' })).toBeVisible();
    await expect(page.getByRole('meter', { name: 'Approvals counted' })).toHaveJSProperty('value', 1);
    await expect(page.getByRole('heading', { name: 'Publish', exact: true })).toHaveCount(0);

    // bob confirms his own review (the checklist starts over after each signature), then approves with the
    // mouse; alice's key is listed but no longer offered, and says why.
    await expect(approve).toBeDisabled();
    await tickChecklist(page);
    await expect(approve).toBeEnabled();
    await approve.click();
    const dialog = signDialog(page, 'Approve', 'app 1.2.3');
    await expect(keyChoice(dialog, 'bob')).toBeEnabled();
    await expect(keyChoice(dialog, 'alice')).toBeDisabled();
    await expect(keyChoice(dialog, 'carol')).toBeDisabled();
    await expect(dialog.getByText(/^Not offered:/)).toHaveCount(2);
    await expect(dialog.getByText(/^Not offered:.*opened this ceremony/)).toBeVisible();
    await keyChoice(dialog, 'bob').check();
    await expect(dialog.getByLabel('PIN', { exact: true })).toHaveAttribute('type', 'password');
    await dialog.getByLabel('PIN', { exact: true }).fill(demoPin);
    await dialog.getByRole('button', { name: 'Sign approval' }).click();
    await expect(dialog).toBeHidden();
    await expect(approvalsSection(page).getByRole('listitem').filter({ hasText: 'bob' })).toBeVisible();
    await expect(page.getByRole('meter', { name: 'Approvals counted' })).toHaveJSProperty('value', 2);

    // Publish into the test's data folder, signed by carol (a key of the policy and its PIN, as every event).
    const publish = page.getByRole('region', { name: 'Publish', exact: true });
    const folder = join(conclave.dataDir, `published 'app' $1.2.3 ü`);
    // Before anything is written (issue 14): what each verifier will say, computed from their documented rules.
    const forecast = publish.getByRole('region', { name: 'What each verifier will say' });
    await expect(forecast).toContainText('conclave verify: accepts (approved by alice, bob; 2 required)');
    await expect(forecast.getByRole('listitem').filter({ hasText: /^cosign verify-attestation \(alice, ECDSA P-256\): accepts/ })).toHaveCount(1);
    await expect(forecast).toContainText('notation verify: not applicable (the release has no OCI image)');
    const envelope = await publishAs(page, 'carol', folder);
    await expect(publish.getByRole('status').filter({ hasText: /verified/i })).toHaveText(/^verified: alice, bob \(2 of 2 approvals\)$/i);
    await expect(publish.getByRole('button', { name: 'Copy the verify command' })).toBeVisible();
    await expect(publish.getByRole('button', { name: 'Copy folder path' })).toBeVisible();
    expect(envelope.startsWith(folder)).toBe(true);
    expect(existsSync(envelope)).toBe(true);
    await expect(timelineRows(page).filter({ hasText: 'Published' }).filter({ hasText: 'carol' }).filter({ hasText: 'Valid signature' })).toHaveCount(1);

    // A consumer's check, with the same policy: exit 0, naming both approvers.
    const [policyPath] = policyFiles(conclave);
    const verified = conclaveVerify(conclave, ['--policy', policyPath!, '--envelope', envelope, '--artifact', artifact]);
    expect(verified.output).toMatch(/alice/);
    expect(verified.output).toMatch(/bob/);
    expect(verified.status).toBe(0);

    // Issue 11: the verify command the window shows runs exactly as copied, in sh, from an unrelated folder,
    // with conclave found on the PATH the way `npm run setup` puts it there.
    const copied = await copyWithButton(page, page.getByRole('region', { name: 'Publish', exact: true }).getByRole('button', { name: 'Copy the verify command' }));
    await expect(publish.getByLabel('Verify command')).toHaveText(copied);
    expect(copied).toContain(shellCommand([artifact]));
    expect(copied).toContain(shellCommand([envelope]));
    const run = runCopiedCommand(copied, conclave.dataDir);
    expect(run.output).toMatch(/verified: alice, bob/i);
    expect(run.status).toBe(0);
    rmSync(dirname(releaseDir), { recursive: true, force: true });

    // The Ceremonies screen shows it published, in its tab.
    await goTo(page, 'Ceremonies');
    await page.getByRole('tab', { name: /^Published/ }).click();
    const card = page.getByRole('article', { name: 'app 1.2.3' });
    await expect(card).toContainText('Published');
    await expect(card.getByRole('meter', { name: 'Approvals for app 1.2.3' })).toHaveJSProperty('value', 2);
    // The PIN was never logged by the shell.
    expect(conclave.output()).not.toContain(demoPin);
  });
});

/**
 * The opening's signature without the mouse: from the first key, arrows
 * choose `who` (the keys that may open, in token order: alice, bob, carol), Tab goes to
 * the PIN, Enter opens. Waits for what the opening found.
 */
async function openAsByKeyboard(page: Page, who: 'bob' | 'carol'): Promise<void> {
  const signer = signAsGroup(page, 'Sign the opening as');
  // Any of the three may open (issue 16: alice and bob are the demo's security approvers, so the other two still meet it): none is chosen for the person.
  for (const each of ['alice', 'bob', 'carol'] as const) await expect(keyChoice(signer, each)).toBeEnabled();
  await expect(signer.getByRole('radio', { checked: true })).toHaveCount(0);
  await keyChoice(signer, 'bob').focus();
  if (who === 'carol') await page.keyboard.press('ArrowDown');
  await expect(keyChoice(signer, who)).toBeChecked();
  await expect(keyChoice(signer, who)).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(pinField(signer)).toBeFocused();
  await page.keyboard.type(demoPin);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /: what Conclave found$/ })).toBeVisible();
}

/**
 * alice's approval without the mouse: from the first checklist item, Space
 * ticks and Tab moves; Enter on Approve…; in the dialog Space picks her key,
 * Tab goes to the PIN, Enter signs.
 */
async function approveByKeyboard(page: Page, title: string): Promise<void> {
  const boxes = reviewSection(page).getByRole('checkbox');
  const approve = reviewSection(page).getByRole('button', { name: 'Approve…' });
  await expect(boxes).toHaveCount(3);
  // Where a Tab from the page above would land; from here on only keys are pressed.
  await boxes.first().focus();
  for (let index = 0; index < 3; index += 1) {
    const box = boxes.nth(index);
    await expect(box).toBeFocused();
    await expect(box).not.toBeChecked();
    await page.keyboard.press('Space');
    await expect(box).toBeChecked();
    await page.keyboard.press('Tab');
  }
  await expect(approve).toBeFocused();
  await expect(approve).toBeEnabled();
  await page.keyboard.press('Enter');

  const dialog = signDialog(page, 'Approve', title);
  await expect(dialog).toBeVisible();
  // Two keys can sign (carol opened it): none is chosen for the person, and focus is on the first.
  await expect(keyChoice(dialog, 'carol')).toBeDisabled();
  await expect(keyChoice(dialog, 'alice')).toBeFocused();
  await expect(keyChoice(dialog, 'alice')).not.toBeChecked();
  await page.keyboard.press('Space');
  await expect(keyChoice(dialog, 'alice')).toBeChecked();
  await page.keyboard.press('Tab');
  await expect(dialog.getByLabel('PIN', { exact: true })).toBeFocused();
  await page.keyboard.type(demoPin);
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
}

const timelineRows = (page: Page) => page.getByRole('region', { name: 'Timeline' }).getByRole('table', { name: 'Every event of this ceremony' }).getByRole('row');

test.describe('deciding on a ceremony', () => {
  test('a signed rejection that leaves too few approvers makes the policy impossible: Rejected, no approval, no publishing', async ({ page, conclave }) => {
    await setUpDemo(page, conclave);
    // carol opens it, so she may not decide on it: 2 of 3 now needs both alice and bob.
    await openCeremony(page, { name: 'risky', version: '0.9.0', openAs: 'carol' });
    const title = 'risky 0.9.0';

    await expect(reviewSection(page).getByRole('button', { name: 'Reject…' })).toBeEnabled();
    await reviewSection(page).getByRole('button', { name: 'Reject…' }).click();
    const dialog = signDialog(page, 'Reject', title);
    await expect(keyChoice(dialog, 'carol')).toBeDisabled();
    await expect(dialog.getByText(/^Not offered:.*opened this ceremony/)).toBeVisible();
    // A reason is required: signing without one says so and signs nothing.
    await signAs(signAsGroup(dialog, 'Sign with'), 'bob');
    await dialog.getByRole('button', { name: 'Sign rejection' }).click();
    await expect(dialog.getByRole('alert')).toContainText('Say why you reject this release');
    await expect(dialog).toBeVisible();
    await dialog.getByRole('textbox', { name: 'Reason for rejecting' }).fill('The builder is not the one we release from.');
    await dialog.getByLabel('PIN', { exact: true }).fill(demoPin);
    await dialog.getByRole('button', { name: 'Sign rejection' }).click();
    await expect(dialog).toBeHidden();

    // bob rejected: only alice is left, and 2 approvals can no longer be reached.
    const rejections = approvalsSection(page).getByRole('list').filter({ hasText: 'The builder is not the one we release from.' });
    await expect(rejections).toContainText('bob');
    await expect(page.getByRole('heading', { name: title, level: 2 }).locator('..')).toContainText('Rejected');
    await expect(approvalsSection(page)).toContainText('Rejected');
    await expect(approvalsSection(page).getByRole('heading', { name: 'Rejected by' })).toBeVisible();
    await expect(approvalsSection(page).getByRole('listitem')).toHaveCount(1);
    // Neither approving, rejecting again nor publishing is offered; withdrawing is not either (nobody approved).
    // Cancelling is: the core's one table of actions lets a rejected ceremony be closed for good.
    await expect(page.getByRole('region', { name: 'Review and sign' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Approve…' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Reject…' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Withdraw my approval…' })).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'Publish', exact: true })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Publish', exact: true })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Cancel this ceremony…' })).toBeVisible();
    // The opening and the rejection are in the timeline, each signed by its author.
    await expect(timelineRows(page).filter({ hasText: 'Opened' }).filter({ hasText: 'carol' }).filter({ hasText: 'Valid signature' })).toHaveCount(1);
    await expect(timelineRows(page).filter({ hasText: 'Rejected' }).filter({ hasText: 'bob' }).filter({ hasText: 'Valid signature' })).toHaveCount(1);

    // On the Ceremonies screen it is under Rejected, not Open.
    await goTo(page, 'Ceremonies');
    await page.getByRole('tab', { name: /^Rejected/ }).click();
    await expect(page.getByRole('article', { name: title })).toContainText('Rejected');
    await page.getByRole('tab', { name: /^Open/ }).click();
    await expect(page.getByRole('article', { name: title })).toHaveCount(0);
  });

  test('a wrong PIN says so, empties the field and signs nothing; the right PIN then signs', async ({ page, conclave }) => {
    await setUpDemo(page, conclave);
    await openCeremony(page, { name: 'app', version: '2.0.0', openAs: 'bob' });
    const title = 'app 2.0.0';
    await tickChecklist(page);
    await reviewSection(page).getByRole('button', { name: 'Approve…' }).click();
    const dialog = signDialog(page, 'Approve', title);
    await keyChoice(dialog, 'carol').check();
    const pin = dialog.getByLabel('PIN', { exact: true });
    await pin.fill('000000');
    await dialog.getByRole('button', { name: 'Sign approval' }).click();

    await expect(dialog.getByRole('alert')).toContainText('The PIN for token "carol" is wrong');
    await expect(dialog.getByRole('alert')).not.toContainText('000000');
    await expect(pin).toHaveValue('');
    await expect(pin).toBeFocused();
    await expect(pin).toHaveAttribute('aria-invalid', 'true');
    await expect(dialog).toBeVisible();
    await expect(keyChoice(dialog, 'carol')).toBeChecked();
    // Nothing was signed.
    await expect(page.getByRole('meter', { name: 'Approvals counted' })).toHaveJSProperty('value', 0);
    await expect(approvalsSection(page).getByRole('heading', { name: 'Approved by' })).toHaveCount(0);
    await expect(timelineRows(page).filter({ hasText: 'Approved' })).toHaveCount(0);

    await pin.fill(demoPin);
    await dialog.getByRole('button', { name: 'Sign approval' }).click();
    await expect(dialog).toBeHidden();
    await expect(approvalsSection(page).getByRole('listitem').filter({ hasText: 'carol' })).toBeVisible();
    await expect(page.getByRole('meter', { name: 'Approvals counted' })).toHaveJSProperty('value', 1);
    await expect(reviewSection(page).getByRole('status')).toContainText("carol's approval was recorded.");
    await expect(timelineRows(page).filter({ hasText: 'Approved' }).filter({ hasText: 'Valid signature' })).toHaveCount(1);
    expect(conclave.output()).not.toContain('000000');
  });

  test('a reload halfway through comes back to the same ceremony with the approval, and the ceremony finishes', async ({ page, conclave }) => {
    await setUpDemo(page, conclave);
    const id = await openCeremony(page, { name: 'app', version: '3.1.0', openAs: 'carol' });
    const title = 'app 3.1.0';
    await approveAs(page, title, 'alice');
    await expect(page.getByRole('meter', { name: 'Approvals counted' })).toHaveJSProperty('value', 1);

    await page.reload();
    // Same place (the address keeps it), still connected (the session cookie is kept), approval still there.
    expect(page.url()).toMatch(new RegExp(`#/ceremony/${id}$`));
    expect(page.url()).not.toContain('once=');
    await expect(page.getByRole('heading', { name: title, level: 2 })).toBeVisible();
    await expect(page.getByText(id, { exact: true })).toBeVisible();
    await expect(page.getByRole('meter', { name: 'Approvals counted' })).toHaveJSProperty('value', 1);
    await expect(approvalsSection(page).getByRole('listitem').filter({ hasText: 'alice' })).toBeVisible();
    await expect(timelineRows(page).filter({ hasText: 'Approved' }).filter({ hasText: 'Valid signature' })).toHaveCount(1);

    // bob finishes it after the reload.
    await approveAs(page, title, 'bob');
    await expect(page.getByRole('meter', { name: 'Approvals counted' })).toHaveJSProperty('value', 2);
    await expect(page.getByRole('heading', { name: title, level: 2 }).locator('..')).toContainText('Approved: ready to publish');
    await expect(page.getByRole('region', { name: 'Publish', exact: true }).getByRole('button', { name: 'Publish', exact: true })).toBeVisible();
  });

  test('cancelling is signed by a key of the policy with its PIN; a wrong PIN cancels nothing', async ({ page, conclave }) => {
    await setUpDemo(page, conclave);
    await openCeremony(page, { name: 'app', version: '4.0.0', openAs: 'carol' });
    const title = 'app 4.0.0';
    const header = page.getByRole('heading', { name: title, level: 2, exact: true }).locator('..');

    await page.getByRole('button', { name: 'Cancel this ceremony…' }).click();
    const dialog = page.getByRole('dialog', { name: `Cancel the ceremony for ${title}?` });
    await expect(dialog.getByRole('textbox', { name: 'Reason for cancelling' })).toBeFocused();
    const signer = signAsGroup(dialog, 'Sign the cancellation as');
    // Approvers (the opener too) and release managers may cancel.
    for (const who of ['alice', 'bob', 'carol'] as const) await expect(keyChoice(signer, who)).toBeEnabled();
    await dialog.getByRole('textbox', { name: 'Reason for cancelling' }).fill('Wrong artifacts attached.');
    // No key chosen: said, nothing signed.
    await dialog.getByRole('button', { name: 'Cancel ceremony' }).click();
    await expect(dialog.getByRole('alert')).toContainText('Choose the key that signs the cancellation');

    await signAs(signer, 'bob', '000000');
    await dialog.getByRole('button', { name: 'Cancel ceremony' }).click();
    await expect(dialog.getByRole('alert')).toContainText('The PIN for token "bob" is wrong');
    await expect(dialog.getByRole('alert')).not.toContainText('000000');
    await expect(pinField(signer)).toHaveValue('');
    await expect(pinField(signer)).toBeFocused();
    await expect(pinField(signer)).toHaveAttribute('aria-invalid', 'true');
    await expect(keyChoice(signer, 'bob')).toBeChecked();
    await expect(header).toContainText('Frozen: ready for approvals');

    await pinField(signer).fill(demoPin);
    await dialog.getByRole('button', { name: 'Cancel ceremony' }).click();
    await expect(dialog).toBeHidden();
    await expect(header).toContainText('Cancelled');
    await expect(timelineRows(page).filter({ hasText: 'Cancelled' }).filter({ hasText: 'bob' }).filter({ hasText: 'Valid signature' })).toHaveCount(1);
    await expect(page.getByRole('button', { name: 'Cancel this ceremony…' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Approve…' })).toHaveCount(0);
    expect(conclave.output()).not.toContain('000000');
  });
});

test.describe('taking back an approval (issue 10)', () => {
  test('an approver withdraws an approval from the window and the count goes down; after publishing, Withdraw is not offered', async ({ page, conclave }) => {
    await setUpDemo(page, conclave);
    const title = 'app 5.0.0';
    await openCeremony(page, { name: 'app', version: '5.0.0', openAs: 'carol' });
    const meter = page.getByRole('meter', { name: 'Approvals counted' });
    const withdraw = reviewSection(page).getByRole('button', { name: 'Withdraw my approval…' });
    // Nobody here has approved yet: nothing to take back.
    await expect(withdraw).toHaveCount(0);
    await approveAs(page, title, 'alice');
    await approveAs(page, title, 'bob');
    await expect(meter).toHaveJSProperty('value', 2);
    await expect(page.getByRole('heading', { name: title, level: 2 }).locator('..')).toContainText('Approved: ready to publish');

    // bob takes his back: only the keys whose approval counts are offered.
    await withdraw.click();
    const dialog = signDialog(page, 'Withdraw your approval of', title);
    const signer = signAsGroup(dialog, 'Sign with');
    await expect(keyChoice(signer, 'carol')).toBeDisabled();
    await expect(keyChoice(signer, 'alice')).toBeEnabled();
    await expect(keyChoice(signer, 'bob')).toBeEnabled();
    // What the withdrawal names, read from the statement itself, right above the Sign button.
    // Shown short on the page (its whole value in the title and the copy button); the dialog shows it whole.
    const statementDigest = (await page.getByRole('region', { name: 'What is being signed' }).locator('p', { hasText: 'Statement digest' }).locator('code').first().getAttribute('data-digest'))!.trim();
    expect(statementDigest).toMatch(/^[0-9a-f]{64}$/);
    const shown = page.getByRole('region', { name: 'What is being signed' }).locator('p', { hasText: 'Statement digest' }).locator('code').first();
    await expect(shown).toHaveText(`${statementDigest.slice(0, 8)}…${statementDigest.slice(-8)}`);
    await expect(shown).toHaveAttribute('title', statementDigest);
    const what = dialog.getByRole('region', { name: 'What you sign' });
    await expect(what).toContainText('binary-linux-amd64-multi-subject-first');
    await expect(what).toContainText(`sha256:${statementDigest}`);
    await expect(what).toContainText('pkg:');
    // A reason is required, and signed.
    await signAs(signer, 'bob');
    await dialog.getByRole('button', { name: 'Sign withdrawal' }).click();
    await expect(dialog.getByRole('alert')).toContainText('Say why you withdraw your approval');
    await dialog.getByRole('textbox', { name: 'Reason for withdrawing' }).fill('The SBOM was for another build.');
    await pinField(signer).fill(demoPin);
    await dialog.getByRole('button', { name: 'Sign withdrawal' }).click();
    await expect(dialog).toBeHidden();

    // The count goes down and the ceremony is back to collecting approvals; the withdrawal is in the timeline, signed by bob.
    await expect(meter).toHaveJSProperty('value', 1);
    await expect(reviewSection(page).getByRole('status')).toContainText("bob's approval was withdrawn.");
    await expect(approvalsSection(page).getByRole('listitem').filter({ hasText: 'bob' })).toHaveCount(0);
    await expect(page.getByRole('heading', { name: title, level: 2 }).locator('..')).toContainText('Frozen: ready for approvals');
    await expect(page.getByRole('region', { name: 'Publish', exact: true })).toHaveCount(0);
    await expect(
      timelineRows(page).filter({ hasText: 'Approval withdrawn' }).filter({ hasText: 'The SBOM was for another build.' }).filter({ hasText: 'bob' }).filter({ hasText: 'Valid signature' }),
    ).toHaveCount(1);

    // bob approves again; carol publishes; a published release takes no withdrawal.
    await approveAs(page, title, 'bob');
    await expect(meter).toHaveJSProperty('value', 2);
    await publishAs(page, 'carol', join(conclave.dataDir, 'published'));
    await expect(page.getByRole('heading', { name: title, level: 2 }).locator('..')).toContainText('Published');
    await expect(page.getByRole('button', { name: 'Withdraw my approval…' })).toHaveCount(0);
    await page.reload();
    await expect(page.getByRole('heading', { name: title, level: 2 })).toBeVisible();
    await expect(approvalsSection(page).getByRole('listitem').filter({ hasText: 'bob' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Withdraw my approval…' })).toHaveCount(0);
    expect(conclave.output()).not.toContain(demoPin);
  });
});

test.describe('trusted policies (issue 10)', () => {
  test('a ceremony under a policy this machine does not trust says so and offers nothing; trusting it in Settings brings the actions back', async ({ page, conclave }) => {
    await setUpDemo(page, conclave);
    const title = 'app 6.0.0';
    const id = await openCeremony(page, { name: 'app', version: '6.0.0', openAs: 'carol' });
    await expect(reviewSection(page).getByRole('button', { name: 'Approve…' })).toBeVisible();

    // The policy leaves this machine's trusted policies (kept aside, as the team's file would be).
    const aside = mkdtempSync(join(tmpdir(), 'conclave-policy-'));
    try {
      const [trusted] = policyFiles(conclave);
      const teamPolicy = join(aside, basename(trusted!));
      copyFileSync(trusted!, teamPolicy);
      rmSync(trusted!);
      await page.reload();
      await expect(page.getByRole('heading', { name: title, level: 2 })).toBeVisible();
      await expect(page.getByText(/^This machine does not trust this ceremony's policy \(sha256:[0-9a-f]{64}\): it takes no decisions here\. Trust it in Settings → Policies if it is your team's\.$/)).toBeVisible();
      for (const action of ['Approve…', 'Reject…', 'Withdraw my approval…', 'Cancel this ceremony…']) await expect(page.getByRole('button', { name: action })).toHaveCount(0);
      await expect(page.getByRole('region', { name: 'Review and sign' })).toHaveCount(0);
      await goTo(page, 'Ceremonies');
      await expect(page.getByRole('article', { name: title })).toContainText('Policy not trusted here');
      // History, where an auditor reads every ceremony, says so on the ceremony's row too.
      await goTo(page, 'History');
      await expect(page.getByRole('listbox', { name: 'Ceremonies found' }).getByRole('option').filter({ hasText: id })).toContainText('Policy not trusted here');

      // Settings: the file is read and shown first (digest, rule, approvers); nothing is trusted until confirmed.
      await trustPolicyInSettings(page, teamPolicy, async (review) => {
        await expect(review).toContainText(/sha256:[0-9a-f]{64}/);
        await expect(review).toContainText('any 2 of alice, bob, carol; at least 1 security');
        await expect(review.getByRole('list', { name: 'Approvers of this policy' })).toContainText('alice (security)');
        await expect(trustedPolicies(page)).toHaveCount(0);
      });
      await expect(trustedPolicies(page).getByRole('listitem')).toHaveCount(1);

      await goTo(page, 'Ceremonies');
      await page.getByRole('article', { name: title }).getByRole('link', { name: title }).click();
      expect(ceremonyIdFromUrl(page)).toBe(id);
      await expect(page.getByText(/^This machine does not trust this ceremony's policy/)).toHaveCount(0);
      await expect(reviewSection(page).getByRole('button', { name: 'Approve…' })).toBeVisible();
      await expect(page.getByRole('button', { name: 'Cancel this ceremony…' })).toBeVisible();
    } finally {
      rmSync(aside, { recursive: true, force: true });
    }
  });
});

test.describe('an approval that waits on a time-stamping authority (issue 12)', () => {
  test('Cancel in the approval dialog ends it while the authority does not answer: nothing is recorded, and the dialog says so', async ({ page, conclave }) => {
    // A time-stamping authority that takes the request and never answers (its own deadline is 15 s away).
    const silent = await startSilentServer();
    const lab = await makeLabFolder();
    try {
      await setUpDemo(page, conclave);
      // The demo policy, asking every approval for a trusted time from that authority.
      const root = await createTestCa(lab.dir, 'Silent TSA Root');
      const stampedPolicy = join(lab.dir, 'demo-with-trusted-time.json');
      const demo = JSON.parse(readFileSync(policyFiles(conclave)[0]!, 'utf8')) as Record<string, unknown>;
      writeFileSync(stampedPolicy, JSON.stringify({ ...demo, name: 'demo with trusted time', timestamping: { url: `http://${silent.host}/tsr`, certificates: readFileSync(root.certPath, 'utf8'), required: true } }));
      await trustPolicyInSettings(page, stampedPolicy);
      const trusted = policyFiles(conclave).find((path) => readFileSync(path, 'utf8').includes('demo with trusted time'))!;

      await goTo(page, 'Ceremonies');
      await page.getByRole('button', { name: 'Open a ceremony' }).first().click();
      await page.getByRole('textbox', { name: 'Release name' }).fill('stamped');
      await page.getByRole('textbox', { name: 'Version', exact: true }).fill('1.0.0');
      await page.getByRole('textbox', { name: 'Path of an artifact' }).fill(realArtifact);
      await page.getByRole('button', { name: 'Add artifact' }).click();
      await page.getByRole('textbox', { name: 'Path of a provenance file' }).fill(realProvenance);
      await page.getByRole('button', { name: 'Add provenance file' }).click();
      await page.getByRole('combobox', { name: 'Who must approve' }).selectOption(trusted);
      await signAs(signAsGroup(page, 'Sign the opening as'), 'carol');
      await page.getByRole('button', { name: 'Open ceremony', exact: true }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Frozen: ready for approvals.' })).toBeVisible();
      await page.getByRole('button', { name: 'Review the ceremony' }).click();

      await tickChecklist(page);
      await reviewSection(page).getByRole('button', { name: 'Approve…' }).click();
      const dialog = signDialog(page, 'Approve', 'stamped 1.0.0');
      await expect(dialog.getByRole('button', { name: 'Cancel approval' })).toHaveCount(0);
      await signAs(signAsGroup(dialog, 'Sign with'), 'alice');
      const asked = silent.connections;
      await dialog.getByRole('button', { name: 'Sign approval' }).click();
      // alice's token has signed and the authority has been asked: Cancel, while it says nothing.
      await silent.connectedBeyond(asked);
      await dialog.getByRole('button', { name: 'Cancel approval' }).click();

      await expect(dialog.getByRole('alert')).toContainText('Approving was cancelled while Conclave waited for the time-stamping authority');
      await expect(dialog.getByRole('alert')).toContainText('your approval was not recorded');
      await expect(dialog.getByRole('button', { name: 'Cancel approval' })).toHaveCount(0);
      await expect(keyChoice(dialog, 'alice')).toBeChecked();
      await expect(page.getByRole('meter', { name: 'Approvals counted' })).toHaveJSProperty('value', 0);
      await expect(timelineRows(page).filter({ hasText: 'Approved' })).toHaveCount(0);
    } finally {
      await silent.close();
      await lab.remove();
    }
  });
});
