/**
 * A command that names a key starts that key's module alone (issue 11): the
 * token service starts the modules a URI may name group by group, nearest
 * first, and stops as soon as one has the token. Real SoftHSM2 token folders
 * stand for modules here (one library, a configuration each), and a launcher
 * that counts the hosts it starts says what was started.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { ConclaveError } from '../../shared/errors';
import { parsePkcs11Uri } from '../../shared/pkcs11/uri';
import { forkHostLauncher, type HostLauncher } from '../../electron/core/tokens/host-process';
import { demoModuleId, writeDemoConfig } from '../../electron/core/tokens/demo-tokens';
import { machineModuleSearch } from '../../electron/core/tokens/machine-modules';
import { TokenService, type ModuleSource } from '../../electron/core/tokens/token-service';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

async function rejection(promise: Promise<unknown>): Promise<ConclaveError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConclaveError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe.skipIf(!softhsmModule)('starting the modules a URI names, nearest first', () => {
  let first: TokenFolder;
  let second: TokenFolder;
  let service: TokenService | undefined;
  /** Hosts started, by the SOFTHSM2_CONF they were started with. */
  let started: string[];
  const counting: HostLauncher = (options) => {
    started.push(options.env.SOFTHSM2_CONF ?? '(none)');
    return forkHostLauncher(options);
  };
  const source = (folder: TokenFolder): ModuleSource => ({ path: softhsmModule!, origin: 'added', env: folder.env });
  const open = (groups: ModuleSource[][], env: NodeJS.ProcessEnv = process.env) => {
    started = [];
    service = new TokenService(counting, env, async () => groups);
    return service;
  };

  beforeAll(() => {
    first = makeTokenFolder();
    first.addToken('alice');
    second = makeTokenFolder();
    second.addToken('bob');
  });

  afterAll(() => {
    first?.cleanup();
    second?.cleanup();
  });

  afterEach(async () => {
    await service?.dispose();
    service = undefined;
  });

  it('starts nothing until a URI is resolved', () => {
    open([[source(first)], [source(second)]]);
    expect(started).toEqual([]);
    expect(service!.snapshotModules()).toEqual([]);
  });

  it('starts the first group alone when it has the token', async () => {
    const tokens = open([[source(first)], [source(second)]]);
    const { token } = await tokens.resolveToken('pkcs11:token=alice');
    expect(token.label).toBe('alice');
    expect(started).toEqual([first.conf]);
  });

  it('starts the next group only when the ones before it do not have the token', async () => {
    const tokens = open([[source(first)], [source(second)]]);
    expect((await tokens.resolveToken('pkcs11:token=bob')).token.label).toBe('bob');
    expect(started).toEqual([first.conf, second.conf]);
    // A later URI of the same command resolves among what is started, and starts nothing more.
    expect((await tokens.resolveToken('pkcs11:token=alice')).token.label).toBe('alice');
    expect(started).toHaveLength(2);
  });

  it('a later URI naming a token elsewhere starts its group then', async () => {
    const tokens = open([[source(first)], [source(second)]]);
    await tokens.resolveToken('pkcs11:token=alice');
    expect((await tokens.resolveToken('pkcs11:token=bob')).token.label).toBe('bob');
    expect(started).toEqual([first.conf, second.conf]);
  });

  it('says clearly when no group has the token, after trying each once', async () => {
    const tokens = open([[source(first)], [source(second)]]);
    const error = await rejection(tokens.resolveToken('pkcs11:token=nosuch'));
    expect(error.code).toBe('token-not-found');
    expect(error.message).toContain('token "nosuch"');
    expect(started).toHaveLength(2);
    await rejection(tokens.resolveToken('pkcs11:token=nosuch'));
    expect(started).toHaveLength(2);
  });

  it("loads a URI's module-path first, and searches no further when it has the token", async () => {
    const tokens = open([[source(second)]], { ...process.env, ...first.env });
    expect((await tokens.resolveToken(`pkcs11:token=alice?module-path=${softhsmModule}`)).token.label).toBe('alice');
    expect(started).toEqual([first.conf]);
  });

  it('resolving the same URI twice at once starts each module once', async () => {
    const tokens = open([[source(first)], [source(second)]]);
    const both = await Promise.all([tokens.resolveToken('pkcs11:token=bob'), tokens.resolveToken('pkcs11:token=bob')]);
    expect(both.map((resolved) => resolved.token.label)).toEqual(['bob', 'bob']);
    expect(started).toEqual([first.conf, second.conf]);
  });

  it("resolving a URI's module-path twice at once waits for its start instead of searching further", async () => {
    const tokens = open([[source(second)]], { ...process.env, ...first.env });
    const uri = `pkcs11:token=alice?module-path=${softhsmModule}`;
    const both = await Promise.all([tokens.resolveToken(uri), tokens.resolveToken(uri)]);
    expect(both.map((resolved) => resolved.token.label)).toEqual(['alice', 'alice']);
    expect(started).toEqual([first.conf]);
  });

  it('once disposed, refuses and starts nothing, not even the module-path a URI names', async () => {
    const tokens = open([[source(first)]]);
    await tokens.dispose();
    expect((await rejection(tokens.resolveToken('pkcs11:token=alice'))).code).toBe('cancelled');
    expect((await rejection(tokens.resolveToken(`pkcs11:token=alice?module-path=${softhsmModule}`))).code).toBe('cancelled');
    expect(started).toEqual([]);
  });
});

