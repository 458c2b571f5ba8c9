/**
 * A command line copied from the window, run as a person pastes it into a
 * terminal: `sh -c` with the exact text, from a folder of its own, with
 * `conclave` on the PATH as `npm run setup` (scripts/link-command.sh) leaves it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import { expect } from './conclave';

const linkCommandScript = fileURLToPath(new URL('../../scripts/link-command.sh', import.meta.url));

/** Presses a "Copy …" button (which must say Copied) and returns what reached the clipboard. */
export async function copyWithButton(page: Page, button: Locator): Promise<string> {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(page.url()).origin });
  await button.click();
  await expect(page.getByRole('status').filter({ hasText: /^Copied$/ })).toBeVisible();
  // Read in the page, which has a DOM; e2e/ is type-checked for Node, which has no navigator.clipboard.
  return page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());
}

/**
 * Runs `commandLine` with `sh -c` in a new empty folder under the system's
 * temporary folder (so nothing it names is found relative to it), with only
 * PATH, HOME and the data folder in its environment.
 */
export function runCopiedCommand(commandLine: string, dataDir: string): { status: number | null; output: string } {
  const scratch = mkdtempSync(join(tmpdir(), 'conclave-terminal-'));
  try {
    const bin = join(scratch, 'npm-global', 'bin');
    const path = `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`;
    const home = join(scratch, 'home');
    const linked = spawnSync('bash', [linkCommandScript], { env: { PATH: path, HOME: home, npm_config_global_prefix: join(scratch, 'npm-global') }, encoding: 'utf8' });
    expect(`${linked.stdout}${linked.stderr}`).toContain('the conclave command is ready');
    const elsewhere = join(scratch, 'elsewhere');
    mkdirSync(elsewhere);
    const run = spawnSync('sh', ['-c', commandLine], { cwd: elsewhere, env: { PATH: path, HOME: home, CONCLAVE_HOME: dataDir }, encoding: 'utf8' });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
