/**
 * What a `conclave` command is: its words, its options with their help, an
 * example, the exit codes it uses, and the code that runs it, loaded only when
 * it runs (so `conclave verify` never loads what `conclave ceremony open` needs).
 */
import type { ExitCodeName } from './exit-codes';
import type { CliIo } from './io';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** The value's placeholder in help: FILE, URI, DIR… */
  value?: string;
  description: string;
}

/** What a command gets: its arguments, already parsed against its own options. */
export interface CommandInput {
  positionals: string[];
  /** The value of a string option (the last one given). */
  string(name: string): string | undefined;
  /** Every value of a repeatable string option. */
  strings(name: string): string[];
  flag(name: string): boolean;
  /** --json: one JSON document on standard output, its shape documented in docs/cli.md. */
  json: boolean;
  /** --quiet: nothing on success but the one value a script needs (an id), errors still on standard error. */
  quiet: boolean;
}

export type CommandRunner = (input: CommandInput, io: CliIo) => Promise<number>;

export interface CommandSpec {
  /** The words after `conclave`, e.g. ['ceremony', 'approve']. */
  words: readonly string[];
  summary: string;
  /** What follows the words in the usage line, e.g. '<id> --key URI [--statement SHA256]'. */
  synopsis: string;
  /** Further usage lines (another form of the command), shown under the first. */
  moreSynopses?: readonly string[];
  /** How many positional arguments the command takes; checked before it runs. */
  positionals: { min: number; max: number; what: string };
  options: Readonly<Record<string, OptionSpec>>;
  /** A paragraph or two on what the command does and what it prints. */
  details?: string;
  examples: readonly string[];
  /** The exit codes this command can end with besides 0 (done) and 2 (usage). */
  exits: readonly Exclude<ExitCodeName, 'done' | 'usage'>[];
  /** Loads the command's code when it runs. */
  load: () => Promise<CommandRunner>;
}

/** A group of commands under one word (`ceremony`, `policy`, `remote`, `audit`). */
export interface CommandGroup {
  word: string;
  summary: string;
}
