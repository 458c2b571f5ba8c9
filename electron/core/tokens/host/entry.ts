/**
 * The token host: one PKCS#11 module, loaded here and nowhere else. Started by
 * the token service with child_process.fork (browser shell), Electron's
 * utilityProcess.fork (the app), or as a worker thread (a CLI command, see
 * host-thread.ts); each gives us a message port.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { ConclaveError, toErrorData } from '../../../../shared/errors';
import { excludeMemoryFromCoreDumps } from '../../core-dumps';
import { ModuleHost } from './module-host';
import { PinPipe, pinPipeVariable } from './pin-pipe';
import { asPkcs11Failure } from './pkcs11-errors';
import { pipedPin, type FromHost, type HostRequest, type PinBytes, type SlotToken, type ToHost } from './protocol';

interface ParentPort {
  on(event: 'message', listener: (message: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

// A PIN passes through here on its way to C_Login: no core dump of this process holds its memory (see core-dumps.ts).
excludeMemoryFromCoreDumps();

const electronPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
const threadPort = isMainThread ? null : parentPort;

function post(message: FromHost): void {
  if (threadPort) threadPort.postMessage(message);
  else if (electronPort) electronPort.postMessage(message);
  // A parent that went away (its channel closed before this process saw the disconnect: EPIPE) has nobody left to
  // answer: end quietly, as at the disconnect, instead of an unhandled 'error' and its stack in the person's terminal.
  else process.send?.(message, undefined, undefined, (error) => error && process.exit(0));
}

function onMessage(listener: (message: unknown) => void): void {
  if (threadPort) threadPort.on('message', listener);
  else if (electronPort) electronPort.on('message', (event) => listener(event.data));
  else process.on('message', listener);
}

// A process forked with a PIN pipe (pin-pipe.ts); a thread shares its process's descriptors and never reads one.
const pinPipeFd = isMainThread ? Number(process.env[pinPipeVariable] ?? NaN) : NaN;
const pinPipe = Number.isInteger(pinPipeFd) ? new PinPipe(pinPipeFd) : null;

const host = new ModuleHost();
let loaded = false;
let lastTokens = '';

/** The PIN a request carries, or the next one on the PIN pipe (claimed when the request arrives, so in the order written). */
function pinOf(request: HostRequest): Promise<PinBytes> | undefined {
  if (!('pin' in request)) return undefined;
  if (request.pin !== pipedPin) return Promise.resolve(request.pin);
  if (!pinPipe) return Promise.reject(new ConclaveError('internal', 'The token host was sent a PIN on a pipe it does not have.'));
  return pinPipe.next();
}

async function handle(request: HostRequest, pin: Promise<PinBytes> | undefined): Promise<unknown> {
  if (request.op === 'init') {
    const info = host.init(request.modulePath, request.kind, request.libraryParameters);
    loaded = true;
    startWatching();
    return info;
  }
  if (!loaded) throw new ConclaveError('internal', 'The token host was asked to work before its module was loaded.');
  switch (request.op) {
    case 'listTokens':
      return remember(host.listTokens());
    case 'listKeys':
      return host.listKeys(request.token);
    case 'login':
      return host.login(request.token, (await pin)!);
    case 'generateKey':
      return host.generateKey(request.token, (await pin)!, request.label, request.algorithm, request.id);
    case 'sign':
      return host.signMany(request.token, (await pin)!, request.key, request.messages, request.scheme, request.hold);
    case 'releaseHold':
      return host.releaseHold(request.hold);
    case 'initToken': {
      const token = host.initToken(request.label, request.soPin, request.userPin);
      remember(host.listTokens());
      return token;
    }
  }
}

function describeOp(op: HostRequest['op']): string {
  return { init: 'starting the module', listTokens: 'listing tokens', listKeys: 'listing keys', login: 'logging in', generateKey: 'making a key', sign: 'signing', releaseHold: 'logging out', initToken: 'making a token' }[op];
}

function remember(tokens: SlotToken[]): SlotToken[] {
  lastTokens = JSON.stringify(tokens);
  return tokens;
}

/**
 * Insertion and removal: re-list slots about once a second (SoftHSM2 answers
 * C_WaitForSlotEvent with CKR_FUNCTION_NOT_SUPPORTED, and a blocking wait
 * would hold this process), and tell the service only when something changed.
 */
function startWatching(): void {
  const interval = Number(process.env.CONCLAVE_SLOT_POLL_MS ?? 1000);
  const timer = setInterval(() => {
    try {
      const tokens = host.listTokens(true);
      const text = JSON.stringify(tokens);
      if (text !== lastTokens) {
        lastTokens = text;
        post({ kind: 'tokens', tokens });
      }
    } catch {
      // A module mid-reset: the next tick tries again.
    }
  }, interval);
  timer.unref?.();
}

onMessage((message) => {
  const { id, request } = message as ToHost;
  if (typeof id !== 'number' || typeof request !== 'object' || request === null) return;
  const pin = pinOf(request);
  pin?.catch(() => undefined); // a request that fails before its PIN is used reports its own failure
  Promise.resolve()
    .then(() => handle(request, pin))
    .then(
      (value) => post({ kind: 'response', id, ok: true, value }),
      (error: unknown) => {
        const failure = asPkcs11Failure(error);
        const explained = failure ? host.explain(failure, describeOp(request.op)) : error;
        post({ kind: 'response', id, ok: false, error: toErrorData(explained) });
      },
    );
});

// The host lives as long as its parent: when the channel closes, nothing is left to serve.
process.on('disconnect', () => process.exit(0));
