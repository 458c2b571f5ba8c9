/**
 * Init parameters for a module that needs them (NSS softokn, issue 13),
 * through the built `conclave`: named in CONCLAVE_PKCS11_INIT_PARAMETERS
 * beside CONCLAVE_PKCS11_MODULES, and changed for a module already added by
 * running `conclave modules add PATH --init-parameters …` again.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, conclave, type Run } from '../cli-process/support';
import { inheritedEnvironment } from '../support/environment';

const softokn = ['/usr/lib/x86_64-linux-gnu/libsoftokn3.so', '/usr/lib64/libsoftokn3.so', '/usr/lib/libsoftokn3.so'].find((path) => existsSync(path));
const hasCertutil = (() => {
  try {
    execFileSync('certutil', ['-H'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return (error as { code?: string }).code !== 'ENOENT';
  }
})();

const made: string[] = [];
function folder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `conclave-${prefix}-`));
  made.push(dir);
  return dir;
}

/** An NSS database as a person makes one; nss lib/softoken/sftkpars.c: the parameters NSS itself passes its softoken. */
function nssDatabase(): string {
  const dir = folder('nssdb');
  writeFileSync(join(dir, 'password'), 'nss-pin-1234\n');
  execFileSync('certutil', ['-N', '-d', `sql:${dir}`, '-f', join(dir, 'password')], { stdio: 'pipe' });
  rmSync(join(dir, 'password'));
  return `configdir='sql:${dir}' certPrefix='' keyPrefix='' secmod='secmod.db' flags=`;
}

function environment(extra: Record<string, string>): Record<string, string> {
  const inherited = inheritedEnvironment();
  return { ...inherited, CONCLAVE_HOME: folder('home'), ...extra };
}

async function ends(env: Record<string, string>, args: string[], code: number): Promise<Run> {
  const run = await conclave(args, env);
  expect(run.hung).toBe(false);
  expect(run.code, `conclave ${args.join(' ')}: ${run.out}\n${run.err}`).toBe(code);
  return run;
}

interface Listed {
  modules: { path: string; status: string; error?: { message: string }; tokens: { label: string }[] }[];
}

beforeAll(() => {
  expect(existsSync(builtCli), `${builtCli} is missing: run "npm run build" before these tests.`).toBe(true);
});

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!softokn || !hasCertutil)('init parameters for NSS softokn', () => {
  it('CONCLAVE_PKCS11_INIT_PARAMETERS gives the modules of CONCLAVE_PKCS11_MODULES theirs: NSS softokn starts', async () => {
    const env = environment({ CONCLAVE_PKCS11_MODULES: softokn!, CONCLAVE_PKCS11_INIT_PARAMETERS: JSON.stringify({ [softokn!]: nssDatabase() }) });
    const listed = JSON.parse((await ends(env, ['tokens', '--json'], 0)).out) as Listed;
    const module = listed.modules.find((candidate) => candidate.path === softokn);
    expect(module?.status, module?.error?.message).toBe('ready');
    expect(module!.tokens.map((token) => token.label)).toContain('NSS Certificate DB');
  });

  it('without them, softokn fails and says how to give them; malformed or stray ones are refused by name', async () => {
    const bare = JSON.parse((await ends(environment({ CONCLAVE_PKCS11_MODULES: softokn! }), ['tokens', '--json'], 1)).out) as Listed;
    expect(bare.modules[0]).toMatchObject({ status: 'failed' });
    const malformed = await ends(environment({ CONCLAVE_PKCS11_MODULES: softokn!, CONCLAVE_PKCS11_INIT_PARAMETERS: "configdir='sql:/x'" }), ['tokens'], 1);
    expect(malformed.err).toMatch(/CONCLAVE_PKCS11_INIT_PARAMETERS must be a JSON object from module path to its init parameters/);
    const stray = await ends(environment({ CONCLAVE_PKCS11_MODULES: softokn!, CONCLAVE_PKCS11_INIT_PARAMETERS: JSON.stringify({ '/opt/other.so': 'x' }) }), ['tokens'], 1);
    expect(stray.err).toMatch(/gives parameters for \/opt\/other\.so, which CONCLAVE_PKCS11_MODULES does not name/);
  });

  it('modules add --init-parameters on a module already added changes its parameters once it starts with them, and keeps them when it does not', async () => {
    const env = environment({});
    const settingsPath = join(env.CONCLAVE_HOME!, 'settings.json');
    const parametersOf = () => (JSON.parse(readFileSync(settingsPath, 'utf8')) as { modules: { path: string; initParameters?: string }[] }).modules;
    const first = nssDatabase();
    await ends(env, ['modules', 'add', softokn!, '--init-parameters', first], 0);
    expect(parametersOf()).toEqual([{ path: softokn, initParameters: first }]);

    // The same parameters again: nothing changes.
    expect((await ends(env, ['modules', 'add', softokn!, '--init-parameters', first], 0)).out).toMatch(/nothing changed/);

    const second = nssDatabase();
    const updated = await ends(env, ['modules', 'add', softokn!, '--init-parameters', second, '--json'], 0);
    expect(JSON.parse(updated.out)).toMatchObject({ ok: true, updated: 'initParameters', tokens: 2 });
    expect(parametersOf()).toEqual([{ path: softokn, initParameters: second }]);

    // A database that does not exist: softokn does not start, the parameters that worked stay.
    const missing = await ends(env, ['modules', 'add', softokn!, '--init-parameters', `configdir='sql:${join(tmpdir(), 'conclave-no-such-nssdb')}' certPrefix='' keyPrefix='' secmod='secmod.db' flags=readOnly`], 4);
    expect(missing.err).toMatch(/Its init parameters were not changed\./);
    expect(parametersOf()).toEqual([{ path: softokn, initParameters: second }]);
  });
});
