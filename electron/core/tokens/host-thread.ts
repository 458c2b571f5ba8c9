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
 *   pass another environment, as tests do, get a process). Leaving a
 *   variable out is not another environment: the --pin-env variable, which a
 *   command keeps from its hosts, is not in the thread's process.env, and in
 *   the process's own environment a library in this process could read it as
 *   it can read the process's memory, where the PIN is anyway (a forked host
 *   for it would cost the command a process start, issue 11);
 * - one thread per library: a library is loaded once per process, so two
 *   modules with the same library would share its state;
 * - the built host must exist (under Vitest, hosts run from source via tsx).
 */
import { realpathSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { startThread } from '../threads/start-thread';
import { forkHostLauncher, tokenHostEntry, type HostLaunchOptions, type HostLauncher, type HostProcess } from './host-process';

/** The real paths of the libraries loaded by a thread of this process, ever (a library is not unloaded when its thread ends). */
const librariesInThreads = new Set<string>();

export const threadHostLauncher: HostLauncher = (options) => launchInThread(tokenHostEntry(), options);

/** The same, with the host's entry given (tests point it at the built host). */
export function threadHostLauncherWith(entry: { path: string; execArgv: string[] }): HostLauncher {
  return (options) => launchInThread(entry, options);
}

function launchInThread(entry: { path: string; execArgv: string[] }, options: HostLaunchOptions): HostProcess {
  queueMicrotask(hostLaunched);
  const library = options.modulePath === undefined ? undefined : realPathOf(options.modulePath);
  if (entry.execArgv.length > 0 || library === undefined || librariesInThreads.has(library) || !sameEnvironment(options.env, process.env)) {
    return forkHostLauncher(options);
  }
  librariesInThreads.add(library);
  const worker = takeSpare(entry.path, options.env) ?? startThread(entry.path, { env: { ...definedOf(options.env), CONCLAVE_SERVICE_NAME: options.serviceName }, name: options.serviceName });
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
    postMessage: (message, transfer) => {
      if (!exited) worker.postMessage(message, transfer);
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

interface SpareThread {
  worker: Worker;
  path: string;
  env: Record<string, string>;
  exited: boolean;
}

/**
 * A host thread started before its module was known (prestartHostThread), until a launch takes it. Kept on the
 * process, not in this module: the command line's first file (cli-start.cjs) is bundled apart from the rest, so
 * this module is loaded twice, and the first copy starts the thread the second one takes.
 */
const spareKey = Symbol.for('conclave.token-host-spare');
const spares = globalThis as { [spareKey]?: SpareThread | undefined };

/**
 * Starts a host thread now, before the token service knows which module it
 * will load (issue 11): a CLI command that names a key starts one as soon as
 * it has read its arguments, so that Node's start of the thread and the
 * host's own loading overlap the loading of the command's code. The thread
 * loads no PKCS#11 library until the token service, having admitted the
 * module, sends it its first request, as with a thread started then; the
 * first launch in a thread with the same host and environment takes it.
 */
export function prestartHostThread(env: Record<string, string | undefined>, entry: { path: string; execArgv: string[] } = tokenHostEntry()): void {
  if (spares[spareKey] || entry.execArgv.length > 0 || !sameEnvironment(env, process.env)) return;
  const started: SpareThread = { worker: startThread(entry.path, { env: definedOf(env), name: 'Conclave token host' }), path: entry.path, env: definedOf(env), exited: false };
  started.worker.unref();
  started.worker.once('exit', () => {
    started.exited = true;
    if (spares[spareKey] === started) spares[spareKey] = undefined;
  });
  started.worker.on('error', () => undefined);
  spares[spareKey] = started;
}

/** Who waits for the next launch of a host (nextHostLaunch). */
const launchWaiters = new Set<() => void>();

/** Settles when a host is next launched by this module's launchers, in a thread or in a process (its module is then starting). */
export function nextHostLaunch(): Promise<void> {
  return new Promise((resolve) => launchWaiters.add(resolve));
}

function hostLaunched(): void {
  for (const resolve of launchWaiters) resolve();
  launchWaiters.clear();
}

/** Whether a thread prestartHostThread started is still waiting for a launch to take it. */
export function hasSpareHostThread(): boolean {
  return spares[spareKey] !== undefined;
}

/** Ends a thread prestartHostThread started that no launch took. */
export async function stopSpareHostThread(): Promise<void> {
  const unused = spares[spareKey];
  spares[spareKey] = undefined;
  await unused?.worker.terminate();
}

function takeSpare(path: string, env: Record<string, string | undefined>): Worker | undefined {
  const spare = spares[spareKey];
  const wanted = definedOf(env);
  const names = new Set([...Object.keys(wanted), ...Object.keys(spare?.env ?? {})]);
  if (!spare || spare.exited || spare.path !== path || [...names].some((name) => wanted[name] !== spare.env[name])) return undefined;
  const { worker } = spare;
  spares[spareKey] = undefined;
  return worker;
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

/**
 * Whether a library loaded in this process would see `env` (the environment the token service means for the host):
 * every variable of it, with its value. Variables `env` leaves out (a command's --pin-env PIN) may be in the process's.
 */
function sameEnvironment(env: Record<string, string | undefined>, own: NodeJS.ProcessEnv): boolean {
  const actual = definedOf(own);
  return Object.entries(definedOf(env)).every(([name, value]) => actual[name] === value);
}
