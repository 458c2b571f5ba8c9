import type { PinVariable } from './pin';

/** What a command needs from its surroundings: where to write, the environment, and whether a person is there to ask. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /**
   * Whether a person is at a terminal to ask (a PIN, a confirmation). Asked only
   * when a command needs to know: finding out loads Node's tty module, which
   * loads its net module, a few milliseconds of every command (issue 11).
   */
  interactive: () => boolean;
  /**
   * The variable named with --pin-env, which runCli takes out of `env` before
   * the command runs (issue 12): the command reads the PIN from here, and
   * nothing it starts inherits the variable.
   */
  pinVariable?: PinVariable;
  /**
   * A progress figure that redraws itself on the terminal (carriage return,
   * clear line): Conclave's own control sequences around figures it made,
   * never data. Everything else written through `out` and `err` has its
   * control characters escaped.
   */
  status?: (text: string) => void;
  /** Aborted when the command is to stop (its deadline, deadline.ts): registry, time-stamping and git calls listen to it. */
  signal?: AbortSignal;
  /**
   * Ends the process once what was printed is written, when a command gave up
   * at its deadline: `settled` is the aborted work, which may still hold the
   * process open (a thread inside a token module waiting for a touch).
   */
  endProcess?: (code: number, settled: Promise<unknown>) => void;
}

/** A mistake on the command line: exit code 2 and the usage text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function isParseArgsError(error: unknown): boolean {
  return error instanceof TypeError && 'code' in error && String((error as { code: unknown }).code).startsWith('ERR_PARSE_ARGS');
}
