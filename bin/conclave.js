#!/usr/bin/env node
// The `conclave` command: the built CLI in out/main. Build it with "npm run build" (npm install does).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isatty } from 'node:tty';
import { fileURLToPath } from 'node:url';

// cli-start.cjs loads the command line's CommonJS build with V8's code cache (electron/cli/start.ts).
const cli = fileURLToPath(new URL('../out/main/cjs/cli-start.cjs', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('conclave: the command line has not been built yet. Run "npm run build" in the Conclave folder first.\n');
  process.exit(1);
}
const { runCli, endOnceWritten } = createRequire(import.meta.url)(cli);
process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  // Whether standard input is a terminal, without making process.stdin (a stream, for a pipe a socket) to ask it.
  interactive: isatty(0),
  endProcess: endOnceWritten,
});