describe('the modules of this machine, in the order a command looks at them', () => {
  let home: ReturnType<typeof makeDataDir>;

  beforeAll(() => {
    home = makeDataDir();
  });

  afterAll(() => {
    home?.cleanup();
  });

  const paths = (groups: ModuleSource[][]) => groups.map((group) => group.map((source) => source.path));

  it('CONCLAVE_PKCS11_MODULES replaces discovery: its modules are the only group', async () => {
    const search = machineModuleSearch({ dataDir: home.dir, env: { CONCLAVE_PKCS11_MODULES: '/opt/a/libone.so:/opt/b/libtwo.so' } });
    expect(paths(await search(parsePkcs11Uri('pkcs11:token=alice')))).toEqual([['/opt/a/libone.so', '/opt/b/libtwo.so']]);
    // A URI's module-path and module-name narrow every group.
    expect(paths(await search(parsePkcs11Uri('pkcs11:token=alice?module-path=/opt/b/libtwo.so')))).toEqual([['/opt/b/libtwo.so']]);
    expect(paths(await search(parsePkcs11Uri('pkcs11:token=alice?module-name=libone')))).toEqual([['/opt/a/libone.so']]);
  });

  it('without it: the modules added in settings first, then the installed ones', async () => {
    const dataDir = join(home.dir, 'added');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ version: 1, modules: [{ path: '/opt/vendor/libvendor-pkcs11.so' }], insecureRegistries: [] }));
    const groups = await machineModuleSearch({ dataDir, env: {} })(parsePkcs11Uri('pkcs11:token=alice'));
    expect(groups).toHaveLength(2);
    expect(groups[0]).toEqual([{ path: '/opt/vendor/libvendor-pkcs11.so', origin: 'added' }]);
    expect(groups[1]!.every((module) => module.origin === 'discovered')).toBe(true);
    if (softhsmModule) expect(groups[1]!.map((module) => module.kind)).toContain('softhsm2');
  });

  it.skipIf(!softhsmModule)('the demo tokens join the configured group when they exist', async () => {
    const dataDir = join(home.dir, 'demo');
    mkdirSync(dataDir);
    await writeDemoConfig(dataDir);
    const [configured] = await machineModuleSearch({ dataDir, env: { CONCLAVE_PKCS11_MODULES: softhsmModule! } })(parsePkcs11Uri('pkcs11:token=alice'));
    expect(configured!.map((module) => module.id ?? module.path)).toEqual([softhsmModule, demoModuleId]);
    expect(configured![1]!.env?.SOFTHSM2_CONF).toContain(dataDir);
  });

  it('a settings file it cannot read is reported when a search needs it, not before', async () => {
    const dataDir = join(home.dir, 'broken');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'settings.json'), '{"version": 9}');
    const search = machineModuleSearch({ dataDir, env: {} });
    await expect(search(parsePkcs11Uri('pkcs11:token=alice'))).rejects.toThrow(/settings file/);
  });
});
