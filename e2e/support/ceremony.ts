/**
 * The steps of a ceremony as a person takes them in the window, for the
 * end-to-end specs: demo tokens and policy, opening a ceremony with real
 * evidence, reviewing, signing with a token, publishing. Each step waits on
 * what the window shows (roles, names, states), never on time.
 *
 * Every event is signed by its author: opening, approving, rejecting,
 * cancelling and publishing each choose a key in a "Sign … as" group and type
 * its PIN. The demo policy's approvers are alice (security), bob (security)
 * and carol, 2 of 3 with at least 1 security, and whoever opens a ceremony may
 * not approve it: tests open as the one who will not approve.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import { softhsmModule } from '../../tests/support/softhsm';
import { expect, type ConclaveInstance } from './conclave';

const real = (name: string) => fileURLToPath(new URL(`../../tests/fixtures/real/${name}`, import.meta.url));

/** A real artifact and the raw DSSE provenance that names it: its builder is allowed by a policy without builders, so the ceremony freezes at once. */
export const realArtifact = real('binary-linux-amd64-multi-subject-first');
export const realProvenance = real('binary-linux-amd64-multi-subject-first.intoto.jsonl');

export const demoPin = '123456';
export type DemoApprover = 'alice' | 'bob' | 'carol';

const cli = fileURLToPath(new URL('../../bin/conclave.js', import.meta.url));

export const nav = (page: Page, screen: 'Ceremonies' | 'History' | 'Tokens' | 'Settings') =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: screen, exact: true });

export async function goTo(page: Page, screen: 'Ceremonies' | 'History' | 'Tokens' | 'Settings'): Promise<void> {
  await nav(page, screen).click();
  await expect(page.getByRole('heading', { name: screen, level: 2, exact: true })).toBeVisible();
}

/** Tokens screen: "Create demo tokens", then alice, bob and carol each show up. */
export async function createDemoTokens(page: Page): Promise<void> {
  await goTo(page, 'Tokens');
  await page.getByRole('button', { name: 'Create demo tokens' }).click();
  const demo = page.getByRole('region', { name: 'Demo tokens (SoftHSM2)' });
  for (const label of ['alice', 'bob', 'carol']) await expect(demo.getByRole('region', { name: label, exact: true })).toBeVisible();
}

/** The policies this machine trusts, as Settings lists them. */
export const trustedPolicies = (page: Page) => page.getByRole('list', { name: 'Trusted policies' });

/** Settings: "Create the demo policy" (which trusts it on this machine), then it is listed. */
export async function createDemoPolicyInSettings(page: Page): Promise<void> {
  await goTo(page, 'Settings');
  await page.getByRole('button', { name: 'Create the demo policy' }).click();
  await expect(trustedPolicies(page).getByRole('listitem')).toHaveCount(1);
}

/**
 * Settings → Trusted policies: a policy file's path, "Review policy file",
 * what it says (checked by the caller through the returned region), then
 * "Trust this policy".
 */
export async function trustPolicyInSettings(page: Page, path: string, check: (review: Locator) => Promise<void> = async () => undefined): Promise<void> {
  await goTo(page, 'Settings');
  const form = page.getByRole('form', { name: 'Import a policy' });
  await form.getByRole('textbox', { name: 'Policy file path' }).fill(path);
  await form.getByRole('button', { name: 'Review policy file' }).click();
  const review = page.getByRole('region', { name: 'Trust this policy?' });
  await expect(review).toBeVisible();
  await check(review);
  await review.getByRole('button', { name: 'Trust this policy' }).click();
  await expect(review).toBeHidden();
}

/** Demo tokens and the demo policy, as a newcomer makes them. */
export async function setUpDemo(page: Page, conclave: ConclaveInstance): Promise<void> {
  await page.goto(conclave.url);
  await createDemoTokens(page);
  await createDemoPolicyInSettings(page);
}

export interface OpenOptions {
  name: string;
  version: string;
  artifact?: string;
  provenance?: string;
  /** Create the demo policy from the Open screen (when there is none yet). */
  createPolicyHere?: boolean;
  /** Whose key signs the opening (their PIN is typed too); left out, the caller chooses. */
  openAs?: DemoApprover;
}

/** A "Sign … as" group: the keys that may sign, and the PIN of the chosen one. */
export const signAsGroup = (container: Page | Locator, legend: string) => container.getByRole('group', { name: legend });
export const pinField = (group: Locator) => group.getByLabel('PIN', { exact: true });

/** Chooses `who`'s key in a "Sign … as" group and types its PIN. */
export async function signAs(group: Locator, who: DemoApprover, pin = demoPin): Promise<void> {
  await keyChoice(group, who).check();
  await pinField(group).fill(pin);
}

