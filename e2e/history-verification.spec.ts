/**
 * Issue 5: History says what this machine has verified of the store's git
 * history, and "Verify history" re-checks all of it as `conclave audit
 * verify` does, in real Chromium against the browser shell.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './support/conclave';
import { goTo } from './support/ceremony';
import { ceremonyFolder } from '../shared/ceremony/store-layout';

const verification = (page: Page) => page.getByRole('group', { name: 'History verification' });
const verifyButton = (page: Page) => verification(page).getByRole('button', { name: 'Verify history' });
/** The audit's one-sentence outcome, in its live region. */
const outcome = (page: Page) => verification(page).getByRole('status').filter({ hasText: /checked|^Verified: no problems in/ });

async function expectNoAxeViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  const found = results.violations.map((violation) => `${violation.id} (${violation.impact}): ${violation.help}\n    ${violation.nodes.map((node) => node.target.join(' ')).join('\n    ')}`);
  expect(found, found.join('\n')).toEqual([]);
}

/**
 * Passes the window's API socket through, but holds each answer to
 * repository.audit until the test lets it go, so the busy state is seen
 * however fast the audit is on a small store. Set up before the page loads.
 */
async function holdAuditAnswers(page: Page): Promise<{ calls: () => number; held: () => number; release: () => void }> {
  const auditCalls = new Set<number>();
  const held: (() => void)[] = [];
  await page.routeWebSocket(/\/api$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const call = parsed(message);
      if (call?.type === 'call' && call.name === 'repository.audit' && typeof call.id === 'number') auditCalls.add(call.id);
      server.send(message);
    });
    server.onMessage((message) => {
      const answer = parsed(message);
      if (answer?.type === 'result' && typeof answer.id === 'number' && auditCalls.has(answer.id)) held.push(() => ws.send(message));
      else ws.send(message);
    });
  });
  return {
    calls: () => auditCalls.size,
    held: () => held.length,
    release: () => {
      for (const send of held.splice(0)) send();
    },
  };
}

function parsed(message: string | Buffer): { type?: unknown; id?: unknown; name?: unknown } | undefined {
  try {
    return JSON.parse(String(message)) as { type?: unknown; id?: unknown; name?: unknown };
  } catch {
    return undefined;
  }
}

/** Presses Verify history: while the audit runs its progress is announced and the button is disabled (keeping the focus); then the outcome. */
async function verifyHistory(page: Page, gate: Awaited<ReturnType<typeof holdAuditAnswers>>): Promise<void> {
  const button = verifyButton(page);
  await expect(button).toBeEnabled();
  const callsBefore = gate.calls();
  await button.click();
  const busy = verification(page).getByRole('status').filter({ hasText: /^Verifying every event/ });
  await expect(busy).toHaveText('Verifying every event, signature, published envelope and commit in the store… On a large store this takes a few minutes.');
  await expect(button).toBeDisabled();
  await expect(button).toBeFocused();
  await expect(outcome(page)).toHaveCount(0);
  // A second press while it runs (the focus is still on the button) does nothing.
  await page.keyboard.press('Enter');
  await expect.poll(gate.held, { timeout: 60_000 }).toBe(1);
  gate.release();
  await expect(outcome(page)).toBeVisible();
  await expect(busy).toHaveCount(0);
  await expect(button).toBeEnabled();
  expect(gate.calls() - callsBefore).toBe(1);
}

