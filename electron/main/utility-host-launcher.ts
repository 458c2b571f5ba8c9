/**
 * Token hosts in the Electron app run as Electron utility processes rather
 * than child_process.fork: they need no separate Node binary, show up in the
 * app's process metrics under their service name, and are ended with the app.
 * The host talks to us through process.parentPort.
 */
import { utilityProcess } from 'electron';
import { tokenHostEntry, type HostLauncher } from '../core/tokens/host-process';

export const utilityHostLauncher: HostLauncher = ({ env, serviceName }) => {
  const entry = tokenHostEntry();
  const definedEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) definedEnv[name] = value;

  const host = utilityProcess.fork(entry.path, [], {
    env: { ...definedEnv, CONCLAVE_SERVICE_NAME: serviceName },
    execArgv: entry.execArgv,
    serviceName,
    stdio: 'inherit',
    // PKCS#11 modules are vendors' libraries, signed by them, not by us: under macOS library validation
    // the host could not load them otherwise.
    allowLoadingUnsignedLibraries: process.platform === 'darwin',
  });

  let exited = false;
  let exitCode: number | null = null;
  host.once('exit', (code: number) => {
    exited = true;
    exitCode = code;
  });

  return {
    postMessage: (message) => {
      // A message to a host that has gone would throw; the token service learns of the exit through onExit.
      if (!exited) host.postMessage(message);
    },
    onMessage: (listener) => {
      host.on('message', listener);
    },
    onExit: (listener) => {
      // A listener added after the exit still hears of it, once.
      if (exited) {
        queueMicrotask(() => listener(exitCode, null));
        return;
      }
      // Utility processes report an exit code only; a crash shows up as a non-zero code.
      host.once('exit', (code: number) => listener(code, null));
    },
    kill: () => {
      if (!exited) host.kill();
    },
  };
};
