import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConclaveApi, TokensSnapshot } from '../../shared/api/contract';
import type { ElectronStandIn } from './electron-stand-in';

vi.mock('electron', async () => (await import('./electron-stand-in')).createElectronStandIn());

const electron = (await import('electron')) as unknown as ElectronStandIn;
await import('../../electron/preload/index');
const { callChannel, eventChannel } = await import('../../electron/preload/channels');

const exposed = electron.contextBridge.exposeInMainWorld.mock.calls;
const api = exposed[0]?.[1] as ConclaveApi;
const relay = electron.ipcRenderer.on.mock.calls.find(([channel]) => channel === eventChannel)?.[1] as (...args: unknown[]) => void;
const snapshot: TokensSnapshot = { modules: [], demo: { available: true, created: false } };

beforeEach(() => {
  electron.ipcRenderer.invoke.mockReset();
});

describe('the preload', () => {
  it('exposes window.conclave with call, on and the dropped-file path, and nothing else', () => {
    expect(exposed).toHaveLength(1);
    expect(exposed[0]?.[0]).toBe('conclave');
    expect(Object.keys(api).sort()).toEqual(['call', 'on', 'pathOfDroppedFile']);
    expect(Object.values(api).every((value) => typeof value === 'function')).toBe(true);
  });

  it('gives a path only for a real dropped File', () => {
    class StandInFile {}
    vi.stubGlobal('File', StandInFile);
    try {
      expect(api.pathOfDroppedFile?.(new StandInFile())).toBe('/home/rm/dist/app.tgz');
      expect(api.pathOfDroppedFile?.({ path: '/etc/shadow' })).toBeUndefined();
      expect(api.pathOfDroppedFile?.('/etc/shadow')).toBeUndefined();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('listens on the event channel only, and never invokes anything at load', () => {
    expect(electron.ipcRenderer.on.mock.calls.map(([channel]) => channel)).toEqual([eventChannel]);
    expect(electron.ipcRenderer.send).not.toHaveBeenCalled();
  });

  it('invokes the call channel for contract calls and returns the main process answer', async () => {
    electron.ipcRenderer.invoke.mockResolvedValue({ ok: true, value: snapshot });
    await expect(api.call('tokens.list', {})).resolves.toEqual({ ok: true, value: snapshot });
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith(callChannel, 'tokens.list', {});
  });

  it('sends a PIN as the bytes it was given, and overwrites its copy once IPC has taken it (issue 12)', async () => {
    // What IPC carries is a copy made when invoke is called (structured clone): the stand-in takes it then.
    electron.ipcRenderer.invoke.mockImplementation((_channel: string, _name: string, input: unknown) => Promise.resolve({ ok: true, value: { keys: [] }, sent: structuredClone(input) }));
    const pin = new Uint8Array(Buffer.from('2468'));
    const answer = (await api.call('tokens.login', { tokenUri: 'pkcs11:token=alice', pin })) as unknown as { sent: unknown };
    expect(answer.sent).toEqual({ tokenUri: 'pkcs11:token=alice', pin: new Uint8Array(Buffer.from('2468')) });
    expect(pin).toEqual(new Uint8Array(4));
  });

  it('refuses names outside the contract without touching IPC', async () => {
    const call = api.call as (name: string, input: unknown) => ReturnType<ConclaveApi['call']>;
    for (const name of ['shell.openExternal', '__proto__', 'constructor', 'toString']) {
      await expect(call(name, {})).resolves.toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    }
    expect(electron.ipcRenderer.invoke).not.toHaveBeenCalled();
  });

  it('turns a main process that does not answer into a failure Result, not a rejection', async () => {
    electron.ipcRenderer.invoke.mockRejectedValue(new Error("No handler registered for 'conclave:call'"));
    await expect(api.call('app.info', {})).resolves.toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('refuses to subscribe to events outside the contract', () => {
    const on = api.on as (name: string, listener: (payload: unknown) => void) => () => void;
    expect(() => on('ipc.raw', () => undefined)).toThrow(/no event called "ipc.raw"/);
    expect(() => on('__proto__', () => undefined)).toThrow();
  });

  it('gives listeners the payload only, never the IPC event, until they unsubscribe', () => {
    const listener = vi.fn();
    const other = vi.fn();
    const stop = api.on('tokens.changed', listener);
    api.on('token.removed', other);

    const ipcEvent = { sender: { send: () => undefined }, ports: [] };
    relay(ipcEvent, 'tokens.changed', snapshot);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener.mock.calls[0]).toEqual([snapshot]);
    expect(other).not.toHaveBeenCalled();

    relay(ipcEvent, 'not.an.event', snapshot);
    expect(listener).toHaveBeenCalledTimes(1);

    stop();
    relay(ipcEvent, 'tokens.changed', snapshot);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('keeps delivering to other listeners when one throws', () => {
    const failing = vi.fn(() => {
      throw new Error('listener bug');
    });
    const steady = vi.fn();
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const stops = [api.on('token.inserted', failing), api.on('token.inserted', steady)];
    relay({}, 'token.inserted', { label: 'A' });
    expect(steady).toHaveBeenCalledOnce();
    stops.forEach((stop) => stop());
    quiet.mockRestore();
  });
});
