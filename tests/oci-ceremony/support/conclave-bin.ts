/**
 * `conclave` for the tests that run commands as docs/verify.md shows them, in
 * a shell: the CLI from source (through tsx), exactly as bin/conclave.js runs
 * the built one. tests/oci-ceremony/support/shell.ts puts it on PATH.
 */
import { runCli } from '../../../electron/cli/index';

void runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  interactive: () => false,
}).then((code) => {
  process.exitCode = code;
});
