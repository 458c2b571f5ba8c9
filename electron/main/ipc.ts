/**
 * The only place in the main process that touches ipcMain. One invoke
 * channel carries every call; it answers only the app window's own main
 * frame showing the app's own page, and hands everything else to
 * dispatchCall, which refuses unknown names and invalid input. Results go
 * back as data. Events go out to the app window only.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import type { ApiHandlers, EventSink } from '../core/api/handlers';
import { failure, type Result } from '../../shared/api/result';
import { callChannel, eventChannel } from '../preload/channels';

export interface ApiDoorOptions {
  window: BrowserWindow;
  /** The core's handlers, or the promise of them while it starts: a call made meanwhile waits for them. */
  handlers: ApiHandlers | Promise<ApiHandlers>;
  /** Whether a frame URL is the app's own page. */
  isAppPage: (url: string) => boolean;
}

const notFromTheApp: Result<never> = failure({
  code: 'forbidden',
  message: 'Conclave only answers its own window. The request was refused and nothing was changed.',
});

const coreNotStarted: Result<never> = failure({
  code: 'internal',
  message: 'Conclave could not start, so nothing was done. Close it and start it again; it says why as it closes.',
});

/** Whether an IPC call comes from the app window's main frame, currently showing the app's page. */
export function isFromAppWindow(event: Pick<IpcMainInvokeEvent, 'senderFrame' | 'sender'>, options: Omit<ApiDoorOptions, 'handlers'>): boolean {
  const { window, isAppPage } = options;
  if (window.isDestroyed()) return false;
  const frame = event.senderFrame;
  // Read the main frame at call time: a cross-origin navigation would replace it.
  return frame !== null && event.sender === window.webContents && frame === window.webContents.mainFrame && isAppPage(frame.url);
}

/** Opens the call channel; returns a function that closes it. */
export function openApiDoor(options: ApiDoorOptions): () => void {
  ipcMain.handle(callChannel, async (event, name: unknown, input: unknown): Promise<Result<unknown>> => {
    if (!isFromAppWindow(event, options)) return notFromTheApp;
    let handlers: ApiHandlers;
    try {
      handlers = await options.handlers;
    } catch {
      return coreNotStarted;
    }
    // Loaded at the first call, with the contract's schemas: the window opens without waiting for them.
    const { dispatchCall } = await import('../core/api/dispatch');
    return dispatchCall(handlers, name, input);
  });
  return () => ipcMain.removeHandler(callChannel);
}

/** Forwards the core's events to the app window while it shows the app's page; returns a function that stops it. */
export function relayEvents(
  subscribe: (sink: EventSink) => () => void,
  options: Omit<ApiDoorOptions, 'handlers'>,
): () => void {
  const { window, isAppPage } = options;
  const unsubscribe = subscribe((name, payload) => {
    if (window.isDestroyed()) return;
    const contents = window.webContents;
    if (!isAppPage(contents.mainFrame.url)) return;
    contents.send(eventChannel, name, payload);
  });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    unsubscribe();
  };
  window.once('closed', stop);
  return stop;
}
