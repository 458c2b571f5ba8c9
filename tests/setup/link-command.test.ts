/**
 * `npm run setup` leaves a `conclave` command on the PATH (issue 11):
 * scripts/link-command.sh links bin/conclave.js into npm's global bin folder
 * or ~/.local/bin, prefers a folder already on the PATH, says plainly when
 * the folder is not on it, never fails setup, and changes nothing when run
 * again. Each case runs the real script against folders of its own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../scripts/link-command.sh', import.meta.url));
const command = realpathSync(fileURLToPath(new URL('../../bin/conclave.js', import.meta.url)));
const systemPath = '/usr/local/bin:/usr/bin:/bin';

let dir: string;
let prefix: string;
let home: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-link-'));
  prefix = join(dir, 'npm-global');
  home = join(dir, 'home');
  mkdirSync(join(prefix, 'bin'), { recursive: true });
  mkdirSync(home);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function link(path: string, globalPrefix = prefix, homeDir = home): { status: number | null; output: string } {
  const run = spawnSync('bash', [script], { env: { PATH: path, HOME: homeDir, npm_config_global_prefix: globalPrefix }, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const pointsHere = (link: string) => lstatSync(link).isSymbolicLink() && realpathSync(link) === command;

describe('scripts/link-command.sh', () => {
  it("links into npm's global bin folder when it is on the PATH, runs from anywhere, and changes nothing the second time", () => {
    const first = link(`${prefix}/bin:${systemPath}`);
    expect(first).toMatchObject({ status: 0 });
    expect(first.output).toContain('the conclave command is ready');
    expect(pointsHere(join(prefix, 'bin', 'conclave'))).toBe(true);
    expect(existsSync(join(home, '.local', 'bin', 'conclave'))).toBe(false);
    // The link runs the command, found by name on the PATH, from another folder.
    const version = execFileSync('sh', ['-c', 'conclave --version'], { cwd: dir, env: { PATH: `${prefix}/bin:${systemPath}`, HOME: home } }).toString();
    expect(version).toMatch(/^\d+\.\d+\.\d+/);

    const again = link(`${prefix}/bin:${systemPath}`);
    expect(again).toMatchObject({ status: 0 });
    expect(again.output).toContain('the conclave command is ready');
    expect(readlinkSync(join(prefix, 'bin', 'conclave'))).toBe(command);
  });

  it('prefers ~/.local/bin when only it is on the PATH', () => {
    const result = link(`${home}/.local/bin:${systemPath}`);
    expect(result.status).toBe(0);
    expect(pointsHere(join(home, '.local', 'bin', 'conclave'))).toBe(true);
    expect(existsSync(join(prefix, 'bin', 'conclave'))).toBe(false);
  });

  it("falls back to ~/.local/bin when npm's folder cannot be written, and says plainly that it is not on the PATH", () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const result = link(systemPath, join(file, 'prefix'));
    expect(result.status).toBe(0);
    expect(pointsHere(join(home, '.local', 'bin', 'conclave'))).toBe(true);
    expect(result.output).toContain(`${home}/.local/bin is not on your PATH`);
    expect(result.output).toContain(`export PATH="${home}/.local/bin:$PATH"`);
  });

  it("leaves another program's conclave alone, and replaces a link to another checkout of Conclave", () => {
    writeFileSync(join(prefix, 'bin', 'conclave'), '#!/bin/sh\necho another program\n', { mode: 0o755 });
    const result = link(`${prefix}/bin:${home}/.local/bin:${systemPath}`);
    expect(result.status).toBe(0);
    expect(lstatSync(join(prefix, 'bin', 'conclave')).isSymbolicLink()).toBe(false);
    expect(pointsHere(join(home, '.local', 'bin', 'conclave'))).toBe(true);
    expect(result.output).toContain(`left alone: ${prefix}/bin/conclave is another program's command`);
    expect(result.output).toContain(`another conclave comes first on your PATH (${prefix}/bin/conclave)`);

    rmSync(join(home, '.local', 'bin', 'conclave'));
    symlinkSync('/elsewhere/conclave/bin/conclave.js', join(home, '.local', 'bin', 'conclave'));
    const replaced = link(`${home}/.local/bin:${systemPath}`);
    expect(replaced.output).toContain('pointed to /elsewhere/conclave/bin/conclave.js; it now points to this folder');
    expect(pointsHere(join(home, '.local', 'bin', 'conclave'))).toBe(true);
  });

  it('does not fail setup where no folder can take the link, and says how to run the command instead', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const result = link(systemPath, join(file, 'prefix'), join(file, 'home'));
    expect(result.status).toBe(0);
    expect(result.output).toContain('could not put a conclave command on your PATH');
    expect(result.output).toContain(`node ${fileURLToPath(new URL('../../bin/conclave.js', import.meta.url))} --help`);
  });
});
