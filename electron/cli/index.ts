/**
 * `conclave`: the same core as the window, for scripts and for people at a
 * terminal. Output for people by default, --json for programs. Exit codes:
 * 0 done, 1 failed (the message says why), 2 the command line was wrong.
 */
import { ConclaveError } from '../../shared/errors';
import { conclaveVersion } from '../core/version';
import { UsageError, isParseArgsError, type CliIo } from './io';
import { runTokenCommand, tokenCommands, tokenUsage } from './commands/tokens';
import { runDigest } from './commands/digest';
import { ceremonyUsage, runCeremonyCommand, runVerify } from './commands/ceremony';
import { remoteUsage, runRemote, runSync } from './commands/remote';
import { auditUsage, runAudit } from './commands/audit';
import { policyUsage, runPolicy } from './commands/policy';

export type { CliIo } from './io';

const usage = `Usage: conclave <command> [options]

Commands:
${tokenUsage}  digest [--sha512] FILE...                print sha256sum-style lines for files, to check against tools you trust
${policyUsage}${ceremonyUsage}${remoteUsage}${auditUsage}
Keys and tokens are named by PKCS#11 URIs (RFC 7512), e.g.
  pkcs11:token=alice;object=release-signing?module-path=/usr/lib/softhsm/libsofthsm2.so
A PIN comes from the URI's pin-source=file:/path, from --pin-env VARIABLE, or from a prompt;
never from a plain command-line value.
`;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.out(usage);
    return command ? 0 : 2;
  }
  if (command === '--version') {
    io.out(`${conclaveVersion}\n`);
    return 0;
  }
  try {
    if ((tokenCommands as readonly string[]).includes(command)) return await runTokenCommand(command, rest, io);
    if (command === 'digest') return await runDigest(rest, io);
    if (command === 'ceremony') return await runCeremonyCommand(rest, io);
    if (command === 'verify') return await runVerify(rest, io);
    if (command === 'remote') return await runRemote(rest, io);
    if (command === 'sync') return await runSync(rest, io);
    if (command === 'audit') return await runAudit(rest, io);
    if (command === 'policy') return await runPolicy(rest, io);
    throw new UsageError(`"${command}" is not a conclave command.`);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.err(`conclave: ${(error as Error).message}\n\n${usage}`);
      return 2;
    }
    if (error instanceof ConclaveError) {
      io.err(`conclave: ${error.message}\n`);
      return 1;
    }
    io.err(`conclave: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

// Run when executed, not when imported by tests.
if (process.argv[1] && /cli\.(js|ts)$/.test(process.argv[1])) {
  runCli(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    interactive: Boolean(process.stdin.isTTY),
  }).then((code) => {
    process.exitCode = code;
  });
}
