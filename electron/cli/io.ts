/** What a command needs from its surroundings: where to write, the environment, and whether a person is there to ask. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  interactive: boolean;
  /**
   * A progress figure that redraws itself on the terminal (carriage return,
   * clear line): Conclave's own control sequences around figures it made,
   * never data. Everything else written through `out` and `err` has its
   * control characters escaped.
   */
  status?: (text: string) => void;
}

/** A mistake on the command line: exit code 2 and the usage text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function isParseArgsError(error: unknown): boolean {
  return error instanceof TypeError && 'code' in error && String((error as { code: unknown }).code).startsWith('ERR_PARSE_ARGS');
}
