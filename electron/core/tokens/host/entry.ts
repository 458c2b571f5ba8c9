/**
 * The token host: one PKCS#11 module, loaded here and nowhere else. Started by
 * the token service with child_process.fork (browser shell), Electron's
 * utilityProcess.fork (the app), or as a worker thread (a CLI command, see
 * host-thread.ts); each gives us a message port.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { ConclaveError, toErrorData } from '../../../../shared/errors';
import { ModuleHost } from './module-host';
import { asPkcs11Failure, explainPkcs11Failure } from './pkcs11-errors';
import type { FromHost, HostRequest, SlotToken, ToHost } from './protocol';

interface ParentPort {
  on(event: 'message', listener: (message: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const electronPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
const threadPort = isMainThread ? null : parentPort;

function post(message: FromHost): void {
  if (threadPort) threadPort.postMessage(message);
  else if (electronPort) electronPort.postMessage(message);
  else process.send?.(message);
}

function onMessage(listener: (message: unknown) => void): void {
  if (threadPort) threadPort.on('message', listener);
  else if (electronPort) electronPort.on('message', (event) => listener(event.data));
  else process.on('message', listener);
}

const host = new ModuleHost();
let loaded = false;
let lastTokens = '';

async function handle(request: HostRequest): Promise<unknown> {
  if (request.op === 'init') {
    const info = host.init(request.modulePath, request.kind);
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
      return host.login(request.token, request.pin);
    case 'generateKey':
      return host.generateKey(request.token, request.pin, request.label, request.algorithm);
    case 'sign':
      return host.signMany(request.token, request.pin, request.keyId, request.messages, request.scheme);
    case 'initToken': {
      const token = host.initToken(request.label, request.soPin, request.userPin);
      remember(host.listTokens());
      return token;
    }
  }
}

function describeOp(op: HostRequest['op']): string {
  return { init: 'starting the module', listTokens: 'listing tokens', listKeys: 'listing keys', login: 'logging in', generateKey: 'making a key', sign: 'signing', initToken: 'making a token' }[op];
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
  Promise.resolve()
    .then(() => handle(request))
    .then(
      (value) => post({ kind: 'response', id, ok: true, value }),
      (error: unknown) => {
        const failure = asPkcs11Failure(error);
        const explained = failure ? explainPkcs11Failure(failure, { doing: describeOp(request.op) }) : error;
        post({ kind: 'response', id, ok: false, error: toErrorData(explained) });
      },
    );
});

// The host lives as long as its parent: when the channel closes, nothing is left to serve.
process.on('disconnect', () => process.exit(0));
