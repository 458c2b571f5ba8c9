/**
 * What bin/conclave.js loads (built as out/main/cjs/cli-start.cjs): the
 * command line as CommonJS (out/main/cjs/cli.cjs and its chunks, bundled
 * again by the build from out/main/cli.js), compiled with V8's code cache
 * (issue 11).
 * Compiling the code a command runs is a good part of its start, and Node 20
 * keeps no code cache for ES modules; for CommonJS, V8 can be given the code
 * it compiled last time (vm.Script cachedData), as v8-compile-cache does.
 * The first run of each piece of code compiles it and keeps the result when
 * the process ends; later runs start from it.
 *
 * The cache is code this process runs, so it lives only in a folder of this
 * user's own that nobody else can write (created 0700 and checked, files
 * 0600): the data folder's cache/ when CONCLAVE_HOME is set, else the
 * system's cache folder for the user. CONCLAVE_COMPILE_CACHE names another
 * folder, or turns it off ("off"). Each file is named by the SHA-256 of the
 * code it was compiled from, so a rebuilt file never meets an old cache (V8
 * itself checks only the length of the source, its version and its flags).
 *
 * This file imports nothing of Conclave's but where the cache goes
 * (compile-cache-dir.ts), the rule for a folder it may trust
 * (owned-by-this-user.ts) and what starts an opening's hashing and a token
 * host's thread ahead of the command: it is the only
 * code of the command line not loaded through the cache: the command line
 * (cli.cjs) is required only once the cache is in place.
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { compileCacheDir } from './compile-cache-dir';
import { writableByThisUserAlone } from '../core/owned-by-this-user';
import { startHashingEarly } from '../core/hashing/hash-thread';
import { prestartHostThread } from '../core/tokens/host-thread';

type Cli = typeof import('./index');

/** What this file uses of Node's CommonJS loader beyond its typings. */
interface CommonJsModule {
  exports: unknown;
  require(id: string): unknown;
}
interface CommonJsLoader {
  prototype: { _compile(this: CommonJsModule, content: string, filename: string): unknown };
  _resolveFilename(request: string, parent: CommonJsModule, isMain: boolean, options?: unknown): string;
  _cache: unknown;
  wrap(content: string): string;
}

/** Cache files kept at most; the oldest go first (every build leaves files under new names). */
const cacheFilesKept = 400;

