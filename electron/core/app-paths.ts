import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConclaveError } from '../../shared/errors';

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
 * else CONCLAVE_STORE, else store/ in the data folder. An empty CONCLAVE_STORE
 * counts as unset, as shells treat an empty variable; an empty --store (a
 * script's unset "$STORE") is refused, not taken as the working folder, which
 * a sync would have made a git repository. A store that is a file is refused
 * before anything reads or writes there.
 */
export function ceremonyStoreDir(env: NodeJS.ProcessEnv = process.env, explicit?: string, dataDir: string = appDataDir(env)): string {
  if (explicit !== undefined && explicit.trim() === '') {
    throw new ConclaveError('invalid-input', '--store is empty: name the ceremony store\'s folder (say --store ./store), or leave --store out for the default, store/ in the data folder.', { cause: 'store-empty' });
  }
  const dir = resolve(explicit ?? (env.CONCLAVE_STORE || join(dataDir, 'store')));
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() === false) {
    const named = explicit !== undefined ? 'named by --store' : env.CONCLAVE_STORE ? 'named by CONCLAVE_STORE' : 'the default store, in the data folder';
    throw new ConclaveError('invalid-input', `${dir} (${named}) is a file, not a ceremony store folder. Name the store's folder instead, or move the file out of the way.`, { cause: 'store-not-a-folder' });
  }
  return dir;
}
