/**
 * The Electron main process entry (built to out/main/index.js).
 */
import { join } from 'node:path';
import { reportStartFailure, runConclave } from './conclave-app';

// Computed in the entry file, which always lands in out/main/ itself (shared code may move to a chunk folder):
// electron-vite puts the preload in out/preload/ and the page in out/renderer/.
const here = import.meta.dirname;

runConclave({
  preloadPath: join(here, '../preload/index.cjs'),
  rendererDir: join(here, '../renderer'),
}).catch(reportStartFailure);
