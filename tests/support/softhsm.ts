/**
 * A SoftHSM2 token folder of the test's own, through SOFTHSM2_CONF, so no test
 * touches a user's tokens or another test's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const softhsmModule = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so', '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so'].find((path) =>
  existsSync(path),
);

export interface TokenFolder {
  dir: string;
  conf: string;
  env: Record<string, string>;
  /** Makes a token with the real softhsm2-util, as an administrator would. */
  addToken(label: string, pin?: string): void;
  /** Takes a token away with softhsm2-util, as an administrator would, even while a SoftHSM2 in use writes beside it. */
  deleteToken(label: string): void;
  cleanup(): void;
}

export function makeTokenFolder(): TokenFolder {
  if (!softhsmModule) throw new Error('SoftHSM2 is not installed: apt-get install softhsm2');
  const dir = mkdtempSync(join(tmpdir(), 'conclave-softhsm-'));
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const env = { SOFTHSM2_CONF: conf };
  const util = (args: string[]) => execFileSync('softhsm2-util', args, { env: { ...process.env, ...env }, stdio: 'pipe' });
  return {
    dir,
    conf,
    env,
    addToken: (label, pin = '1234') => void util(['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', '87654321']),
    deleteToken: (label) => deleteToken(util, tokens, label),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * softhsm2-util deletes the token's files, then its folder. A SoftHSM2 that
 * has the token open (the token host under test) may put a lock file in that
 * folder in between, and the folder is then not empty: the token's objects
 * are gone, its folder stays, and softhsm2-util fails. Its folder is then
 * removed here, which is what softhsm2-util was doing.
 */
function deleteToken(util: (args: string[]) => Buffer, tokens: string, label: string): void {
  try {
    util(['--delete-token', '--token', label]);
  } catch (error) {
    const left = /Could not delete the directory: (\S+)/.exec(String((error as { stderr?: Buffer }).stderr ?? ''))?.[1];
    // Only a folder of this test's own tokens: the path is read from the tool's message.
    if (left === undefined || !left.startsWith(`${tokens}/`)) throw error;
    rmSync(left, { recursive: true, force: true });
  }
}

export function makeDataDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-home-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
