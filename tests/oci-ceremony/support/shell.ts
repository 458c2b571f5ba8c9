/**
 * Running commands as the docs show them: `conclave` on PATH (the CLI from
 * source through tsx, see conclave-bin.ts) and a block run by bash in a
 * working folder, with the exit code and both outputs kept.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/**
 * Writes `conclave` into binDir. The token host the CLI forks is started with
 * `--import tsx` resolved from the working folder, so workDir gets a
 * node_modules/tsx link to this checkout's tsx.
 */
export function installConclave(binDir: string, workDir: string): void {
  mkdirSync(binDir, { recursive: true });
  const entry = fileURLToPath(new URL('./conclave-bin.ts', import.meta.url));
  const loader = pathToFileURL(require.resolve('tsx')).href;
  const path = join(binDir, 'conclave');
  writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" --import "${loader}" "${entry}" "$@"\n`);
  chmodSync(path, 0o755);
  mkdirSync(join(workDir, 'node_modules'), { recursive: true });
  symlinkSync(dirname(require.resolve('tsx/package.json')), join(workDir, 'node_modules', 'tsx'));
}

export interface ShellResult {
  code: number;
  out: string;
  err: string;
}

/** Runs a script with bash -eo pipefail in cwd (a block of commands stops at the first that fails, as a reader would). */
export function runShell(script: string, options: { cwd: string; env: Record<string, string>; strict?: boolean }): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [...(options.strict === false ? [] : ['-e', '-o', 'pipefail']), '-c', script], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}
