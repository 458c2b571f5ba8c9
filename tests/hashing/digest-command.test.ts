import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checksumLine } from '../../electron/cli/commands/digest';
import { runCli } from '../../electron/cli';
import { makeScratch, type Scratch } from './support';

let scratch: Scratch;
let previousDirectory: string;
beforeEach(() => {
  scratch = makeScratch();
  previousDirectory = process.cwd();
  // Relative names, as a person types them: the lines must name files exactly as sha256sum does.
  process.chdir(scratch.dir);
});
afterEach(() => {
  process.chdir(previousDirectory);
  scratch.cleanup();
});

async function digest(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['digest', ...args], { out: (text) => (out += text), err: (text) => (err += text), env: {}, interactive: () => false });
  return { code, out, err };
}

function coreutils(tool: 'sha256sum' | 'sha512sum', names: string[]): { code: number; out: string } {
  const result = spawnSync(tool, ['--', ...names], { cwd: scratch.dir, encoding: 'utf8' });
  return { code: result.status ?? -1, out: result.stdout };
}

describe('conclave digest', () => {
  it('prints byte for byte what sha256sum prints for the same files', async () => {
    mkdirSync('dist');
    scratch.file('app-1.2.3.tar.gz', 3 * 1024 * 1024 + 17);
    scratch.file('dist/app.exe', 100_000);
    scratch.file('empty file.txt', 0);
    scratch.file('notes.md', 1);
    const names = ['app-1.2.3.tar.gz', 'dist/app.exe', 'empty file.txt', './notes.md', 'notes.md'];
    const result = await digest(names);
    expect(result).toEqual({ code: 0, out: coreutils('sha256sum', names).out, err: '' });
  });

  it('prints what sha512sum prints with --sha512', async () => {
    scratch.file('a.bin', 5000);
    scratch.file('b.bin', 0);
    const result = await digest(['--sha512', 'a.bin', 'b.bin']);
    expect(result.code).toBe(0);
    expect(result.out).toBe(coreutils('sha512sum', ['a.bin', 'b.bin']).out);
  });

  it('escapes names with a backslash or a newline as coreutils does, so --check reads them back', async () => {
    const names = ['back\\slash.bin', 'new\nline.bin', 'carriage\rreturn.bin'];
    for (const name of names) scratch.file(name, 10);
    const result = await digest(names);
    expect(result.out).toBe(coreutils('sha256sum', names).out);
    expect(execFileSync('sha256sum', ['--check', '--quiet'], { cwd: scratch.dir, input: result.out, encoding: 'utf8' })).toBe('');
  });

  it('names a missing file, prints the others, and exits non-zero', async () => {
    scratch.file('first.bin', 10);
    scratch.file('last.bin', 20);
    const result = await digest(['first.bin', 'missing.bin', 'last.bin']);
    const reference = coreutils('sha256sum', ['first.bin', 'missing.bin', 'last.bin']);
    expect(reference.code).toBe(1);
    expect(result.code).toBe(1);
    expect(result.out).toBe(reference.out);
    expect(result.err).toContain('missing.bin');
    expect(result.err).toMatch(/cannot find/);
  });

  it('refuses a folder by name and still prints the files', async () => {
    mkdirSync('dist');
    scratch.file('a.bin', 3);
    const result = await digest(['dist', 'a.bin']);
    expect(result.code).toBe(1);
    expect(result.out).toBe(coreutils('sha256sum', ['a.bin']).out);
    expect(result.err).toMatch(/dist is a folder/);
  });

  it('asks for a file when given none, and rejects unknown options', async () => {
    expect((await digest([])).code).toBe(2);
    const unknown = await digest(['--md5', 'a.bin']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--md5/);
  });

  it('writes a plain line for ordinary names', () => {
    expect(checksumLine('ab', 'x y')).toBe('ab  x y\n');
    expect(checksumLine('ab', 'a\\b')).toBe('\\ab  a\\\\b\n');
  });
});
