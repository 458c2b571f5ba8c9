#!/bin/sh
":" //; if [ -n "${NODE_EXTRA_CA_CERTS-}" ]; then CONCLAVE_DEFERRED_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS; export CONCLAVE_DEFERRED_EXTRA_CA_CERTS; unset NODE_EXTRA_CA_CERTS; fi; exec node "$0" "$@"
// The `conclave` command: the built CLI in out/main. Build it with "npm run build" (npm install does).
// CommonJS (bin/package.json): loading it through Node's ES module loader cost every command about 10 ms.
//
// Run as a command, this file is first a shell script (the line above, a string and a comment to JavaScript): it
// starts Node as `#!/usr/bin/env node` would, but without NODE_EXTRA_CA_CERTS, which Node 20 parses as it starts,
// with its whole CA store, in every process: 40–70 ms of each command (issue 11). The variable goes straight back
// into the environment below; Conclave's own https connections add its CAs when they are made
// (electron/core/http/trusted-fetch.ts). `node bin/conclave.js` skips that line and runs the same command.
'use strict';
{
  const deferred = process.env.CONCLAVE_DEFERRED_EXTRA_CA_CERTS;
  delete process.env.CONCLAVE_DEFERRED_EXTRA_CA_CERTS;
  if (deferred && process.env.NODE_EXTRA_CA_CERTS === undefined) {
    // Everything this command starts (git, token hosts, threads) gets the environment as it was given.
    process.env.NODE_EXTRA_CA_CERTS = deferred;
    globalThis[Symbol.for('conclave.deferred-extra-ca-certs')] = deferred;
  }
}
const { existsSync, writeSync } = require('node:fs');
const { join } = require('node:path');

// cli-start.cjs loads the command line's CommonJS build with V8's code cache (electron/cli/start.ts).
const cli = join(__dirname, '..', 'out', 'main', 'cjs', 'cli-start.cjs');
if (!existsSync(cli)) {
  process.stderr.write('conclave: the command line has not been built yet. Run "npm run build" in the Conclave folder first.\n');
  process.exit(1);
}

/**
 * Writes to standard output or error as the stream would, without making the
 * stream: for a pipe, process.stdout is a socket and loads Node's net module,
 * and a terminal loads tty and net, a few milliseconds of every command
 * (issue 11). A pipe that is full (EAGAIN, when someone made it non-blocking)
 * is left to the stream from then on, which waits; a reader that went away
 * (EPIPE: `conclave … | head`) gets nothing more.
 */
function writerTo(fd, stream) {
  let streaming = false;
  let closed = false;
  return (text) => {
    if (closed) return;
    if (streaming) return void stream().write(text);
    let bytes = Buffer.from(text, 'utf8');
    try {
      while (bytes.length > 0) bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (error) {
      if (error && error.code === 'EPIPE') closed = true;
      else if (error && error.code === 'EAGAIN') {
        streaming = true;
        stream().write(bytes);
      } else throw error;
    }
  };
}

const { runCli, endOnceWritten } = require(cli);
runCli(process.argv.slice(2), {
  out: writerTo(1, () => process.stdout),
  err: writerTo(2, () => process.stderr),
  env: process.env,
  // Whether standard input is a terminal, asked only when a command needs to know (a PIN, a confirmation).
  interactive: () => require('node:tty').isatty(0),
  endProcess: endOnceWritten,
}).then((code) => {
  process.exitCode = code;
});
