import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { quoteForShell, shellCommand } from './shell-command';

/** Arguments that a naive join would break: spaces, quotes, expansions, globs, operators, non-ASCII, a newline. */
const awkward = [
  '/home/ana/releases/app.tgz',
  '/home/ana/My Releases/app 1.2.3.tgz',
  "/tmp/it's here/app.tgz",
  '/tmp/"double"/app.tgz',
  '/tmp/$HOME/${PATH}/$(id)/`id`/app.tgz',
  '/tmp/*.tgz',
  '/tmp/[ab]?/app.tgz',
  '~/app.tgz',
  '/tmp/a;b&c|d>e<f/app.tgz',
  '/tmp/back\\slash/app.tgz',
  '/tmp/wow!/app.tgz',
  '/tmp/publié/Ünïcödé/发布/🔏.tgz',
  '/tmp/two\nlines/app.tgz',
  "''",
  '',
  '-n',
];

describe('quoteForShell', () => {
  it('leaves plain words as they are', () => {
    expect(quoteForShell('/home/ana/dist/app-1.2.3.intoto.dsse.json')).toBe('/home/ana/dist/app-1.2.3.intoto.dsse.json');
    expect(quoteForShell('oci://ghcr.io/acme/app@sha256:0123abcd')).toBe('oci://ghcr.io/acme/app@sha256:0123abcd');
    expect(quoteForShell('--artifact')).toBe('--artifact');
  });

  it('quotes spaces, quotes, $ and non-ASCII in single quotes', () => {
    expect(quoteForShell('/home/ana/My Releases/app.tgz')).toBe("'/home/ana/My Releases/app.tgz'");
    expect(quoteForShell("/tmp/it's/app.tgz")).toBe(`'/tmp/it'\\''s/app.tgz'`);
    expect(quoteForShell('/tmp/"x"/app.tgz')).toBe(`'/tmp/"x"/app.tgz'`);
    expect(quoteForShell('/tmp/$HOME/app.tgz')).toBe("'/tmp/$HOME/app.tgz'");
    expect(quoteForShell('/tmp/publié/app.tgz')).toBe("'/tmp/publié/app.tgz'");
    expect(quoteForShell('')).toBe("''");
  });

  it('refuses a NUL, which no process argument can carry', () => {
    expect(() => quoteForShell('a\0b')).toThrow(RangeError);
  });
});

describe('shellCommand', () => {
  it('joins quoted words with spaces', () => {
    expect(shellCommand(['conclave', 'verify', '--policy', '/p/policy.json', '--artifact', '/a b/app.tgz'])).toBe("conclave verify --policy /p/policy.json --artifact '/a b/app.tgz'");
  });

  // Each shell on this machine reads the command back into exactly the words it was made from.
  const shells = ['/bin/sh', '/bin/dash', '/bin/bash', '/usr/bin/zsh', '/bin/zsh'].filter((shell) => existsSync(shell));
  it.each(shells)('%s reads every awkward argument back unchanged', (shell) => {
    const printed = execFileSync(shell, ['-c', `printf '%s\\0' ${shellCommand(awkward)}`], { env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' } }).toString('utf8');
    expect(printed.split('\0').slice(0, -1)).toEqual(awkward);
  });

  it('survives an interactive bash, which expands ! in history (typed, not -c)', () => {
    if (!existsSync('/bin/bash')) return;
    const words = ['/tmp/wow!/app.tgz', '!!', 'x!$'];
    const typed = `printf '%s\\0' ${shellCommand(words)}\n`;
    const printed = execFileSync('/bin/bash', ['--norc', '--noprofile', '-i'], { input: typed, env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' }, stdio: ['pipe', 'pipe', 'ignore'] }).toString('utf8');
    expect(printed.split('\0').slice(0, -1)).toEqual(words);
  });
});
