/**
 * Each end-to-end test gets a Conclave of its own: a browser shell process on
 * a free loopback port, a fresh data folder, and a SoftHSM2 token folder of
 * its own through SOFTHSM2_CONF.
 */
import { join } from 'node:path';
import { test as base } from '@playwright/test';
import { generateCeremonies } from '../../tests/support/generate-ceremonies';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../../tests/support/softhsm';
import { startWebShellProcess } from '../../tests/support/web-shell-process';


export interface ConclaveInstance {
  /** The one-time launch address: the first page that opens it is let in (its context keeps the session cookie). */
  url: string;
  tokens: TokenFolder;
  dataDir: string;
  /** Lines the shell printed, to check that nothing secret was logged. */
  output: () => string;
}

/**
 * Another Conclave beside the test's own (a second machine, such as an
 * air-gapped laptop): its own data folder, prepared by `prepare` before the
 * shell starts. The caller stops it.
 */
export async function startAnotherConclave(tokens: TokenFolder, prepare: (dataDir: string) => void = () => undefined): Promise<ConclaveInstance & { stop: () => Promise<void> }> {
  const home = makeDataDir();
  prepare(home.dir);
  const shell = await startWebShellProcess({ ...tokens.env, CONCLAVE_HOME: home.dir, CONCLAVE_PKCS11_MODULES: softhsmModule!, CONCLAVE_NO_BROWSER: '1' });
  return {
    url: shell.url,
    tokens,
    dataDir: home.dir,
    output: shell.output,
    stop: async () => {
      shell.child.kill('SIGTERM');
      await new Promise((resolve) => shell.child.once('exit', resolve));
      home.cleanup();
    },
  };
}

export const test = base.extend<{ conclave: ConclaveInstance; tokenFolder: TokenFolder; tokensAtStart: Record<string, string>; ceremoniesAtStart: number }>({
  /** Token label → PIN. (An object, not an array: Playwright reads an array here as [value, options].) */
  tokensAtStart: [{}, { option: true }],
  /** Signed ceremonies written into the store before the shell starts (a history to browse). */
  ceremoniesAtStart: [0, { option: true }],
  // Tokens are made before the shell starts, so a test can arrange what is "plugged in".
  tokenFolder: async ({ tokensAtStart }, use) => {
    const folder = makeTokenFolder();
    for (const [label, pin] of Object.entries(tokensAtStart)) folder.addToken(label, pin);
    await use(folder);
    folder.cleanup();
  },
  conclave: async ({ tokenFolder, ceremoniesAtStart }, use) => {
    const home = makeDataDir();
    // Written before the shell starts, so its first index build sees the whole history.
    if (ceremoniesAtStart > 0) await generateCeremonies(join(home.dir, 'store'), ceremoniesAtStart);
    const shell = await startWebShellProcess({
      ...tokenFolder.env,
      CONCLAVE_HOME: home.dir,
      CONCLAVE_PKCS11_MODULES: softhsmModule!,
      CONCLAVE_NO_BROWSER: '1',
    });
    await use({ url: shell.url, tokens: tokenFolder, dataDir: home.dir, output: shell.output });
    shell.child.kill('SIGTERM');
    await new Promise((resolve) => shell.child.once('exit', resolve));
    home.cleanup();
  },
});

export { expect } from '@playwright/test';
