import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The data folder every shell shares (app, CLI, browser shell), so that the
 * command line sees the same modules and demo tokens as the window.
 * CONCLAVE_HOME points elsewhere (tests, portable installs).
 *
 * Both folders are absolute: git runs inside the store with paths Conclave
 * hands it, and a relative --store (say `--store store`) named files under
 * store/store/ there (issue 15's bench found \`conclave sync --store store\`
 * failing so).
 */
export function appDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.CONCLAVE_HOME) return resolve(env.CONCLAVE_HOME);
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Conclave');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Conclave');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'conclave');
}

/**
 * The ceremony store every shell uses: the one named on the command line,
 * else CONCLAVE_STORE, else store/ in the data folder.
 */
export function ceremonyStoreDir(env: NodeJS.ProcessEnv = process.env, explicit?: string, dataDir: string = appDataDir(env)): string {
  return resolve(explicit ?? env.CONCLAVE_STORE ?? join(dataDir, 'store'));
}
