/**
 * The sandboxed preload: the only bridge between the window and the main
 * process. It exposes exactly `window.conclave` (ConclaveApi) and nothing
 * else; it never hands out ipcRenderer or an IPC event object, and holds no
 * business logic. The main process validates every call again.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
// Names only: the schemas stay in the main process, which validates every call again.
import { isCallName, isEventName } from '../../shared/api/names';
import type { CallInput, CallName, CallOutput, ConclaveApi, EventName } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { callChannel, eventChannel } from './channels';

const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

// One relay for all events: the window's listeners receive the payload only, never the IPC event (it carries `sender`).
ipcRenderer.on(eventChannel, (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
  if (!isEventName(name)) return;
  for (const listener of [...(listeners.get(name) ?? [])]) {
    try {
      listener(payload);
    } catch (error) {
      // One failing listener must not keep the event from the others.
      console.error(`A listener for "${name}" failed:`, error);
    }
  }
});

const mainProcessSilent: Result<never> = {
  ok: false,
  error: {
    code: 'internal',
    message: 'Conclave did not answer this request. Close and reopen Conclave; nothing was signed or changed.',
  },
};

const unknownCall: Result<never> = {
  ok: false,
  error: { code: 'unknown-call', message: 'Conclave refused a request it does not know.' },
};

/** Overwrites the byte fields of a call's input (PINs, the only bytes the contract carries). */
function overwriteBytes(input: unknown): void {
  if (typeof input !== 'object' || input === null) return;
  for (const value of Object.values(input)) if (value instanceof Uint8Array) value.fill(0);
}

const conclave: ConclaveApi = {
  pathOfDroppedFile(file) {
    // Only a real DOM File has a path; anything else the page hands over gets none.
    if (typeof File === 'undefined' || !(file instanceof File)) return undefined;
    const path = webUtils.getPathForFile(file);
    return path === '' ? undefined : path;
  },

  call<C extends CallName>(name: C, input: CallInput<C>): Promise<Result<CallOutput<C>>> {
    // Checked here too, so the window cannot use this bridge to reach any other channel or name.
    if (!isCallName(name)) return Promise.resolve(unknownCall);
    // The main process validates the input and answers with a Result as data.
    const answer = ipcRenderer.invoke(callChannel, name, input) as Promise<Result<CallOutput<C>>>;
    // A PIN's bytes (issue 12): the bridge gave this world its own copy, and invoke has serialized it by now.
    overwriteBytes(input);
    return answer.catch(() => mainProcessSilent);
  },

  on(name, listener) {
    if (!isEventName(name)) throw new Error(`Conclave has no event called "${String(name)}".`);
    if (typeof listener !== 'function') throw new Error(`The listener for "${name}" must be a function.`);
    const forName = listeners.get(name) ?? new Set<(payload: unknown) => void>();
    listeners.set(name, forName);
    // A wrapper per subscription, so subscribing the same function twice needs two unsubscribes.
    const subscription = (payload: unknown) => (listener as (payload: unknown) => void)(payload);
    forName.add(subscription);
    return () => {
      forName.delete(subscription);
    };
  },
};

contextBridge.exposeInMainWorld('conclave', conclave);
