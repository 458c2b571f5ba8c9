/**
 * Where the command line keeps the code V8 compiled for it (start.ts): the
 * data folder's cache/ when CONCLAVE_HOME is set (tests, portable installs),
 * else the system's cache folder for the user; CONCLAVE_COMPILE_CACHE names
 * another folder, or turns the cache off ("off"). One folder per Node
 * version and architecture: V8 refuses code compiled by another.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The folder for this Node and architecture, or undefined when the cache is off. */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  const named = env.CONCLAVE_COMPILE_CACHE;
  if (named === 'off' || named === '0') return undefined;
  let base: string;
  if (named) base = named;
  else if (env.CONCLAVE_HOME) base = join(env.CONCLAVE_HOME, 'cache', 'compiled');
  else if (platform === 'win32') base = join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'Conclave', 'Cache', 'compiled');
  else if (platform === 'darwin') base = join(homedir(), 'Library', 'Caches', 'Conclave', 'compiled');
  else base = join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'conclave', 'compiled');
  return join(base, `node-${process.version}-${process.arch}`);
}
