/**
 * A token host is a process of its own per PKCS#11 module: a vendor module
 * that crashes, hangs in a touch prompt or links a clashing OpenSSL takes only
 * its own process down. The browser shell starts hosts with
 * child_process.fork; the Electron app with utilityProcess.fork; a CLI
 * command, which lives for one action, in a worker thread (host-thread.ts).
 * All look like this to the token service.
 */
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pinPipeFd, pinPipeVariable, writePin } from './host/pin-pipe';

export interface HostProcess {
  /**
   * `transfer`: buffers (a PIN's) that a host in a thread receives moved
   * rather than copied. A process gets a copy of them through its channel,
   * in buffers of Node's or Electron's that nobody overwrites.
   */
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  /**
   * Where the host has a pipe for PINs (host/pin-pipe.ts): writes the PIN
   * there, straight from the caller's buffer (which must stay as it is until
   * the host has answered); the request then says "piped".
   */
  sendPin?(pin: Uint8Array): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process ends, for whatever reason. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** Asks the process to end; `force` ends it outright (SIGKILL where there are signals). */
  kill(force?: boolean): void;
}

export interface HostLaunchOptions {
  /** Environment of the host: the parent's, plus what the module needs (e.g. SOFTHSM2_CONF). */
  env: Record<string, string | undefined>;
  /** The PKCS#11 library the host will load (it is named again in the host's first request). */
  modulePath?: string;
  /** A name for process lists and crash reports. */
  serviceName: string;
}

export type HostLauncher = (options: HostLaunchOptions) => HostProcess;

/** Where the built host lives; under Vitest, the TypeScript source is run through tsx instead. */
export function tokenHostEntry(): { path: string; execArgv: string[] } {
  // Bundled, this code sits in out/main/ or in a chunk folder below it; the command line's CommonJS build (out/main/cjs)
  // has its own CommonJS host beside it, which starts sooner (issue 11).
  for (const candidate of ['./token-host.cjs', './token-host.js', '../token-host.js']) {
    const built = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(built)) return { path: built, execArgv: [] };
  }
  const source = fileURLToPath(new URL('./host/entry.ts', import.meta.url));
  return { path: source, execArgv: ['--import', 'tsx'] };
}

export const forkHostLauncher: HostLauncher = ({ env, serviceName }) => {
  const entry = tokenHostEntry();
  // child_process is loaded when a host is forked: a CLI command's hosts are threads (host-thread.ts), and loading it costs each command's start (issue 11).
  const { fork } = process.getBuiltinModule('node:child_process');
  const child = fork(entry.path, [], {
    env: { ...env, CONCLAVE_SERVICE_NAME: serviceName, [pinPipeVariable]: String(pinPipeFd) },
    execArgv: entry.execArgv,
    // fd 4: the PIN pipe.
    stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
    serialization: 'advanced',
  });
  const pins = child.stdio[pinPipeFd] as Writable | null;
  // A host that has ended closes its end: the requests in flight fail through onExit, not through this pipe.
  pins?.on('error', () => undefined);
  return {
    postMessage: (message) => {
      // With a callback: a host that died a moment ago still looks connected until its end of the channel is read as
      // closed, and its EPIPE, without one, is thrown in the core. The request then fails through onExit, as any
      // request in flight when a host ends.
      if (child.connected) child.send(message as never, () => undefined);
    },
    ...(pins ? { sendPin: (pin: Uint8Array) => writePin(pins, pin) } : {}),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.once('exit', listener),
    kill: (force) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(force ? 'SIGKILL' : 'SIGTERM');
    },
  };
};