/** Fills the Open screen, including who signs the opening when `openAs` is given; the caller presses "Open ceremony" (or uses openCeremony). */
export async function fillOpenForm(page: Page, options: OpenOptions): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Open a ceremony', level: 2 })).toBeVisible();
  await page.getByRole('textbox', { name: 'Release name' }).fill(options.name);
  await page.getByRole('textbox', { name: 'Version', exact: true }).fill(options.version);
  await page.getByRole('textbox', { name: 'Path of an artifact' }).fill(options.artifact ?? realArtifact);
  await page.getByRole('button', { name: 'Add artifact' }).click();
  await expect(page.getByRole('list', { name: 'Artifacts' })).toContainText(options.artifact ?? realArtifact);
  await page.getByRole('textbox', { name: 'Path of a provenance file' }).fill(options.provenance ?? realProvenance);
  await page.getByRole('button', { name: 'Add provenance file' }).click();
  await expect(page.getByRole('list', { name: 'Provenance' })).toContainText(options.provenance ?? realProvenance);
  if (options.createPolicyHere) await page.getByRole('button', { name: 'Create the demo policy' }).click();
  // One policy in the store: it is chosen for the person.
  await expect(page.getByRole('combobox', { name: 'Who must approve' })).toHaveValue(/\.json$/);
  if (options.openAs) await signAs(signAsGroup(page, 'Sign the opening as'), options.openAs);
}

/** Ceremonies → "Open a ceremony" → the form → "Open ceremony" → what Conclave found → "Review the ceremony". Returns the ceremony id. */
export async function openCeremony(page: Page, options: OpenOptions & { openAs: DemoApprover }): Promise<string> {
  await goTo(page, 'Ceremonies');
  await page.getByRole('button', { name: 'Open a ceremony' }).first().click();
  await fillOpenForm(page, options);
  await page.getByRole('button', { name: 'Open ceremony', exact: true }).click();
  const title = `${options.name} ${options.version}`;
  await expect(page.getByRole('heading', { name: `${title}: what Conclave found` })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Frozen: ready for approvals.' })).toBeVisible();
  await page.getByRole('button', { name: 'Review the ceremony' }).click();
  await expect(page.getByRole('heading', { name: title, level: 2 })).toBeVisible();
  return ceremonyIdFromUrl(page);
}

export function ceremonyIdFromUrl(page: Page): string {
  const match = /#\/ceremony\/(c-\d{8}-[a-z2-7]{10})$/.exec(page.url());
  if (!match) throw new Error(`not on a ceremony's page: ${page.url()}`);
  return match[1]!;
}

export const reviewSection = (page: Page) => page.getByRole('region', { name: 'Review and sign' });
export const approvalsSection = (page: Page) => page.getByRole('region', { name: 'Approvals', exact: true });
export const signDialog = (page: Page, kind: 'Approve' | 'Reject' | 'Withdraw your approval of', title: string) => page.getByRole('dialog', { name: `${kind} ${title}` });
export const keyChoice = (dialog: Locator, who: DemoApprover) => dialog.getByRole('radio', { name: `${who}: release-signing on ${who}` });

/** Ticks the three checklist items with the mouse. */
export async function tickChecklist(page: Page): Promise<void> {
  const boxes = reviewSection(page).getByRole('checkbox');
  await expect(boxes).toHaveCount(3);
  for (const box of await boxes.all()) await box.check();
  await expect(reviewSection(page).getByRole('button', { name: 'Approve…' })).toBeEnabled();
}

/** Approves as `who` with the mouse: checklist, Approve…, the key, the PIN, Sign approval; waits until the approval is listed. */
export async function approveAs(page: Page, title: string, who: DemoApprover, pin = demoPin): Promise<void> {
  if (!(await reviewSection(page).getByRole('button', { name: 'Approve…' }).isEnabled())) await tickChecklist(page);
  await reviewSection(page).getByRole('button', { name: 'Approve…' }).click();
  const dialog = signDialog(page, 'Approve', title);
  await signAs(signAsGroup(dialog, 'Sign with'), who, pin);
  await dialog.getByRole('button', { name: 'Sign approval' }).click();
  await expect(dialog).toBeHidden();
  await expect(approvalsSection(page).getByRole('listitem').filter({ hasText: who })).toBeVisible();
}

/** Publishes into `folder`, signed by `who`; waits for the verifier's line and returns the envelope's path. */
export async function publishAs(page: Page, who: DemoApprover, folder: string): Promise<string> {
  const publish = page.getByRole('region', { name: 'Publish', exact: true });
  await publish.getByRole('textbox', { name: 'Publish to folder' }).fill(folder);
  await signAs(signAsGroup(publish, 'Sign the publication as'), who);
  await publish.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(publish.getByRole('status').filter({ hasText: /verified/i })).toBeVisible();
  return (await publish.getByRole('listitem').filter({ hasText: 'Envelope' }).locator('code').textContent())!.trim();
}

/** The policy files in the data folder (the demo policy is the only one in these tests). */
export function policyFiles(conclave: ConclaveInstance): string[] {
  const dir = join(conclave.dataDir, 'policies');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => join(dir, name));
}

/** `conclave verify` as a consumer runs it: its exit code and what it printed. */
export function conclaveVerify(conclave: ConclaveInstance, args: string[]): { status: number; output: string } {
  const env = { ...process.env, ...conclave.tokens.env, CONCLAVE_HOME: conclave.dataDir, CONCLAVE_PKCS11_MODULES: softhsmModule! };
  try {
    const stdout = execFileSync(process.execPath, [cli, 'verify', ...args], { env, stdio: 'pipe' }).toString();
    return { status: 0, output: stdout };
  } catch (error) {
    const failed = error as { status?: number; stdout?: Buffer; stderr?: Buffer };
    return { status: failed.status ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}
