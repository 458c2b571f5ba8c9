/**
 * `conclave`: the same core as the window, for scripts and for people at a
 * terminal. Output for people by default, --json for programs, --quiet for
 * scripts; the exit codes are the same for every command (exit-codes.ts).
 * Only the code of the command that runs is loaded.
 */
import { parseArgs } from 'node:util';
import { CodedError, ConclaveError } from '../../shared/errors';
import { escapeControlCharacters } from '../../shared/text/control-characters';
import { conclaveVersion } from '../core/version';
import { findCommand, groupOf, commandsOfGroup } from './catalog';
import type { CommandInput, CommandSpec, OptionSpec } from './command-spec';
import { startDeadline, deadlineSeconds, type CommandDeadline } from './deadline';
import { exitCodeOfError, exitCodes } from './exit-codes';
import { commandHelp, commonOptions, groupHelp, overviewHelp, usageLines } from './help';
import { UsageError, isParseArgsError, type CliIo } from './io';

export type { CliIo } from './io';

const wantsHelp = (args: readonly string[]) => {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
};

/** A mistake on the command line: one line that says what is wrong, then the command's own usage. */
function usageFailure(io: CliIo, message: string, command?: CommandSpec, groupWord?: string): number {
  const where = command ? `conclave ${command.words.join(' ')}` : 'conclave';
  const usage = command
    ? `${usageLines(command)}\n("${where} --help" shows its options, an example and exit codes.)`
    : groupWord
      ? `Usage: conclave ${groupWord} <command>: ${commandsOfGroup(groupWord).map((member) => member.words[1]).join(', ')}.\n("conclave ${groupWord} --help" lists them.)`
      : 'Usage: conclave <command> [options]  ("conclave help" lists the commands.)';
  io.err(`${where}: ${message.replace(/\s+$/, '')}\n${usage}\n`);
  return exitCodes.usage;
}

export async function runCli(argv: string[], given: CliIo): Promise<number> {
  // Names, reasons and messages come from files and peers: none may steer the terminal (issue 12).
  const io: CliIo = { ...given, out: (text) => given.out(escapeControlCharacters(text)), err: (text) => given.err(escapeControlCharacters(text)), status: given.status ?? given.err };
  const [first, second] = argv;
  if (first === undefined) {
    io.err(overviewHelp());
    return exitCodes.usage;
  }
  if (first === '--help' || first === '-h') {
    io.out(overviewHelp());
    return exitCodes.done;
  }
  if (first === '--version') {
    io.out(`${conclaveVersion}\n`);
    return exitCodes.done;
  }
  if (first === 'help') {
    const words = argv.slice(1);
    if (words.length === 0) {
      io.out(overviewHelp());
      return exitCodes.done;
    }
    const command = findCommand(words);
    if (command && command.words.length === words.length) io.out(commandHelp(command));
    else if (words.length === 1 && groupOf(words[0]!)) io.out(groupHelp(words[0]!));
    else return usageFailure(io, `"${words.join(' ')}" is not a conclave command.`);
    return exitCodes.done;
  }
  const command = findCommand(argv);
  if (!command) {
    const group = groupOf(first);
    if (!group) return usageFailure(io, `"${first}" is not a conclave command.`);
    if (second === undefined) {
      io.err(groupHelp(first));
      return exitCodes.usage;
    }
    if (second === '--help' || second === '-h' || second === 'help') {
      io.out(groupHelp(first));
      return exitCodes.done;
    }
    return usageFailure(io, `"${second}" is not a ${first} command.`, undefined, first);
  }
  const args = argv.slice(command.words.length);
  if (wantsHelp(args)) {
    io.out(commandHelp(command));
    return exitCodes.done;
  }
  let input: CommandInput;
  try {
    input = parseInput(command, args);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) return usageFailure(io, parseErrorMessage(error as Error), command);
    throw error;
  }
  // Before anything else of the command runs (or starts a thread or process that would inherit it): the PIN leaves the environment (issue 12).
  const pinEnv = input.string('pin-env');
  const taken = pinEnv === undefined ? undefined : (await import('./pin')).takePinVariable(pinEnv, io.env);
  const commandIo: CliIo = taken ? { ...io, env: taken.env, pinVariable: taken.pinVariable } : io;
  let deadline: CommandDeadline | undefined;
  let working: Promise<number> | undefined;
  try {
    deadline = startDeadline(deadlineSeconds(input.string('timeout'), commandIo.env));
    const run = await command.load();
    working = run(input, { ...commandIo, signal: io.signal ? AbortSignal.any([io.signal, deadline.signal]) : deadline.signal });
    // After the deadline the command's own ending (its calls aborted) is no longer news.
    working.catch(() => undefined);
    return await Promise.race([working, deadline.passed]);
  } catch (thrown) {
    // Whatever the aborted work threw on its way out, the command ended because its deadline passed.
    const gaveUp = deadline?.signal.aborted === true;
    const error: unknown = gaveUp ? deadline!.signal.reason : thrown;
    if (error instanceof UsageError || isParseArgsError(error)) return usageFailure(io, (error as Error).message, command);
    const exitCode = exitCodeOfError(error);
    const message = error instanceof Error ? error.message : String(error);
    if (exitCode === exitCodes.usage) return usageFailure(io, message, command);
    io.err(`conclave: ${message}\n`);
    if (input.json) {
      const code = error instanceof ConclaveError || error instanceof CodedError ? String(error.code) : 'internal';
      const { cause, triesLeft, triesLeftCount } = error instanceof ConclaveError ? error.details : {};
      const tries = { ...(triesLeft ? { triesLeft } : {}), ...(triesLeftCount !== undefined ? { triesLeftCount } : {}) };
      io.out(`${JSON.stringify({ ok: false, error: { code, ...(cause ? { cause } : {}), ...tries, message, exitCode } }, null, 2)}\n`);
    }
    if (gaveUp) given.endProcess?.(exitCode, working ?? Promise.resolve());
    return exitCode;
  } finally {
    deadline?.clear();
    // A command that gave up at its deadline may still be signing: its PIN goes once that work has settled.
    if (taken) void (working ?? Promise.resolve()).then(taken.pinVariable.forget, taken.pinVariable.forget);
  }
}

