/**
 * The two IPC channels between the window and the main process. Kept in a
 * file with no imports so the sandboxed preload and the main process agree on
 * them without the preload pulling in anything from the main side.
 */

/** The window's calls into the core: ipcRenderer.invoke(callChannel, name, input) → Result. */
export const callChannel = 'conclave:call';

/** Events pushed by the core to the window: webContents.send(eventChannel, name, payload). */
export const eventChannel = 'conclave:event';
