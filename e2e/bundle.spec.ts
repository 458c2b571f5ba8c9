/**
 * Issue 5, air-gapped signing from the window: the release manager exports a
 * ceremony from the review screen, an offline laptop (a second Conclave with
 * its own data folder and a copy of the demo tokens, as if the approvers had
 * carried theirs over) imports it from the Ceremonies screen and bob approves
 * there; the bundle it exports comes back, a tampered copy is refused with the
 * reason, and the real one brings bob's approval home.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, startAnotherConclave, test } from './support/conclave';
import { approvalsSection, approveAs, ceremonyIdFromUrl, goTo, openCeremony, policyFiles, setUpDemo, trustPolicyInSettings } from './support/ceremony';

async function exportFromReview(page: Page, folder: string, fileName: string): Promise<string> {
  const panel = page.getByRole('region', { name: 'Offline machines' });
  await panel.getByRole('textbox', { name: 'Write the bundle into folder' }).fill(folder);
  await panel.getByRole('button', { name: 'Export for an offline machine' }).click();
  const written = panel.getByRole('status', { name: 'Bundle written' });
  await expect(written).toContainText(`Wrote ${fileName}`);
  await expect(written).toContainText(join(folder, fileName));
  return join(folder, fileName);
}

async function importFromCeremonies(page: Page, path: string) {
  await goTo(page, 'Ceremonies');
  await page.getByRole('button', { name: 'Import a bundle…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import a ceremony bundle' });
  await dialog.getByRole('textbox', { name: 'Bundle file' }).fill(path);
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(dialog.getByRole('region', { name: 'Import report' })).toBeVisible();
  return dialog;
}

test('a ceremony goes to an offline laptop and comes back with an approval', async ({ page, context, conclave }) => {
  test.setTimeout(150_000);
  const usb = mkdtempSync(join(tmpdir(), 'conclave-usb-'));
  try {
    // The release manager: a ceremony with alice's approval, exported to the stick.
    await setUpDemo(page, conclave);
    const title = 'offline 2.0.0';
    // carol opens it (signing the opening); alice approves here and bob on the laptop.
    const id = await openCeremony(page, { name: 'offline', version: '2.0.0', openAs: 'carol' });
    await approveAs(page, title, 'alice');
    const toLaptop = await exportFromReview(page, usb, `offline-2.0.0.${id}.conclave-bundle.json`);
    await expect(page.getByRole('status', { name: 'Bundle written' })).toContainText('It holds 3 events');

    // The offline laptop: the demo tokens carried over, an empty store.
    const offline = await startAnotherConclave(conclave.tokens, (dataDir) => {
      const from = join(conclave.dataDir, 'demo-tokens');
      const to = join(dataDir, 'demo-tokens');
      cpSync(from, to, { recursive: true });
      const conf = join(to, 'softhsm2.conf');
      writeFileSync(conf, readFileSync(conf, 'utf8').replace(from, to));
    });
    try {
      const laptopPage = await context.newPage();
      await laptopPage.goto(offline.url);
      await expect(laptopPage.getByRole('heading', { name: 'No ceremonies yet' })).toBeVisible();

      // In the browser shell a dropped file has no path: the window says so and offers Browse.
      // Written as page code (a string): this file type-checks without the DOM library.
      const dataTransfer = await laptopPage.evaluateHandle(
        "(() => { const transfer = new DataTransfer(); transfer.items.add(new File(['{}'], 'offline-2.0.0.conclave-bundle.json', { type: 'application/json' })); return transfer; })()",
      );
      await laptopPage.locator('.app').dispatchEvent('drop', { dataTransfer });
      const dropped = laptopPage.getByRole('dialog', { name: 'Import a ceremony bundle' });
      await expect(dropped.getByRole('status').filter({ hasText: 'Dropping a bundle needs the desktop app' })).toBeVisible();
      await expect(dropped.getByRole('button', { name: 'Browse…' })).toBeVisible();
      await dropped.getByRole('button', { name: 'Cancel' }).click();
      await expect(dropped).toBeHidden();

      // The laptop trusts the team's policy (carried over with the tokens), after checking what it says: a bundle never brings trust.
      const [teamPolicy] = policyFiles(conclave);
      await trustPolicyInSettings(laptopPage, teamPolicy!, async (review) => {
        await expect(review).toContainText('any 2 of alice, bob, carol');
        await expect(review.getByRole('list', { name: 'Approvers of this policy' }).getByRole('listitem')).toHaveCount(3);
      });

      const imported = await importFromCeremonies(laptopPage, toLaptop);
      const report = imported.getByRole('region', { name: 'Import report' });
      await expect(report).toContainText('Imported offline 2.0.0');
      await expect(report).toContainText('This ceremony is new on this computer');
      const added = report.getByRole('list', { name: 'Added' });
      await expect(added.getByRole('listitem')).toHaveCount(3);
      await expect(added).toContainText("alice's approval");
      await expect(added).toContainText('the frozen release statement');
      await report.getByRole('button', { name: 'Review the ceremony' }).click();
      await expect(laptopPage.getByRole('heading', { name: title, level: 2 })).toBeVisible();
      expect(ceremonyIdFromUrl(laptopPage)).toBe(id);
      await expect(approvalsSection(laptopPage).getByRole('listitem').filter({ hasText: 'alice' })).toBeVisible();

      // bob approves on the laptop, which exports the ceremony back to the same stick: a new file beside the first.
      await approveAs(laptopPage, title, 'bob');
      const back = await exportFromReview(laptopPage, usb, `offline-2.0.0.${id}-2.conclave-bundle.json`);
      expect((JSON.parse(readFileSync(toLaptop, 'utf8')) as { ceremonyId: string }).ceremonyId).toBe(id);

      // A courier flips one bit of bob's signature: that approval is refused, with why; nothing else changes.
      const bundle = JSON.parse(readFileSync(back, 'utf8')) as { events: { name: string; envelope: string }[] };
      const first = readFileSync(toLaptop, 'utf8');
      const bobs = bundle.events.find((file) => file.name.includes('-approved-') && !first.includes(file.name))!;
      const envelope = JSON.parse(bobs.envelope) as { payload: string };
      const event = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { signature: string };
      const signature = Buffer.from(event.signature, 'base64');
      signature[10] = signature[10]! ^ 1;
      envelope.payload = Buffer.from(JSON.stringify({ ...event, signature: signature.toString('base64') })).toString('base64');
      bobs.envelope = JSON.stringify(envelope);
      const tampered = join(usb, 'tampered.conclave-bundle.json');
      writeFileSync(tampered, JSON.stringify(bundle));

      const refusedDialog = await importFromCeremonies(page, tampered);
      const refusedReport = refusedDialog.getByRole('region', { name: 'Import report' });
      await expect(refusedReport).toContainText('Nothing was added to offline 2.0.0. 1 file was refused');
      const refused = refusedReport.getByRole('list', { name: 'Refused' });
      await expect(refused).toContainText('An approval');
      // The event file is signed by its author too: changing its bytes breaks that signature first.
      await expect(refused).toContainText('The signature of bob on this approved event is missing or does not match its content');
      await expect(refusedReport).toContainText('3 events were already here');

      // The real bundle: bob's approval comes home and the ceremony is approved.
      await refusedDialog.getByRole('textbox', { name: 'Bundle file' }).fill(back);
      await refusedDialog.getByRole('button', { name: 'Import another' }).click();
      const homeReport = refusedDialog.getByRole('region', { name: 'Import report' });
      await expect(homeReport).toContainText("Added to offline 2.0.0: bob's approval.");
      await expect(homeReport).toContainText('The ceremony is now approved');
      await homeReport.getByRole('button', { name: 'Review the ceremony' }).click();
      await expect(page.getByRole('heading', { name: 'Publish', exact: true })).toBeVisible();
      await expect(approvalsSection(page).getByRole('listitem').filter({ hasText: 'bob' })).toBeVisible();
    } finally {
      await offline.stop();
    }
  } finally {
    rmSync(usb, { recursive: true, force: true });
  }
});
