import { describe, expect, it, vi } from 'vitest';
import type { BrowserWindow } from 'electron';
import type { ElectronStandIn } from './electron-stand-in';

vi.mock('electron', async () => (await import('./electron-stand-in')).createElectronStandIn());

const electron = (await import('electron')) as unknown as ElectronStandIn;
const { nativeFilePicker, revealInFileManager } = await import('../../electron/main/file-dialog');

describe('files.pick in the desktop app', () => {
  const window = {} as BrowserWindow;

  it('asks the system dialog, owned by the app window, for several artifacts', async () => {
    const pick = nativeFilePicker(() => window);
    await expect(pick({ purpose: 'artifacts', multiple: true })).resolves.toEqual({ paths: ['/home/rm/dist/app.tgz'] });
    const [owner, options] = electron.dialog.showOpenDialog.mock.calls.at(-1) as [unknown, { properties: string[] }];
    expect(owner).toBe(window);
    expect(options.properties).toEqual(['openFile', 'multiSelections']);
  });

  it('chooses folders for the publish destination, and returns nothing when the person cancels', async () => {
    electron.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: true, filePaths: [] });
    const pick = nativeFilePicker(() => window);
    await expect(pick({ purpose: 'folder', multiple: false })).resolves.toEqual({ paths: [] });
    const [, options] = electron.dialog.showOpenDialog.mock.calls.at(-1) as [unknown, { properties: string[] }];
    expect(options.properties).toEqual(['openDirectory', 'createDirectory']);
  });
});

describe('files.reveal in the desktop app', () => {
  it('shows an existing published path in the file manager, and nothing else', async () => {
    await expect(revealInFileManager({ path: process.cwd() })).resolves.toEqual({ shown: true });
    expect(electron.shell.showItemInFolder).toHaveBeenCalledWith(process.cwd());
    electron.shell.showItemInFolder.mockClear();
    await expect(revealInFileManager({ path: '/no/such/folder' })).resolves.toEqual({ shown: false });
    await expect(revealInFileManager({ path: 'relative/path' })).resolves.toEqual({ shown: false });
    expect(electron.shell.showItemInFolder).not.toHaveBeenCalled();
  });
});
