import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, test } from './support/conclave';
import { softhsmModule } from '../tests/support/softhsm';

const cli = fileURLToPath(new URL('../bin/conclave.js', import.meta.url));

const tokenRegion = (page: Page, label: string) => page.getByRole('region', { name: label, exact: true });

/** The window opens on Ceremonies; these tests are about the Tokens screen. */
async function openTokens(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Tokens' }).click();
}

test.describe('Tokens screen with SoftHSM2 tokens', () => {
  test.use({ tokensAtStart: { alice: '1234', bob: '5678' } });

  test('lists the tokens of the module with their facts', async ({ page, conclave }) => {
    await openTokens(page, conclave.url);
    await expect(page.getByRole('heading', { name: 'Tokens', level: 2 })).toBeVisible();
    const softhsm = page.getByRole('region', { name: 'SoftHSM2', exact: true });
    await expect(softhsm).toBeVisible();
    for (const label of ['alice', 'bob']) {
      const token = tokenRegion(page, label);
      await expect(token.getByRole('heading', { name: label, exact: true })).toBeVisible();
      await expect(token.getByRole('list', { name: `${label} status` })).toContainText('PIN required');
    }
    // The one-time launch address that let the page in is not its address any more.
    expect(page.url()).not.toContain('once=');
  });

  test('generates a key on a token through the window', async ({ page, conclave }) => {
    await openTokens(page, conclave.url);
    const alice = tokenRegion(page, 'alice');
    await alice.getByRole('button', { name: 'Generate key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Generate a key on alice' });
    await dialog.getByLabel('Label').fill('release-signing');
    await dialog.getByLabel('Algorithm').selectOption({ label: 'ECDSA P-384' });
    await dialog.getByLabel('PIN').fill('1234');
    await dialog.getByRole('button', { name: 'Generate key' }).click();
    await expect(dialog).toBeHidden();

    const key = alice.getByRole('list', { name: 'Keys on alice' }).getByRole('article', { name: 'release-signing' });
    await expect(key).toBeVisible();
    await expect(key).toContainText('ECDSA P-384');

    // The key really is on the token: the command line sees the same key.
    const listed = JSON.parse(
      execFileSync(process.execPath, [cli, 'keys', 'pkcs11:token=alice', '--json'], {
        env: { ...process.env, ...conclave.tokens.env, CONCLAVE_HOME: conclave.dataDir, CONCLAVE_PKCS11_MODULES: softhsmModule! },
      }).toString(),
    );
    expect(listed).toMatchObject([{ label: 'release-signing', type: { kind: 'ecdsa', curve: 'P-384' } }]);
    await expect(key.getByTitle(listed[0].keyId)).toBeVisible();
    // The PIN was never logged by the shell.
    expect(conclave.output()).not.toContain('1234');
  });

  test('says a PIN is wrong, lets the person retry, and keeps no PIN in the form', async ({ page, conclave }) => {
    await openTokens(page, conclave.url);
    const bob = tokenRegion(page, 'bob');
    await bob.getByRole('button', { name: 'Log in' }).click();
    const dialog = page.getByRole('dialog', { name: 'Log in to bob' });
    const pin = dialog.getByLabel('PIN');
    await expect(pin).toHaveAttribute('type', 'password');
    await pin.fill('0000');
    await dialog.getByRole('button', { name: 'Log in' }).click();
    await expect(dialog.getByRole('alert')).toContainText('PIN for token "bob" is wrong');
    await expect(dialog.getByRole('alert')).not.toContainText('0000');

    await pin.fill('5678');
    await dialog.getByRole('button', { name: 'Log in' }).click();
    await expect(dialog).toBeHidden();
    // The card says the token took the PIN, not still "PIN required".
    await expect(bob.getByRole('list', { name: 'bob status' })).toContainText('PIN accepted');
    await expect(bob.getByRole('list', { name: 'bob status' })).not.toContainText('PIN required');
    // Opening the dialog again starts with an empty PIN field.
    await bob.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('dialog', { name: 'Log in to bob' }).getByLabel('PIN')).toHaveValue('');
  });

  test('shows a token made by another program, and its removal, without a reload', async ({ page, conclave }) => {
    await openTokens(page, conclave.url);
    await expect(tokenRegion(page, 'alice')).toBeVisible();
    conclave.tokens.addToken('carol');
    await expect(tokenRegion(page, 'carol')).toBeVisible();
    conclave.tokens.deleteToken('carol');
    await expect(tokenRegion(page, 'carol')).toBeHidden();
    await expect(tokenRegion(page, 'alice')).toBeVisible();
  });
});

test.describe('a newcomer without tokens', () => {
  test('creates demo tokens and sees alice, bob and carol with a signing key each', async ({ page, conclave }) => {
    await openTokens(page, conclave.url);
    await expect(page.getByRole('heading', { name: 'No tokens found' })).toBeVisible();
    await page.getByRole('button', { name: 'Create demo tokens' }).click();
    const demo = page.getByRole('region', { name: 'Demo tokens (SoftHSM2)' });
    for (const label of ['alice', 'bob', 'carol']) await expect(demo.getByRole('region', { name: label, exact: true })).toBeVisible();
    await expect(page.getByRole('note', { name: 'Demo tokens' })).toContainText('123456');

    const alice = demo.getByRole('region', { name: 'alice', exact: true });
    const keysButton = alice.getByRole('button', { name: 'Keys', exact: true });
    if ((await keysButton.getAttribute('aria-expanded')) !== 'true') await keysButton.click();
    await expect(alice.getByRole('article', { name: 'release-signing' })).toContainText('ECDSA P-256');
    await page.screenshot({ path: test.info().outputPath('tokens-screen.png'), fullPage: true });
  });
});