test.describe('verifying the history', () => {
  test('a fresh data folder has no git history yet: the audit checks the files and says so, and nothing is recorded as verified', async ({ page, conclave }) => {
    const gate = await holdAuditAnswers(page);
    await page.goto(conclave.url);
    await goTo(page, 'History');
    await expect(verification(page)).toContainText('Never verified on this machine.');
    await expect(verifyButton(page)).toHaveAccessibleDescription('Never verified on this machine.');

    await verifyHistory(page, gate);
    await expect(outcome(page)).toHaveText(
      'Verified: no problems in 0 ceremonies, 0 events, 0 signatures, 0 evidence files and 0 published envelopes. The store has no git history yet, so there was no history to verify and nothing was recorded as verified on this machine.',
    );
    // The notes are folded; opened, they say why.
    const notes = verification(page).getByText('1 note from the verification');
    await expect(notes).toBeVisible();
    const note = verification(page).getByText(/is not a git repository, so there is no history to check/);
    await expect(note).toBeHidden();
    await notes.click();
    await expect(note).toBeVisible();
    // Honest: still never verified.
    await expect(verification(page)).toContainText('Never verified on this machine.');
    await expectNoAxeViolations(page);
  });

  test('a shared store is verified through its head, then counts the commits after it, then shows what a failed verification found', async ({ page, conclave }) => {
    const remote = mkdtempSync(join(tmpdir(), 'conclave-remote-'));
    try {
      execFileSync('git', ['init', '-q', '--bare', remote]);
      const gate = await holdAuditAnswers(page);
      await page.goto(conclave.url);
      // Sharing the store makes it a git repository with a first commit.
      await goTo(page, 'Settings');
      await page.getByLabel('Remote URL (SSH, HTTPS or a path, as for git clone)').fill(remote);
      await page.getByRole('button', { name: 'Save' }).click();
      await expect(page.getByText(`Up to date with ${remote}.`)).toBeVisible({ timeout: 60_000 });

      await goTo(page, 'History');
      await expect(verification(page)).toContainText('Never verified on this machine.');
      await verifyHistory(page, gate);
      await expect(outcome(page)).toHaveText('Verified: 0 ceremonies, 0 events, 0 signatures, 0 evidence files, 0 published envelopes and 1 commit checked.');
      await expect(verification(page).getByRole('list', { name: 'Problems found' })).toHaveCount(0);

      const store = join(conclave.dataDir, 'store');
      const head = execFileSync('git', ['-C', store, 'rev-parse', 'main'], { encoding: 'utf8' }).trim();
      const short = head.slice(0, 12);
      await expect(verification(page).getByText(/^History verified through commit/)).toHaveText(new RegExp(`^History verified through commit ${short} on .+\\.$`));
      await expect(verifyButton(page)).toHaveAccessibleDescription(new RegExp(`^History verified through commit ${short}`));
      await expectNoAxeViolations(page);

      // A commit arrives after the verification (as a sync would bring one): the screen counts it.
      execFileSync('git', ['-C', store, '-c', 'user.name=Test', '-c', 'user.email=test@example.org', 'commit', '-q', '--allow-empty', '-m', 'After the verification']);
      // Settings asks the core where the store stands again (as the header does when the window opens).
      await goTo(page, 'Settings');
      await goTo(page, 'History');
      await expect(verification(page)).toContainText(`1 commit since the last verification (${short}, less than a minute ago).`);

      // An event file that is not an event: the next verification lists it, and the state turns to failed.
      const events = join(store, ceremonyFolder('c-20261122-abcdefghij'), 'events');
      mkdirSync(events, { recursive: true });
      writeFileSync(join(events, '20261122T140500000Z-opened-0123456789abcdef.json'), '{"not": "an event"}');
      await verifyHistory(page, gate);
      await expect(outcome(page)).toHaveText(/^The verification found \d+ problems?; 1 ceremony, 1 event, 0 signatures, 0 evidence files, 0 published envelopes and 2 commits checked\.$/);
      const problems = verification(page).getByRole('list', { name: 'Problems found' });
      // The ceremony whose only event file is not an event is named (the audit reports it as unloadable, or its file as unreadable).
      await expect(problems.getByRole('listitem').filter({ hasText: /event-unreadable|ceremony-unloadable/ }).first()).toContainText('c-20261122-abcdefghij');
      await expect(verification(page)).toContainText(new RegExp(`The last verification found \\d+ problems? \\(.+\\)\\. History was last verified clean through commit ${short}\\.`));
      await expectNoAxeViolations(page);
    } finally {
      rmSync(remote, { recursive: true, force: true });
    }
  });
});
