/**
 * The desktop shell's answer to files.pick: the system's own file dialog.
 * Paths come back only from what the person chose there.
 */
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { dialog, shell, type BrowserWindow, type OpenDialogOptions } from 'electron';
import type { ApiHandlers } from '../core/api/handlers';

const filters: Record<string, OpenDialogOptions['filters']> = {
  provenance: [{ name: 'Provenance (in-toto, DSSE, Sigstore bundle)', extensions: ['json', 'jsonl', 'intoto', 'sigstore'] }, { name: 'All files', extensions: ['*'] }],
  sbom: [{ name: 'SBOM (CycloneDX or SPDX JSON)', extensions: ['json'] }, { name: 'All files', extensions: ['*'] }],
  policy: [{ name: 'Policy (JSON)', extensions: ['json'] }],
  bundle: [{ name: 'Conclave bundle', extensions: ['json'] }, { name: 'All files', extensions: ['*'] }],
};

export function nativeFilePicker(window: () => BrowserWindow | undefined): ApiHandlers['files.pick'] {
  return async ({ purpose, multiple }) => {
    const properties: OpenDialogOptions['properties'] = purpose === 'folder' ? ['openDirectory', 'createDirectory'] : ['openFile'];
    if (multiple && purpose !== 'folder') properties.push('multiSelections');
    const options: OpenDialogOptions = { properties, ...(filters[purpose] ? { filters: filters[purpose] } : {}) };
    const owner = window();
    const result = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
    return { paths: result.canceled ? [] : result.filePaths };
  };
}

/**
 * The file dialog for adding a PKCS#11 module (issue 12): the core's
 * modules.add opens it, in this process, and loads only what the person picked.
 */
export function nativeModulePicker(window: () => BrowserWindow | undefined): () => Promise<string | undefined> {
  return async () => {
    const extensions = process.platform === 'win32' ? ['dll'] : process.platform === 'darwin' ? ['dylib', 'so'] : ['so'];
    const options: OpenDialogOptions = {
      title: 'Add a PKCS#11 module',
      buttonLabel: 'Add module',
      properties: ['openFile'],
      filters: [{ name: 'PKCS#11 module (library)', extensions }, { name: 'All files', extensions: ['*'] }],
    };
    const owner = window();
    const result = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
    return result.canceled ? undefined : result.filePaths[0];
  };
}

/** files.reveal: the published folder in the system's file manager. Only existing absolute paths; nothing is opened or run. */
export const revealInFileManager: ApiHandlers['files.reveal'] = async ({ path }) => {
  if (!isAbsolute(path) || !existsSync(path)) return { shown: false };
  shell.showItemInFolder(path);
  return { shown: true };
};
