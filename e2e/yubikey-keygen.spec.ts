/**
 * Making a key on a YubiKey in the window (issue 13): the person picks the PIV
 * slot and gives the management key, not a label and the PIN. Against the
 * ykcs11 emulation (tests/support/pkcs11-emulation), behind the real browser
 * shell in Chromium.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { defaultManagementKey, makeEmulationLab, yubikeyPin, type EmulatedYubiKey, type EmulationLab } from '../tests/support/pkcs11-emulation';
import { makeDataDir } from '../tests/support/softhsm';
import { startWebShellProcess } from '../tests/support/web-shell-process';

const cli = fileURLToPath(new URL('../bin/conclave.js', import.meta.url));

let lab: EmulationLab;
let yubikey: EmulatedYubiKey;
let home: ReturnType<typeof makeDataDir>;
let shell: { child: ChildProcess; url: string; output: () => string };
let env: Record<string, string>;

/** The browser shell with the emulated ykcs11 as the machine's only module; resolves with its one-time launch address. */
function startShell(): Promise<typeof shell> {
  return startWebShellProcess({ ...env, CONCLAVE_NO_BROWSER: '1' });
}

test.beforeEach(async () => {
  lab = makeEmulationLab();
  yubikey = lab.addYubiKey({ serial: 45678901, holder: 'alice' });
  home = makeDataDir();
  env = { ...lab.env('ykcs11'), CONCLAVE_HOME: home.dir, CONCLAVE_PKCS11_MODULES: lab.modules.ykcs11 };
  shell = await startShell();
});

test.afterEach(async () => {
  shell.child.kill('SIGTERM');
  await new Promise((resolve) => shell.child.once('exit', resolve));
  home.cleanup();
  lab.cleanup();
});

test('a key in slot 9d made with the management key; the PIN in its place is refused and the field cleared', async ({ page }) => {
  await page.goto(shell.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Tokens' }).click();
  const token = page.getByRole('region', { name: yubikey.label, exact: true });
  await token.getByRole('button', { name: 'Generate key' }).click();
  const dialog = page.getByRole('dialog', { name: `Generate a key on ${yubikey.label}` });
  // A YubiKey names keys after their slot: the slot is chosen, no label is asked for, and the secret is the management key.
  await expect(dialog.getByLabel('Label')).toHaveCount(0);
  await expect(dialog.getByLabel('PIN', { exact: true })).toHaveCount(0);
  await dialog.getByLabel('PIV slot').selectOption('9d');
  const managementKey = dialog.getByLabel('Management key');
  await expect(managementKey).toHaveAttribute('type', 'password');

  await managementKey.fill(yubikeyPin);
  await dialog.getByRole('button', { name: 'Generate key' }).click();
  await expect(dialog.getByRole('alert')).toContainText('management key');
  await expect(managementKey).toHaveValue('');

  await managementKey.fill(defaultManagementKey);
  await dialog.getByRole('button', { name: 'Generate key' }).click();
  await expect(dialog).toBeHidden();

  // The key really is in slot 9d (CKA_ID 3): the command line sees it, and the window shows that key.
  const listed = JSON.parse(execFileSync(process.execPath, [cli, 'keys', yubikey.tokenUri, '--json'], { env: { ...process.env, ...env } }).toString()) as { id: string; keyId: string }[];
  const made = listed.find((key) => key.id === '03');
  expect(made).toBeDefined();
  await expect(token.getByRole('list', { name: `Keys on ${yubikey.label}` }).getByTitle(made!.keyId)).toBeVisible();
  // Neither secret was printed by the shell.
  expect(shell.output()).not.toContain(defaultManagementKey);
  expect(shell.output()).not.toContain(yubikeyPin);
});
