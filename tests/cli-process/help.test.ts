/**
 * Every command helps (issue 11): `conclave <command> --help`, `conclave help
 * <command>` and the group helps print usage, options, an example and exit
 * codes; a mistake prints one line and that command's own usage, not the
 * whole list. Run as processes of the built CLI, as a person or a script
 * meets them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { commandGroups, commands } from '../../electron/cli/catalog';
import { bin, builtCli } from './support';

const cliDocs = fileURLToPath(new URL('../../docs/cli.md', import.meta.url));

function conclave(args: string[]): { code: number | null; out: string; err: string } {
  const run = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, CONCLAVE_HOME: '/nonexistent/conclave-help-test' } });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

beforeAll(() => {
  expect(existsSync(builtCli), `${builtCli} is missing: run "npm run build" before these tests.`).toBe(true);
});

describe.each(commands.map((command) => [command.words.join(' '), command] as const))('conclave %s', (words, command) => {
  it('--help prints usage, every option, an example and the exit codes, and exits 0', () => {
    const help = conclave([...command.words, '--help']);
    expect(help.code, help.err).toBe(0);
    expect(help.out.split('\n')[0]).toBe(`Usage: conclave ${words}${command.synopsis ? ` ${command.synopsis}` : ''}`);
    for (const option of [...Object.keys(command.options), 'json', 'quiet', 'help']) expect(help.out).toContain(`--${option}`);
    expect(help.out).toMatch(/\nExamples?:\n {2}\S/);
    expect(help.out).toMatch(/\nExit codes:\n {2}0 {2}done/);
    expect(help.out).toContain('  2  the command line was wrong');
    for (const exit of command.exits) expect(help.out).toMatch(new RegExp(`\\n  ${{ refused: 1, blocked: 3, token: 4, unavailable: 5 }[exit]}  `));
    expect(help.err).toBe('');
    // The same help through "conclave help …", and -h anywhere among the arguments.
    expect(conclave(['help', ...command.words]).out).toBe(help.out);
    expect(conclave([...command.words, 'x', '-h']).out).toBe(help.out);
  });

  it('a mistake prints one line and this command\'s usage, exit 2', () => {
    const wrong = conclave([...command.words, '--no-such-option']);
    expect(wrong.code).toBe(2);
    expect(wrong.out).toBe('');
    const lines = wrong.err.trimEnd().split('\n');
    expect(lines[0]).toBe(`conclave ${words}: there is no option --no-such-option.`);
    expect(lines[1]).toBe(`Usage: conclave ${words}${command.synopsis ? ` ${command.synopsis}` : ''}`);
    // Not the 40-line list of every command.
    expect(lines.length).toBeLessThanOrEqual(2 + (command.moreSynopses?.length ?? 0) + 1);
  });

  it('is documented in docs/cli.md', () => {
    expect(readFileSync(cliDocs, 'utf8')).toContain(`conclave ${words}`);
  });
});

describe.each(commandGroups.map((group) => [group.word] as const))('conclave %s (a group)', (word) => {
  it('--help lists its commands and exits 0; an unknown one is a one-line mistake', () => {
    const help = conclave([word, '--help']);
    expect(help.code).toBe(0);
    for (const command of commands.filter((candidate) => candidate.words[0] === word && candidate.words.length > 1)) expect(help.out).toContain(`  ${command.words[1]} `);
    const unknown = conclave([word, 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err.split('\n')[0]).toBe(`conclave: "frobnicate" is not a ${word} command.`);
    expect(unknown.err.trimEnd().split('\n').length).toBeLessThanOrEqual(3);
  });
});

describe('conclave help', () => {
  it('lists every command with the exit codes all of them share', () => {
    const help = conclave(['help']);
    expect(help.code).toBe(0);
    for (const command of commands) expect(help.out).toContain(`  ${command.words.join(' ')} `);
    for (const code of [0, 1, 2, 3, 4, 5]) expect(help.out).toMatch(new RegExp(`\\n  ${code}  \\S`));
    expect(conclave(['--help']).out).toBe(help.out);
  });

  it('without a command, prints the overview on standard error and exits 2; an unknown command is one line', () => {
    const none = conclave([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('Usage: conclave <command>');
    const unknown = conclave(['sing']);
    expect(unknown.code).toBe(2);
    expect(unknown.err.trimEnd().split('\n')).toEqual(['conclave: "sing" is not a conclave command.', 'Usage: conclave <command> [options]  ("conclave help" lists the commands.)']);
  });
});
