/** `conclave sync` in a process of its own, for the tests that kill it (kill -9) or run it from a git hook. */
import { runSync } from '../../../electron/cli/commands/remote';

const code = await runSync(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  interactive: false,
});
process.exitCode = code;
