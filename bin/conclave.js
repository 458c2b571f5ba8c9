#!/usr/bin/env node
// The `conclave` command: the built CLI in out/main. Build it with "npm run build" (npm install does).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('conclave: the command line has not been built yet. Run "npm run build" in the Conclave folder first.\n');
  process.exit(1);
}
const { runCli, endOnceWritten } = await import(cli);
process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  interactive: Boolean(process.stdin.isTTY),
  endProcess: endOnceWritten,
});
