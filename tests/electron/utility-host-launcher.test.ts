import { describe, expect, it, vi } from 'vitest';
import type { ElectronStandIn } from './electron-stand-in';

vi.mock('electron', async () => (await import('./electron-stand-in')).createElectronStandIn());

const electron = (await import('electron')) as unknown as ElectronStandIn;
const { utilityHostLauncher } = await import('../../electron/main/utility-host-launcher');
const { tokenHostEntry } = await import('../../electron/core/tokens/host-process');

function launchHost() {
  const host = utilityHostLauncher({ env: { PATH: '/bin', SOFTHSM2_CONF: '/tmp/softhsm2.conf', UNSET: undefined }, serviceName: 'token-host softhsm2' });
  const child = electron.utilityProcess.fork.mock.results.at(-1)?.value as InstanceType<ElectronStandIn['UtilityProcess']>;
  return { host, child };
}

describe('token hosts as utility processes', () => {
  it('forks the token host entry with its environment and service name', () => {
    launchHost();
    const [path, args, options] = electron.utilityProcess.fork.mock.calls.at(-1) as [string, string[], Record<string, unknown>];
    expect(path).toBe(tokenHostEntry().path);
    expect(args).toEqual([]);
    expect(options).toMatchObject({
      serviceName: 'token-host softhsm2',
      env: { PATH: '/bin', SOFTHSM2_CONF: '/tmp/softhsm2.conf', CONCLAVE_SERVICE_NAME: 'token-host softhsm2' },
    });
    expect(Object.keys(options.env as object)).not.toContain('UNSET');
  });

  it('carries messages both ways', () => {
    const { host, child } = launchHost();
    host.postMessage({ type: 'open', id: 1 });
    expect(child.postMessage).toHaveBeenCalledWith({ type: 'open', id: 1 });
    const heard = vi.fn();
    host.onMessage(heard);
    child.emit('message', { type: 'opened', id: 1 });
    expect(heard).toHaveBeenCalledWith({ type: 'opened', id: 1 });
  });

  it('reports the exit once, even to a listener added afterwards, and stops posting to a gone host', async () => {
    const { host, child } = launchHost();
    const early = vi.fn();
    host.onExit(early);
    child.emit('exit', 7);
    child.emit('exit', 7);
    expect(early).toHaveBeenCalledExactlyOnceWith(7, null);

    const late = vi.fn();
    host.onExit(late);
    await Promise.resolve();
    expect(late).toHaveBeenCalledExactlyOnceWith(7, null);

    host.postMessage({ type: 'close' });
    host.kill();
    expect(child.postMessage).not.toHaveBeenCalled();
    expect(child.kill).not.toHaveBeenCalled();
  });

  it('ends a running host when asked', () => {
    const { host, child } = launchHost();
    host.kill();
    expect(child.kill).toHaveBeenCalledOnce();
  });
});
