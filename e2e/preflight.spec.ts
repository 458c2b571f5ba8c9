/**
 * Issue 16, pre-flights in the window, in Chromium at 1280×800: the Open form
 * judges the evidence against the policy before any ceremony exists (and
 * creates none that could never freeze), and the sign dialog checks the
 * picked key (its token attached, the key the policy names, the PIN tries
 * left) before it asks for the PIN.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { makeEmulationLab, yubikeyPin } from '../tests/support/pkcs11-emulation';
import { makeDataDir, softhsmModule } from '../tests/support/softhsm';
import { expect, test, type ConclaveInstance } from './support/conclave';
import {
  demoPin,
  goTo,
  keyChoice,
  openCeremony,
  pinField,
  realArtifact,
  realProvenance,
  reviewSection,
  signAs,
  signAsGroup,
  signDialog,
  setUpDemo,
  tickChecklist,
  fillOpenForm,
  trustPolicyInSettings,
} from './support/ceremony';

test.use({ viewport: { width: 1280, height: 800 } });

const webShell = fileURLToPath(new URL('../out/main/web-shell.js', import.meta.url));

const beforeOpening = (page: Page) => page.getByRole('region', { name: 'Before opening' });
const openButton = (page: Page) => page.getByRole('button', { name: 'Open ceremony', exact: true });
const beforeYourPin = (dialog: Locator) => dialog.getByRole('list', { name: 'Before your PIN' });

/** No WCAG 2 A or AA violation in what the pre-flight shows (the part of the page matched by `selector`). */
async function expectNoAxeViolations(page: Page, selector: string): Promise<void> {
  const results = await new AxeBuilder({ page }).include(selector).withTags(['wcag2a', 'wcag2aa']).analyze();
  expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** The ceremonies written to the data folder's store: none may be left behind by an opening that was not offered. */
function ceremoniesInStore(conclave: ConclaveInstance): string[] {
  const store = join(conclave.dataDir, 'store');
  return existsSync(store) ? readdirSync(store, { recursive: true }).map(String).filter((name) => /c-\d{8}-[a-z2-7]{10}/.test(name)) : [];
}

/** A demo token's own SoftHSM2 (the data folder's), for what another program does to it while the window is open. */
function demoTokenTool(conclave: ConclaveInstance, program: 'pkcs11-tool' | 'softhsm2-util', args: string[]): string {
  const env = { ...process.env, SOFTHSM2_CONF: join(conclave.dataDir, 'demo-tokens', 'softhsm2.conf') };
  return execFileSync(program, program === 'pkcs11-tool' ? ['--module', softhsmModule!, ...args] : args, { env, stdio: 'pipe' }).toString();
}

/**
 * Takes a demo token's folder out of SoftHSM2's token folder, as pulling a
 * token out of its reader (softhsm2-util --delete-token does not find tokens
 * that Conclave initialised through PKCS#11; the folder is named after the serial).
 */
function pullOutDemoToken(conclave: ConclaveInstance, label: string): void {
  const slots = demoTokenTool(conclave, 'softhsm2-util', ['--show-slots']);
  const serial = new RegExp(`Serial number:\\s+([0-9a-f]+)\\s(?:(?!Serial number)[^])*?Label:\\s+${label}\\s`).exec(slots)?.[1];
  expect(serial, `the serial of token ${label}`).toBeTruthy();
  const tokens = join(conclave.dataDir, 'demo-tokens', 'tokens');
  const folder = readdirSync(tokens).find((name) => name.replace(/-/g, '').endsWith(serial!));
  expect(folder, `the folder of token ${label}`).toBeTruthy();
  renameSync(join(tokens, folder!), join(conclave.dataDir, `pulled-out-${label}`));
}

test.describe('pre-flight before a ceremony exists (issue 16)', () => {
  test('an artifact without provenance: the form says what blocks freezing and what to attach, and opens nothing', async ({ page, conclave }) => {
    await setUpDemo(page, conclave);
    await goTo(page, 'Ceremonies');
    await page.getByRole('button', { name: 'Open a ceremony' }).first().click();
    await expect(beforeOpening(page)).toContainText('the evidence is checked here against the policy before anything is created');

    await page.getByRole('textbox', { name: 'Release name' }).fill('app');
    await page.getByRole('textbox', { name: 'Version', exact: true }).fill('9.0.0');
    await page.getByRole('textbox', { name: 'Path of an artifact' }).fill(realArtifact);
    await page.getByRole('button', { name: 'Add artifact' }).click();

    // Judged as the opening would, before any key or PIN: the demo policy allows no override.
    await expect(beforeOpening(page).getByRole('status').filter({ hasText: 'Blocked:' })).toHaveText(
      'Blocked: 2 checks failed and this policy does not allow overriding, so the ceremony could never take approvals. Fix the evidence before opening.',
    );
    const findings = beforeOpening(page).getByRole('list', { name: 'Before opening' });
    await expect(findings.getByRole('listitem').filter({ hasText: 'Fail' }).first()).toContainText('No provenance was attached');
    await expect(findings).toContainText('Attach the provenance your build produced for it.');

    // "Open ceremony" says why it is not offered, and pressing it (with a key and PIN) creates nothing.
    await signAs(signAsGroup(page, 'Sign the opening as'), 'carol');
    await expect(openButton(page)).toHaveAttribute('aria-disabled', 'true');
    await expect(openButton(page)).toHaveAccessibleDescription(/^Not offered: checks on this evidence fail and the policy allows no override, so the ceremony could never take approvals\./);
    await expectNoAxeViolations(page, '.open-form .actions');
    await expectNoAxeViolations(page, '.opening-preflight');
    // Enter in the PIN field submits the form as a press would (a button marked disabled is not pressed by Playwright).
    await pinField(signAsGroup(page, 'Sign the opening as')).press('Enter');
    await expect(page.getByRole('heading', { name: 'Open a ceremony', level: 2 })).toBeVisible();
    await expect(page.getByRole('heading', { name: /what Conclave found/ })).toHaveCount(0);
    expect(ceremoniesInStore(conclave)).toEqual([]);

    // With the provenance that names the artifact, it says the ceremony will freeze, and opening is offered.
    await page.getByRole('textbox', { name: 'Path of a provenance file' }).fill(realProvenance);
    await page.getByRole('button', { name: 'Add provenance file' }).click();
    await expect(beforeOpening(page).getByRole('status').filter({ hasText: 'Ready:' })).toContainText('so the ceremony would be frozen at once and take approvals.');
    await expect(openButton(page)).not.toHaveAttribute('aria-disabled', 'true');
    await openButton(page).click();
    await expect(page.getByRole('heading', { name: 'app 9.0.0: what Conclave found' })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Frozen: ready for approvals.' })).toBeVisible();
    expect(ceremoniesInStore(conclave).length).toBeGreaterThan(0);

    // Coming back to "Open a ceremony" starts a new one: the last attempt's result is not shown.
    await goTo(page, 'Ceremonies');
    await expect(page.getByRole('article')).toHaveCount(1);
    await page.getByRole('button', { name: 'Open a ceremony' }).first().click();
    await expect(page.getByRole('heading', { name: 'Open a ceremony', level: 2 })).toBeVisible();
    await expect(page.getByRole('heading', { name: /what Conclave found/ })).toHaveCount(0);
    await expect(page.getByRole('textbox', { name: 'Release name' })).toHaveValue('');
    await expect(beforeOpening(page).getByRole('status').filter({ hasText: /Ready:|Blocked:/ })).toHaveCount(0);
  });
});

test.describe('pre-flight before a PIN (issue 16)', () => {
  test('says before the PIN that the key is ready, that the token holds another key, and that the token was pulled out', async ({ page, conclave }) => {
    await setUpDemo(page, conclave);
    const title = 'app 9.1.0';
    await openCeremony(page, { name: 'app', version: '9.1.0', openAs: 'carol' });
    await tickChecklist(page);
    await reviewSection(page).getByRole('button', { name: 'Approve…' }).click();
    const dialog = signDialog(page, 'Approve', title);
    const group = signAsGroup(dialog, 'Sign with');
    const sign = dialog.getByRole('button', { name: 'Sign approval' });

    // alice's key: everything said, then the PIN asked for.
    await keyChoice(group, 'alice').check();
    await expect(beforeYourPin(dialog)).toContainText('Token "alice" is attached.');
    await expect(beforeYourPin(dialog)).toContainText("This is alice's key in the policy.");
    await expect(beforeYourPin(dialog)).toContainText('alice may approve or reject this ceremony.');
    await expect(pinField(group)).toBeEnabled();

    // Another program replaces the key on alice's token (same label, same id): the key picked is not the one the policy names.
    const keyUri = await keyChoice(group, 'alice').inputValue();
    const id = /;id=([^;?]+)/.exec(keyUri)?.[1]?.replace(/%/g, '');
    expect(id).toBeTruthy();
    const onAlice = ['--token-label', 'alice', '--login', '--pin', demoPin];
    for (const type of ['privkey', 'pubkey']) demoTokenTool(conclave, 'pkcs11-tool', [...onAlice, '--delete-object', '--type', type, '--id', id!]);
    demoTokenTool(conclave, 'pkcs11-tool', [...onAlice, '--keypairgen', '--key-type', 'EC:prime256v1', '--label', 'release-signing', '--id', id!]);
    await keyChoice(group, 'bob').check();
    await expect(beforeYourPin(dialog)).toContainText("This is bob's key in the policy.");
    await keyChoice(group, 'alice').check();
    const wrongKey = beforeYourPin(dialog).getByRole('listitem').filter({ hasText: 'Stops signing' });
    await expect(wrongKey).toContainText(/This key \(keyid [0-9a-f]{16}…\) is not in this ceremony's policy, so its signature would not count\. Choose your key that the policy lists \(alice, bob, carol\)\./);
    await expect(pinField(group)).toHaveCount(0);
    await expect(sign).toHaveAttribute('aria-disabled', 'true');
    await expect(sign).toHaveAccessibleDescription(/not in this ceremony's policy/);
    await expectNoAxeViolations(page, '.signing-preflight');

    // bob's key, then bob's token pulled out: said at once, the PIN no longer asked for, nothing signed.
    await keyChoice(group, 'bob').check();
    await expect(pinField(group)).toBeEnabled();
    await pinField(group).fill(demoPin);
    pullOutDemoToken(conclave, 'bob');
    await expect(beforeYourPin(dialog).getByRole('listitem').filter({ hasText: 'Stops signing' })).toContainText(
      'Token "bob" is not attached. Plug it in, or choose a key on a token that is; no PIN was asked for.',
    );
    await expect(pinField(group)).toHaveCount(0);
    await expect(sign).toHaveAttribute('aria-disabled', 'true');
    await dialog.getByRole('radio', { name: /bob/ }).press('Enter');
    await expect(dialog).toBeVisible();
    await expect(page.getByRole('meter', { name: 'Approvals counted' })).toHaveJSProperty('value', 0);
  });
});

test.describe('pre-flight before a PIN on a YubiKey (issue 16, ykcs11 emulation)', () => {
  let lab: ReturnType<typeof makeEmulationLab>;
  let home: ReturnType<typeof makeDataDir>;
  let shell: ChildProcess;

  test.afterEach(async () => {
    if (shell && shell.exitCode === null) {
      shell.kill('SIGTERM');
      await new Promise((resolve) => shell.once('exit', resolve));
    }
    home?.cleanup();
    lab?.cleanup();
  });

  /** The browser shell with the emulated ykcs11 as the machine's module (and the demo tokens, made in the window); its one-time launch address. */
  async function startShell(env: Record<string, string>): Promise<string> {
    if (!existsSync(webShell)) throw new Error('Build first: npm run build');
    shell = spawn(process.execPath, [webShell, '--no-open'], { env: { ...process.env, ...env, CONCLAVE_NO_BROWSER: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    shell.stderr!.on('data', (chunk) => (printed += chunk));
    return new Promise<string>((resolve, reject) => {
      shell.stdout!.on('data', (chunk) => {
        printed += chunk;
        const match = /\n(http:\/\/127\.0\.0\.1:\d+\/launch\?once=[\w-]+)\n/.exec(printed);
        if (match) resolve(match[1]!);
      });
      shell.once('exit', (code) => reject(new Error(`the browser shell stopped (exit ${code}):\n${printed}`)));
    });
  }

  test('names the touch the key asks for, and after a wrong PIN the tries left, next to the PIN field', async ({ page }) => {
    lab = makeEmulationLab();
    const yubikey = lab.addYubiKey({ serial: 24681357, holder: 'alice', touchPolicy: 2 });
    const bobsYubikey = lab.addYubiKey({ serial: 13572468, holder: 'bob', touchPolicy: 2 });
    home = makeDataDir();
    const env = { ...lab.env('ykcs11'), CONCLAVE_HOME: home.dir, CONCLAVE_PKCS11_MODULES: lab.modules.ykcs11 };
    await page.goto(await startShell(env));

    // alice and bob each sign with their YubiKey's slot 9c; bob opens, alice approves.
    const policyPath = join(home.dir, 'yubikey-policy.json');
    const approvers = [
      { id: 'alice', publicKey: yubikey.keys['9c'].publicKeyPem },
      { id: 'bob', publicKey: bobsYubikey.keys['9c'].publicKeyPem },
    ];
    writeFileSync(policyPath, JSON.stringify({ version: 1, name: 'yubikey release', threshold: 1, approvers }));
    await trustPolicyInSettings(page, policyPath);
    await goTo(page, 'Ceremonies');
    await page.getByRole('button', { name: 'Open a ceremony' }).first().click();
    await fillOpenForm(page, { name: 'app', version: '9.2.0' });
    const opener = signAsGroup(page, 'Sign the opening as');
    await opener.getByRole('radio', { name: new RegExp(`^bob: .* on ${bobsYubikey.label}$`) }).check();
    await pinField(opener).fill(yubikeyPin);
    await openButton(page).click();
    await expect(page.getByRole('status').filter({ hasText: 'Frozen: ready for approvals.' })).toBeVisible();
    await page.getByRole('button', { name: 'Review the ceremony' }).click();

    const title = 'app 9.2.0';
    await tickChecklist(page);
    await reviewSection(page).getByRole('button', { name: 'Approve…' }).click();
    const dialog = signDialog(page, 'Approve', title);
    const group = signAsGroup(dialog, 'Sign with');
    await group.getByRole('radio', { name: new RegExp(`^alice: .* on ${yubikey.label}$`) }).check();

    // Before any PIN: the token, the key, and the touch its attestation names.
    await expect(beforeYourPin(dialog)).toContainText(`Token "${yubikey.label}" is attached.`);
    await expect(beforeYourPin(dialog)).toContainText("This is alice's key in the policy.");
    await expect(beforeYourPin(dialog)).toContainText('Touch the YubiKey when it blinks: this key asks for a touch for every signature.');
    await expect(pinField(group)).toBeEnabled();

    // A wrong PIN: nothing signed, and the tries left are said, with their number, next to the PIN field.
    await pinField(group).fill('654321');
    await dialog.getByRole('button', { name: 'Sign approval' }).click();
    await expect(dialog.getByRole('alert')).toContainText('wrong');
    const triesLeft = beforeYourPin(dialog).getByRole('listitem').filter({ hasText: 'Warning' });
    await expect(triesLeft).toContainText(`2 PIN tries left on token "${yubikey.label}" before it locks.`);
    await expect(pinField(group)).toBeEnabled();
    // Said once: the PIN field's own warning gives way to the pre-flight's.
    await expect(dialog.getByText(/tries are left before the PIN locks/)).toHaveCount(0);
    await expect(page.getByRole('meter', { name: 'Approvals counted' })).toHaveJSProperty('value', 0);
  });
});
