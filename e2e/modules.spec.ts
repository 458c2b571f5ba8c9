/**
 * Settings → Modules in the browser shell (issue 12): a path typed in the
 * window loads nothing until the person has seen what the file is (path,
 * owner, permissions) and confirmed it; Cancel there loads nothing.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { softhsmModule } from '../tests/support/softhsm';
import { goTo } from './support/ceremony';
import { expect, test } from './support/conclave';

test.describe('adding a PKCS#11 module in the browser shell', () => {
  test.use({ tokensAtStart: { alice: '1234' } });

  test('shows the path, owner and permissions, and loads the module only once confirmed', async ({ page, conclave }) => {
    // A module of the person's own: SoftHSM2 under another name, in a folder only they can write to.
    const folder = join(conclave.dataDir, 'vendor');
    mkdirSync(folder, { mode: 0o755 });
    const library = join(folder, 'libvendor-pkcs11.so');
    copyFileSync(softhsmModule!, library);

    await page.goto(conclave.url);
    await goTo(page, 'Settings');
    const modules = page.getByRole('list', { name: 'PKCS#11 modules' });
    await page.getByRole('button', { name: 'Add module…' }).click();

    const form = page.getByRole('dialog', { name: 'Add a PKCS#11 module' });
    await form.getByLabel('Module path').fill(library);
    await form.getByRole('button', { name: 'Continue' }).click();

    const confirm = page.getByRole('dialog', { name: 'Load this PKCS#11 module?' });
    await expect(confirm).toBeVisible();
    const facts = confirm.getByRole('definition');
    await expect(facts.filter({ hasText: library })).toBeVisible();
    await expect(confirm).toContainText(/uid \d+/);
    await expect(confirm).toContainText(/-rw.r..r.. \(0\d{3}\)/);
    // Cancel: nothing is loaded or remembered.
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(confirm).toBeHidden();
    await expect(modules).not.toContainText(library);
    expect(existsSync(join(conclave.dataDir, 'settings.json'))).toBe(false);

    // Again, confirmed this time.
    await page.getByRole('button', { name: 'Add module…' }).click();
    await form.getByLabel('Module path').fill(library);
    await form.getByRole('button', { name: 'Continue' }).click();
    await confirm.getByRole('button', { name: 'Load this module' }).click();
    await expect(confirm).toBeHidden();
    const added = modules.getByRole('listitem').filter({ hasText: library });
    await expect(added).toContainText('Added by you');
    expect(JSON.parse(readFileSync(join(conclave.dataDir, 'settings.json'), 'utf8')).modules).toEqual([{ path: library }]);
  });

  test('a library others may write to is refused at once, saying why', async ({ page, conclave }) => {
    const library = join(conclave.dataDir, 'libopen-pkcs11.so');
    copyFileSync(softhsmModule!, library);
    chmodSync(library, 0o666);
    await page.goto(conclave.url);
    await goTo(page, 'Settings');
    await page.getByRole('button', { name: 'Add module…' }).click();
    const form = page.getByRole('dialog', { name: 'Add a PKCS#11 module' });
    await form.getByLabel('Module path').fill(library);
    await form.getByRole('button', { name: 'Continue' }).click();
    await expect(form.getByRole('alert')).toContainText(`${library} is writable by its group and every user`);
    await expect(page.getByRole('dialog', { name: 'Load this PKCS#11 module?' })).toHaveCount(0);
  });
});
