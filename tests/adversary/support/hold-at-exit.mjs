// Loaded with `node --import` before bin/conclave.js (pin-memory.test.ts): once the
// command is done and the process would exit, it says so on standard output and
// waits, so its memory can be read after the signature; standard input closing
// lets it exit with the command's code.
import process from 'node:process';

process.once('beforeExit', () => {
  process.stdout.write(`\nheld: exit code ${process.exitCode ?? 0}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => process.exit());
});
