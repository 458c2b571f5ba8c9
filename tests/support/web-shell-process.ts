/**
 * The built browser shell as a person starts it (`node out/main/web-shell.js
 * --no-open`), for the tests that drive it as a process: Vitest's and the
 * end-to-end tests. Resolves once it has printed its one-time launch address
 * (issue 12: printed, never on a command line).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const webShell = fileURLToPath(new URL('../../out/main/web-shell.js', import.meta.url));

export interface WebShellProcess {
  child: ChildProcess;
  /** The one-time launch address it printed. */
  url: string;
  /** Everything it printed so far, standard output and error. */
  output: () => string;
}

/** `env` is added to this process's environment. */
export async function startWebShellProcess(env: Record<string, string>): Promise<WebShellProcess> {
  if (!existsSync(webShell)) throw new Error(`${webShell} is missing: run "npm run build" first.`);
  const child = spawn(process.execPath, [webShell, '--no-open'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  child.stderr!.on('data', (chunk) => (printed += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      printed += chunk;
      const match = /\n(http:\/\/127\.0\.0\.1:\d+\/launch\?once=[\w-]+)\n/.exec(printed);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the browser shell stopped (exit ${code}):\n${printed}`)));
  });
  return { child, url, output: () => printed };
}
