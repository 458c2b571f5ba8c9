/** `conclave sync` in a process of its own, for the tests that kill it (kill -9) or run it from a git hook. */
import { runCli } from '../../../electron/cli';

const code = await runCli(['sync', ...process.argv.slice(2)], {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  interactive: () => false,
});
process.exitCode = code;