/** The folder, made if need be, when it is this user's alone; undefined otherwise (the code is then compiled as usual). */
function privateFolder(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const info = lstatSync(dir);
    if (!info.isDirectory()) return undefined;
    return writableByThisUserAlone(info) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Compiles the CommonJS files in `codeDir` with the cache in `cacheDir`, as
 * Node would compile them otherwise (same wrapper, same arguments); the
 * caches of files compiled afresh are written when the process ends.
 *
 * V8 compiles a function when it first runs, and a cache holds what was
 * compiled when it was written: a file's cache written by one command
 * (`policy trust`, often a machine's first) lacks the functions another
 * (`ceremony open`) runs, which that command then compiles at every run. So
 * each command, the first time it runs with a file's cache, writes it again
 * with what it compiled added (when that made it larger), and notes that it
 * did (commandsSeen): later runs of it add nothing and write nothing.
 */
function compileWithCache(codeDir: string, cacheDir: string, command: string): void {
  const loader = Module as unknown as CommonJsLoader;
  const compile = loader.prototype._compile;
  const fresh: { script: vm.Script; file: string }[] = [];
  const cached: { script: vm.Script; file: string; bytes: number }[] = [];
  loader.prototype._compile = function (this: CommonJsModule, content: string, filename: string) {
    if (dirname(filename) !== codeDir) return compile.call(this, content, filename);
    const file = join(cacheDir, `${basename(filename, '.cjs')}-${createHash('sha256').update(content).digest('hex').slice(0, 32)}.bin`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    const script = new vm.Script(loader.wrap(content), { filename, ...(cachedData ? { cachedData } : {}) });
    if (!cachedData || script.cachedDataRejected === true) fresh.push({ script, file });
    else cached.push({ script, file, bytes: cachedData.length });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    const require = Object.assign((id: string) => this.require(id), {
      resolve: (request: string, options?: unknown) => loader._resolveFilename(request, this, false, options),
      cache: loader._cache,
    });
    return wrapper.call(this.exports, this.exports, require, this, filename, dirname(filename));
  };
  process.once('exit', () => {
    const seen = commandsSeen(cacheDir);
    const before = JSON.stringify(seen.commands);
    // What V8 compiled by now goes in: the file's top level and every function this command ran.
    for (const { script, file } of fresh) {
      writePrivately(file, script.createCachedData());
      seen.commands[basename(file)] = [command];
    }
    for (const { script, file, bytes } of cached) {
      const ran = (seen.commands[basename(file)] ??= []);
      if (ran.includes(command)) continue;
      const data = script.createCachedData();
      if (data.length > bytes) writePrivately(file, data);
      ran.push(command);
    }
    if (fresh.length > 0) pruneOldest(cacheDir);
    if (JSON.stringify(seen.commands) !== before) seen.save();
  });
}

/**
 * Which commands have added what they compiled to each cache file (by its
 * name): commands-seen.json in the cache folder. Unreadable, it is empty
 * (each command then adds to the caches once more); two commands ending at
 * once may each save it, and the one saved last wins, which only costs the
 * other's next run that again.
 */
function commandsSeen(cacheDir: string): { commands: Record<string, string[]>; save(): void } {
  const path = join(cacheDir, 'commands-seen.json');
  let commands: Record<string, string[]> = {};
  try {
    const read: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (read && typeof read === 'object' && !Array.isArray(read)) {
      for (const [name, list] of Object.entries(read)) if (Array.isArray(list)) commands[name] = list.filter((entry): entry is string => typeof entry === 'string');
    }
  } catch {
    commands = {};
  }
  return {
    commands,
    save() {
      // Only the cache files still there (pruning removes old builds' files).
      const present = new Set(readdirSafely(cacheDir));
      const kept = Object.fromEntries(Object.entries(commands).filter(([name]) => present.has(name)));
      writePrivately(path, Buffer.from(`${JSON.stringify(kept)}\n`));
    },
  };
}

function readdirSafely(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The words of the command groups (catalog.ts commandGroups; a test keeps the two the same), whose commands are two words. */
export const commandGroupWords: readonly string[] = ['modules', 'ceremony', 'policy', 'remote', 'audit'];

/**
 * The command a run is, as the cache records it ("ceremony open", "digest"):
 * a command word, and a second one only after a group's word, both
 * lowercase words, so that no file name, id or value given to a command is
 * ever written to the cache folder.
 */
export function commandOf(args: readonly string[]): string {
  const word = (arg: string | undefined) => arg !== undefined && /^[a-z][a-z-]{0,30}$/.test(arg);
  if (!word(args[0])) return 'conclave';
  return commandGroupWords.includes(args[0]!) && word(args[1]) ? `${args[0]} ${args[1]}` : args[0]!;
}

/** Written whole or not at all (a temporary name, then renamed), readable by this user alone; a failure only costs the next run time. */
function writePrivately(file: string, data: Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // Never made.
    }
  }
}

function pruneOldest(cacheDir: string): void {
  try {
    const files = readdirSync(cacheDir).filter((name) => name.endsWith('.bin'));
    if (files.length <= cacheFilesKept) return;
    const byAge = files.map((name) => ({ name, at: statSync(join(cacheDir, name)).mtimeMs })).sort((a, b) => a.at - b.at);
    for (const { name } of byAge.slice(0, files.length - cacheFilesKept)) unlinkSync(join(cacheDir, name));
  } catch {
    // Another command pruned at the same time; the next one tries again.
  }
}

/**
 * Zod's shared configuration (the object its z.config() writes, which every
 * copy of zod in a process reads from globalThis), set before any schema is
 * made: no "jit" parsers. By default zod compiles a parser for each object
 * schema with new Function the first time it parses with it, which pays off
 * for a window that runs for hours; a command parses each schema a few times
 * and would spend more making those parsers than they save (issue 11). The
 * checks are the same either way.
 */
function parseWithoutCompiledParsers(): void {
  const shared = globalThis as { __zod_globalConfig?: Record<string, unknown> };
  shared.__zod_globalConfig = { ...shared.__zod_globalConfig, jitless: true };
}

/** The command line, loaded with the code cache and zod's configuration in place. */
let loaded: Cli | undefined;
function loadCli(command = 'conclave'): Cli {
  if (loaded) return loaded;
  parseWithoutCompiledParsers();
  // The chunks are this file's neighbours in out/main/cjs.
  const codeDir = dirname(fileURLToPath(import.meta.url));
  const cacheDir = compileCacheDir();
  const usable = cacheDir === undefined ? undefined : privateFolder(cacheDir);
  if (usable) compileWithCache(codeDir, usable, command);
  loaded = createRequire(import.meta.url)(join(codeDir, 'cli.cjs')) as Cli;
  return loaded;
}

/**
 * A ceremony command's options, read from its arguments before the command
 * line has loaded (name → values, a flag's value ""): undefined where this
 * reading is not sure of them (help, "--", an option of `valued` without its
 * value), and then nothing is started ahead; the command starts it itself, a
 * little later.
 */
function optionsAhead(args: readonly string[], valued: readonly string[]): Map<string, string[]> | undefined {
  const options = new Map<string, string[]>();
  for (let index = 2; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--' || arg === '--help' || arg === '-h') return undefined;
    if (!arg.startsWith('--')) continue;
    const equals = arg.indexOf('=');
    const name = arg.slice(2, equals < 0 ? undefined : equals);
    let value = equals < 0 ? undefined : arg.slice(equals + 1);
    if (value === undefined && valued.includes(name)) {
      value = args[++index];
      if (value === undefined || value.startsWith('-')) return undefined;
    }
    options.set(name, [...(options.get(name) ?? []), value ?? '']);
  }
  return options;
}

/** The files `ceremony open --artifact FILE…` will hash; none for any other command. */
export function artifactsToHashEarly(args: readonly string[]): { paths: string[]; sha512: boolean } | undefined {
  if (args[0] !== 'ceremony' || args[1] !== 'open') return undefined;
  const options = optionsAhead(args, ['artifact']);
  const paths = options?.get('artifact') ?? [];
  return paths.length > 0 ? { paths, sha512: options!.has('sha512') } : undefined;
}

/**
 * The environment a ceremony command that names a key gives its token host:
 * the command's own without its --pin-env variable (runCli takes that out
 * before anything of the command starts); undefined for any other command.
 */
export function tokenHostEnvironment(args: readonly string[], env: NodeJS.ProcessEnv): NodeJS.ProcessEnv | undefined {
  if (args[0] !== 'ceremony') return undefined;
  const options = optionsAhead(args, ['key', 'pin-env']);
  if (!options?.has('key')) return undefined;
  const pinVariable = options.get('pin-env')?.at(-1);
  if (pinVariable === undefined) return env;
  // By name only: reading the variable's value (a destructuring did) makes the PIN a JavaScript string in this
  // process, which takePinVariable exists to prevent; the memory test found it there after some runs.
  const others: NodeJS.ProcessEnv = {};
  for (const name of Object.keys(env)) if (name !== pinVariable) others[name] = env[name];
  return others;
}

/**
 * Before the command line loads (issue 11), a ceremony command that names a
 * key starts its token host's thread (Node's start of a thread takes about
 * as long as loading the command, and they then overlap on two cores), and
 * an opening's artifacts are hashed: at once here when they are small, else
 * in threads of their own (startHashingEarly). The command takes both over
 * when it gets to them (host-thread.ts, hash-thread.ts) and checks what it
 * gets exactly as it checks a host or hashing it started itself; the token
 * host loads no module until the command's token service admits one.
 */
export const runCli: Cli['runCli'] = (args, io) => {
  const hostEnvironment = tokenHostEnvironment(args, io.env);
  if (hostEnvironment) prestartHostThread(hostEnvironment);
  const early = artifactsToHashEarly(args);
  if (early) startHashingEarly(early.paths, early.sha512 ? ['sha256', 'sha512'] : ['sha256']);
  return loadCli(commandOf(args)).runCli(args, io);
};
export const endOnceWritten: Cli['endOnceWritten'] = (code, settled) => loadCli().endOnceWritten(code, settled);
