/**
 * The core behind every shell (Electron, the browser shell, the CLI): Node
 * only, no Electron import. A shell creates one core, routes validated calls
 * to `handlers` through dispatchCall, and forwards pushed events to its window.
 */
import type { ApiHandlers, EventSink } from './api/handlers';
import type { HostLauncher } from './tokens/host-process';
import type { NamedModule } from './tokens/machine-modules';
import type { TokenService } from './tokens/token-service';

export interface CoreOptions {
  /** The app's data folder (settings, demo tokens, later the ceremony store). */
  dataDir: string;
  shell: 'electron' | 'browser' | 'cli';
  version: string;
  /** How token hosts are started: child_process.fork unless the shell says otherwise. */
  hostLauncher?: HostLauncher;
  /**
   * Module paths to use instead of discovering the usual ones; tests pass
   * their own SoftHSM2 with its own SOFTHSM2_CONF here.
   */
  modules?: NamedModule[];
  /** The ceremony store; CONCLAVE_STORE or the data folder's store/ when not given. */
  storeDir?: string;
  /** The environment token hosts inherit; the process's own unless a caller (the CLI in tests) gives another. */
  env?: NodeJS.ProcessEnv;
  /**
   * The shell's native file dialog for a PKCS#11 module (Electron): modules.add
   * opens it and adds what the person picked. Without it (the browser shell),
   * modules.add asks the person to confirm the path, owner and permissions first.
   */
  chooseModuleFile?: () => Promise<string | undefined>;
  /** How long a start over a saved index waits for the window's first page before checking the store (2 s; tests). */
  indexWaitsForWindowMs?: number;
}

export interface Core {
  handlers: ApiHandlers;
  /** The token service itself, for the CLI (which works below the window's API). */
  tokens: TokenService;
  /** Settles when the modules known at start have been loaded (or have failed). */
  ready: Promise<void>;
  /** Returns a function that stops the subscription. */
  subscribe(sink: EventSink): () => void;
  dispose(): Promise<void>;
}

export { createCore } from './create-core';
