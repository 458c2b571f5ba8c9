/**
 * Demo tokens: SoftHSM2 tokens alice, bob and carol in the app's data folder,
 * each with an ECDSA P-256 signing key, so a newcomer can try a whole ceremony
 * without hardware. They are software keys with a published PIN: for trying
 * Conclave, never for signing a real release.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../atomic-file';

export const demoTokenLabels = ['alice', 'bob', 'carol'] as const;
export const demoKeyLabel = 'release-signing';
export const demoPin = '123456';
export const demoModuleId = 'demo';

export function demoFolder(dataDir: string): string {
  return join(dataDir, 'demo-tokens');
}

export function demoConfigPath(dataDir: string): string {
  return join(demoFolder(dataDir), 'softhsm2.conf');
}

export function demoTokensExist(dataDir: string): boolean {
  return existsSync(demoConfigPath(dataDir));
}

/** Writes the SoftHSM2 configuration that keeps demo tokens inside the data folder. */
export async function writeDemoConfig(dataDir: string): Promise<string> {
  const tokens = join(demoFolder(dataDir), 'tokens');
  await mkdir(tokens, { recursive: true, mode: 0o700 });
  const path = demoConfigPath(dataDir);
  await writeFileAtomically(path, `# Conclave demo tokens: software keys for trying Conclave, not for real releases.\ndirectories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  return path;
}

/** The security officer PIN is random and forgotten: demo tokens are made once and thrown away, never reset. */
export function throwawaySoPin(): string {
  return randomBytes(12).toString('hex');
}

export const softhsmInstallHint =
  'Demo tokens need SoftHSM2. Install it (Debian and Ubuntu: sudo apt-get install softhsm2; Fedora: sudo dnf install softhsm; macOS: brew install softhsm), then start Conclave again.';
