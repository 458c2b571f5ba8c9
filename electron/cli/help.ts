/** The help `conclave` prints: the overview, a group's commands, one command in full, and the short usage a mistake gets. */
import { commandGroups, commands, commandsOfGroup } from './catalog';
import type { CommandSpec, OptionSpec } from './command-spec';
import { defaultDeadlineSeconds } from './deadline';
import { exitCodeMeanings, exitCodes, type ExitCodeName } from './exit-codes';

/** Options every command takes. */
export const commonOptions: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', description: 'print one JSON document on standard output (shapes in docs/cli.md); failures too, as {"ok": false, "error": …}' },
  quiet: { type: 'boolean', short: 'q', description: 'print nothing on success but what a script needs (an id); errors still go to standard error' },
  timeout: { type: 'string', value: 'SECONDS', description: `give up after SECONDS, exit 5 (default ${defaultDeadlineSeconds}, or CONCLAVE_COMMAND_TIMEOUT; 0 for none)` },
  help: { type: 'boolean', short: 'h', description: 'this help' },
};

const wordsOf = (command: CommandSpec) => `conclave ${command.words.join(' ')}`;

/** The usage lines of a command: what a mistake prints under its one-line message. */
export function usageLines(command: CommandSpec): string {
  const head = wordsOf(command);
  const pad = ' '.repeat('Usage: '.length + head.length + 1);
  const first = `Usage: ${head}${command.synopsis ? ` ${command.synopsis}` : ''}`;
  return [first, ...(command.moreSynopses ?? []).map((line) => `${pad}${line}`)].join('\n');
}

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  const entries = Object.entries(options).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : '    '}--${name}${option.value ? ` ${option.value}` : ''}${option.multiple ? '...' : ''}`;
    return [flag, option.description] as const;
  });
  const width = Math.min(34, Math.max(...entries.map(([flag]) => flag.length)) + 2);
  return entries.map(([flag, description]) => (flag.length + 2 > width ? `  ${flag}\n  ${' '.repeat(width)}${description}` : `  ${flag.padEnd(width)}${description}`));
}

function exitLines(names: readonly ExitCodeName[]): string[] {
  return names.map((name) => `  ${exitCodes[name]}  ${exitCodeMeanings[name]}`);
}

/** `conclave <command> --help`: usage, what it does, options, an example, exit codes. */
export function commandHelp(command: CommandSpec): string {
  const exits: ExitCodeName[] = (['done', 'refused', 'usage', 'blocked', 'token', 'unavailable'] as const).filter((name) => name === 'done' || name === 'usage' || (command.exits as readonly string[]).includes(name));
  return [
    usageLines(command),
    '',
    `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
    ...(command.details ? ['', wrap(command.details, 78)] : []),
    '',
    'Options:',
    ...optionLines({ ...command.options, ...commonOptions }),
    '',
    `Example${command.examples.length > 1 ? 's' : ''}:`,
    ...command.examples.map((example) => `  ${example}`),
    '',
    'Exit codes:',
    ...exitLines(exits),
    '',
  ].join('\n');
}

/** `conclave ceremony --help`: the group's commands, one line each. */
export function groupHelp(word: string): string {
  const members = commandsOfGroup(word);
  const width = Math.max(...members.map((command) => command.words.slice(1).join(' ').length)) + 2;
  return [
    `Usage: conclave ${word} <command> [options]`,
    '',
    'Commands:',
    ...members.map((command) => `  ${command.words.slice(1).join(' ').padEnd(width)}${command.summary}`),
    '',
    `"conclave ${word} <command> --help" shows a command's options, an example and its exit codes.`,
    '',
  ].join('\n');
}

/** `conclave help`: every command in one line, the options all take, the exit codes, and how keys and PINs are given. */
export function overviewHelp(): string {
  const lines = commands.map((command) => [command.words.join(' '), command.summary] as const);
  const width = Math.max(...lines.map(([words]) => words.length)) + 2;
  return [
    'Usage: conclave <command> [options]',
    '',
    'Commands:',
    ...lines.map(([words, summary]) => `  ${words.padEnd(width)}${summary}`),
    '',
    'Every command takes:',
    ...optionLines(commonOptions),
    '',
    'Exit codes (the same for every command):',
    ...exitLines(['done', 'refused', 'usage', 'blocked', 'token', 'unavailable']),
    '',
    'Keys and tokens are named by PKCS#11 URIs (RFC 7512), e.g.',
    "  'pkcs11:token=alice;object=release-signing?module-path=/usr/lib/softhsm/libsofthsm2.so'",
    'A module-path names one of the modules this machine uses ("conclave modules list"); no other is loaded.',
    'A PIN comes from the URI\'s pin-source=file:/path, from --pin-env VARIABLE, or from a prompt;',
    'never from a plain command-line value.',
    '',
    `"conclave <command> --help" (or "conclave help <command>") shows a command's options, an example and its exit codes;`,
    `groups: ${commandGroups.map((group) => group.word).join(', ')}. More in docs/cli.md.`,
    '',
  ].join('\n');
}

/** Wraps a paragraph at `width` columns on spaces. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
