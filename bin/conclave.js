#!/usr/bin/env node
// The `conclave` command: the built CLI in out/main. Build it with "npm run build" (npm install does).
// CommonJS (bin/package.json): loading it through Node's ES module loader cost every command about 10 ms.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { isatty } = require('node:tty');

// cli-start.cjs loads the command line's CommonJS build with V8's code cache (electron/cli/start.ts).
const cli = join(__dirname, '..', 'out', 'main', 'cjs', 'cli-start.cjs');
if (!existsSync(cli)) {
  process.stderr.write('conclave: the command line has not been built yet. Run "npm run build" in the Conclave folder first.\n');
  process.exit(1);
}
const { runCli, endOnceWritten } = require(cli);
runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  // Whether standard input is a terminal, without making process.stdin (a stream, for a pipe a socket) to ask it.
  interactive: isatty(0),
  endProcess: endOnceWritten,
}).then((code) => {
  process.exitCode = code;
});