/** Node's parser words its errors for programmers; a person gets one sentence about the option. */
function parseErrorMessage(error: Error): string {
  const unknown = /^Unknown option '([^']+)'/.exec(error.message);
  if (unknown) return `there is no option ${unknown[1]}.`;
  const missing = /^Option '([^']+?)(?: <value>)?' argument missing/.exec(error.message);
  if (missing) return `${missing[1]!.replace(/^-\w, /, '')} needs a value.`;
  const unexpected = /^Unexpected argument '([^']+)'/.exec(error.message);
  if (unexpected) return `unexpected argument "${unexpected[1]}".`;
  return error.message;
}

/** Parses a command's arguments against its options and the common ones, and checks how many positionals it got. */
function parseInput(command: CommandSpec, args: string[]): CommandInput {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, option] of Object.entries({ ...command.options, ...commonOptions } as Record<string, OptionSpec>)) {
    options[name] = { type: option.type, ...(option.multiple ? { multiple: true } : {}), ...(option.short ? { short: option.short } : {}) };
  }
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options });
  const { min, max, what } = command.positionals;
  if (positionals.length < min || positionals.length > max) {
    const given = positionals.length === 0 ? 'none was given' : `got ${positionals.map((positional) => `"${positional}"`).join(' ')}`;
    throw new UsageError(`takes ${what}; ${given}.`);
  }
  const value = (name: string) => (values as Record<string, string | boolean | string[] | undefined>)[name];
  return {
    positionals,
    string: (name) => {
      const given = value(name);
      return Array.isArray(given) ? given.at(-1) : typeof given === 'string' ? given : undefined;
    },
    strings: (name) => {
      const given = value(name);
      return Array.isArray(given) ? given : typeof given === 'string' ? [given] : [];
    },
    flag: (name) => value(name) === true,
    json: value('json') === true,
    quiet: value('quiet') === true,
  };
}

/**
 * How a command that gave up at its deadline ends: once standard output and
 * error are written out, with its exit code when its aborted work has settled.
 * Work that ignores the abort is blocked inside native code (a token module
 * waiting for a touch, a read of a pipe that never writes); Node's exit waits
 * for such threads, so then the process stops itself with SIGKILL (status 137)
 * rather than hang: a deadline that does not end the command is no deadline.
 */
export function endOnceWritten(code: number, settled: Promise<unknown>): void {
  let workSettled = false;
  settled.then(
    () => (workSettled = true),
    () => (workSettled = true),
  );
  const graceMs = 2_000;
  const started = Date.now();
  const end = () => {
    if (process.stdout.writableLength > 0 || process.stderr.writableLength > 0) return void setTimeout(end, 50);
    if (workSettled) process.exit(code);
    if (Date.now() - started >= graceMs) process.kill(process.pid, 'SIGKILL');
    setTimeout(end, 50);
  };
  setTimeout(end, 0);
}

// Run when executed, not when imported by tests.
if (process.argv[1] && /cli\.(js|ts)$/.test(process.argv[1])) {
  runCli(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    interactive: () => Boolean(process.stdin.isTTY),
    endProcess: endOnceWritten,
  }).then((code) => {
    process.exitCode = code;
  });
}
