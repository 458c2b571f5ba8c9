/**
 * Token hosts for one CLI command: the same host (host/entry.ts, same
 * messages) in a worker thread of the command's process instead of a process
 * of its own (issue 11). Starting a thread costs about half of what starting
 * another Node process costs (measured on a 2-core machine: about 60 ms
 * against 130 ms from launch to a loaded SoftHSM2), and a command that signs
 * waits for its host before anything else can happen.
 *
 * The trade-off: the module is loaded into the command's own process. A
 * vendor module that crashes ends the command with it, not just a host; a
 * command writes nothing before its signatures are made and checked, so a
 * crash leaves nothing half-written, and the command can simply be run
 * again. The window and the browser shell, which live for hours and hold
 * many ceremonies, keep a process per module. A module that hangs still
 * cannot hold the command: deadlines are kept by the command's thread (the
 * host's calls block only the host's thread), and a host that does not end
 * when stopped makes the process end itself at exit (releaseStuckHosts).
 *
 * A thread is used only where it behaves as a process would; otherwise this
 * falls back to a forked process:
 * - the module's environment must be the process's own: a library reads
 *   variables such as SOFTHSM2_CONF from the process's environment, which a
 *   thread cannot change for itself alone (the demo tokens, and callers that
 *   pass another environment, as tests do, get a process);
 * - one thread per library: a library is loaded once per process, so two
 *   modules with the same library would share its state;
 * - the built host must exist (under Vitest, hosts run from source via tsx).
 */
import { realpathSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { forkHostLauncher, tokenHostEntry, type HostLaunchOptions, type HostLauncher, type HostProcess } from './host-process';

/** The real paths of the libraries loaded by a thread of this process, ever (a library is not unloaded when its thread ends). */
const librariesInThreads = new Set<string>();

export const threadHostLauncher: HostLauncher = (options) => launchInThread(tokenHostEntry(), options);

/** The same, with the host's entry given (tests point it at the built host). */
export function threadHostLauncherWith(entry: { path: string; execArgv: string[] }): HostLauncher {
  return (options) => launchInThread(entry, options);
}

function launchInThread(entry: { path: string; execArgv: string[] }, options: HostLaunchOptions): HostProcess {
  const library = options.modulePath === undefined ? undefined : realPathOf(options.modulePath);
  if (entry.execArgv.length > 0 || library === undefined || librariesInThreads.has(library) || !sameEnvironment(options.env, process.env)) {
    return forkHostLauncher(options);
  }
  librariesInThreads.add(library);
  const worker = new Worker(entry.path, { env: { ...definedOf(options.env), CONCLAVE_SERVICE_NAME: options.serviceName }, name: options.serviceName });
  // The command's own work and the host client's deadlines keep the process alive; an idle host never does.
  worker.unref();
  let exited = false;
  let exitCode: number | null = null;
  worker.once('exit', (code) => {
    exited = true;
    exitCode = code;
    stuck.delete(worker);
  });
  // An error thrown in the host ends its thread (exit code 1), which the token service hears through onExit.
  worker.on('error', () => undefined);

  const host: HostProcess = {
    postMessage: (message) => {
      if (!exited) worker.postMessage(message);
    },
    onMessage: (listener) => {
      worker.on('message', listener);
    },
    onExit: (listener) => {
      if (exited) {
        queueMicrotask(() => listener(exitCode, null));
        return;
      }
      worker.once('exit', (code) => listener(code, null));
    },
    kill: (force) => {
      if (exited) return;
      void worker.terminate();
      // Asked again, outright: the thread is inside a module call that has not returned.
      if (force) stuck.add(worker);
    },
  };
  return host;
}

/** Threads that did not end when stopped outright: each is inside a call into its module. */
const stuck = new Set<Worker>();
let exitHook = false;

/**
 * For a command whose token service has been disposed: a host thread still
 * inside a call into its module (a hung vendor module; the host client's
 * deadline has already failed the command) must not keep the process. A
 * stopped thread keeps the event loop alive, and Node waits for every thread
 * when the process exits, which for a call that never returns is forever.
 * So such a thread no longer counts for the event loop (the command finishes
 * and says what failed), and at exit the process ends itself outright, after
 * a last line saying why, rather than hang the script that ran it (exit
 * status: killed). Returns whether any thread was stuck.
 */
export function releaseStuckHosts(): boolean {
  if (stuck.size === 0) return false;
  for (const worker of stuck) worker.unref();
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      if (stuck.size === 0) return;
      process.stderr.write('conclave: a token module did not return from a call, so its thread cannot end; ending the process.\n');
      process.kill(process.pid, 'SIGKILL');
    });
  }
  return true;
}

function realPathOf(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    // No such library: a process of its own reports that as any host does.
    return undefined;
  }
}

function definedOf(env: Record<string, string | undefined>): Record<string, string> {
  const defined: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) defined[name] = value;
  return defined;
}

/** Whether a library loaded in this process would see `env` (the environment the token service means for the host). */
function sameEnvironment(env: Record<string, string | undefined>, own: NodeJS.ProcessEnv): boolean {
  const wanted = definedOf(env);
  const actual = definedOf(own);
  const names = new Set([...Object.keys(wanted), ...Object.keys(actual)]);
  for (const name of names) if (wanted[name] !== actual[name]) return false;
  return true;
}
