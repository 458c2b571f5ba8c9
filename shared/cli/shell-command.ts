/**
 * Commands the window prints for people to copy into a terminal (issue 11:
 * "every command the window prints runs as copied"). Arguments are quoted for
 * a POSIX shell (sh, dash, bash, zsh): a word of plain characters is left as
 * it is, anything else goes in single quotes, inside which every character
 * but the single quote is literal (POSIX.1-2017, Shell Command Language §2.2.2);
 * a single quote becomes '\'' (close, escaped quote, reopen). Single quotes
 * also keep bash's and zsh's history expansion (`!`) out. Pure: no Node.
 */

/** Characters no POSIX shell treats specially anywhere in a word. */
const plainWord = /^[A-Za-z0-9_./@:+-]+$/;

/** One argument as a POSIX shell reads it back unchanged. */
export function quoteForShell(argument: string): string {
  // A process's arguments are C strings: a NUL cannot be passed, so no quoting could make it run as shown.
  if (argument.includes('\0')) throw new RangeError('A command-line argument cannot contain a NUL character.');
  if (plainWord.test(argument)) return argument;
  return `'${argument.replaceAll("'", `'\\''`)}'`;
}

/** A whole command line: each word quoted for a POSIX shell, separated by spaces. */
export function shellCommand(words: readonly string[]): string {
  return words.map(quoteForShell).join(' ');
}
